// Charts as SVG, rendered headlessly with Vega-Lite -> Vega (no browser, no canvas). render() serves the fleet bench too.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { BenchResults } from './types.js';

export async function render(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const configColor = { field: 'config', type: 'nominal', title: 'pool', scale: { domain: ['before', 'after', 'bound'], range: ['#d62728', '#1f77b4', '#7f7f7f'] } } as const;

/** Render every chart into outDir; returns the file names written. */
export async function writeCharts(results: BenchResults, outDir: string): Promise<string[]> {
  const measured = results.scenarios.filter((s) => s.measurement);
  if (measured.length === 0) return [];
  const latency = results.settings.statementLatencyMs;
  const rows = measured.map((s) => ({
    config: s.config,
    users: s.users,
    success: s.measurement!.successRate * 100,
    throughput: s.measurement!.throughput,
    p50: s.measurement!.latencyMs.ok.p50,
    p95: s.measurement!.latencyMs.ok.p95,
    p99: s.measurement!.latencyMs.ok.p99,
    shedP99: s.measurement!.latencyMs.shed.count > 0 ? s.measurement!.latencyMs.shed.p99 : null,
  }));
  const bounds = measured
    .filter((s) => s.bound.expectedThroughput !== null)
    .map((s) => ({ config: `bound`, pool: s.config, users: s.users, throughput: s.bound.expectedThroughput, latency: s.bound.expectedLatencyMs }));
  const users = { field: 'users', type: 'ordinal', title: 'concurrent users' } as const;
  /** Measured lines per pool config, with the "after" pool's queueing bound dashed on the same axes. */
  const versusBound = (title: string, y: { field: 'throughput' | 'p95'; title: string; log?: boolean }, boundField: 'throughput' | 'latency'): TopLevelSpec => ({
    title,
    width: 420,
    height: 260,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', point: true },
        encoding: {
          x: users,
          y: { field: y.field, type: 'quantitative', title: y.title, ...(y.log ? { scale: { type: 'log' } } : {}) },
          color: configColor,
        },
      },
      {
        data: { values: bounds.filter((b) => b.pool === 'after') },
        mark: { type: 'line', strokeDash: [4, 4] },
        encoding: { x: users, y: { field: boundField, type: 'quantitative' }, color: configColor },
      },
    ],
  });
  const charts: Array<[string, TopLevelSpec]> = [
    [
      'success-rate.svg',
      {
        title: `Success rate (statement latency ${latency} ms)`,
        width: 420,
        height: 260,
        data: { values: rows },
        mark: { type: 'bar' },
        encoding: {
          x: users,
          xOffset: { field: 'config' },
          y: { field: 'success', type: 'quantitative', title: '2xx %', scale: { domain: [0, 100] } },
          color: configColor,
        },
      },
    ],
    [
      'throughput.svg',
      versusBound(`Successful requests per second vs the queueing bound`, { field: 'throughput', title: '2xx per second' }, 'throughput'),
    ],
    [
      'latency-p95.svg',
      versusBound("p95 latency of successful requests vs Little's-law W (log scale)", { field: 'p95', title: 'milliseconds', log: true }, 'latency'),
    ],
  ];
  // The timeline of the overload run with Retry-After-honouring clients, or
  // failing that, of the largest "after" scenario.
  const polite = results.overload?.polite;
  const largest = measured.filter((s) => s.config === 'after').sort((a, b) => b.users - a.users)[0];
  const timelineSource = polite && polite.timeline.length > 0
    ? { label: `after@${results.overload!.users}, clients honour Retry-After`, points: polite.timeline }
    : largest?.measurement && largest.measurement.timeline.length > 0
      ? { label: `after@${largest.users}`, points: largest.measurement.timeline }
      : undefined;
  if (timelineSource) {
    const timeline = timelineSource.points.flatMap((p) => [
      { second: p.second, kind: '2xx per second', value: p.ok },
      { second: p.second, kind: '503 per second', value: p.shed },
    ]);
    charts.push([
      'overload-timeline.svg',
      {
        title: `${timelineSource.label}: responses per second over the measured window`,
        width: 420,
        height: 220,
        data: { values: timeline },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'second', type: 'quantitative', title: 'second of the measured window' },
          y: { field: 'value', type: 'quantitative', title: 'responses per second' },
          color: { field: 'kind', type: 'nominal', title: null },
        },
      },
    ]);
  }
  if (results.overhead) {
    const o = results.overhead;
    charts.push([
      'overhead.svg',
      {
        title: `Statement latency 0, ${o.connections} connections: orapool = ${(o.serviceToKoa * 100).toFixed(1)}% of bare Koa`,
        width: 300,
        height: 200,
        data: {
          values: [
            { server: 'bare node:http + oracledb', throughput: o.bare.throughput },
            { server: 'bare Koa + @koa/router + oracledb', throughput: o.koa.throughput },
            { server: 'orapool (Koa, metrics, admission)', throughput: o.service.throughput },
            { server: 'orapool at LOG_LEVEL=info', throughput: o.serviceInfo.throughput },
          ],
        },
        mark: { type: 'bar' },
        encoding: {
          y: {
            field: 'server',
            type: 'nominal',
            title: null,
            // Fastest yardstick first, the service last; full names, not truncated.
            sort: null,
            axis: { labelLimit: 320 },
          },
          x: { field: 'throughput', type: 'quantitative', title: 'requests per second' },
        },
      },
    ]);
  }
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const [file, spec] of charts) {
    writeFileSync(join(outDir, file), await render(spec));
    written.push(file);
  }
  return written;
}
