import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasAb } from '../../bench/load/ab.js';
import { writeCharts } from '../../bench/load/charts.js';
import { consoleReport, writeReport } from '../../bench/load/report.js';
import { runLoadBenchmark, serviceIsBuilt } from '../../bench/load/run.js';
import { queueingBound } from '../../bench/load/scenarios.js';
import type { BenchResults } from '../../bench/load/types.js';

/**
 * The load benchmark in miniature, so it cannot rot: the same code path as
 * `npm run bench:load` (simulator and built service as real processes,
 * autocannon, the bare-server yardstick, ab when installed, report and
 * charts) with a handful of users for a second each. It asserts that the
 * run completes and its results are well-formed, never how fast anything is.
 */
describe('bench:load smoke run', () => {
  let outDir: string;
  let results: BenchResults;
  let charts: string[];

  beforeAll(async () => {
    if (!serviceIsBuilt()) throw new Error('dist/main.js is missing: run `npm run build` (npm test does)');
    outDir = mkdtempSync(join(tmpdir(), 'orapool-bench-'));
    results = await runLoadBenchmark({
      mode: 'smoke',
      statementLatencyMs: 5,
      configs: ['before', 'after'],
      users: [4],
      durationSeconds: 1,
      warmupSeconds: 0.5,
      clientTimeoutSeconds: 5,
      maxRequestsPerRun: 5000,
      overhead: { connections: 4, rounds: 1 },
      // Never apt-get from a test; exercise ab only where it is installed.
      ab: hasAb() ? { requests: 20, concurrency: 4, port: 0, installAb: false } : false,
      budgetSeconds: 120,
      quietWaitSeconds: 0,
      log: () => {},
    });
    charts = await writeCharts(results, outDir);
    writeReport(results, outDir, charts);
  }, 150_000);

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('measures every scenario with consistent counts', () => {
    expect(results.scenarios.map((s) => s.name)).toEqual(['before@4', 'after@4']);
    for (const s of results.scenarios) {
      const m = s.measurement;
      expect(m, s.name).toBeDefined();
      expect(m!.responses).toBeGreaterThan(0);
      expect(m!.attempts).toBe(m!.responses + m!.timeouts + Object.values(m!.socketErrors).reduce((a, b) => a + b, 0));
      const shed = m!.shed.OVERLOADED + m!.shed.POOL_QUEUE_FULL + m!.shed.POOL_QUEUE_TIMEOUT;
      expect(m!.ok + shed + m!.otherNon2xx).toBe(m!.responses);
      expect(m!.successRate).toBeGreaterThanOrEqual(0);
      expect(m!.successRate).toBeLessThanOrEqual(1);
      expect(m!.latencyMs.ok.p50).toBeLessThanOrEqual(m!.latencyMs.ok.p95);
      expect(m!.latencyMs.ok.p95).toBeLessThanOrEqual(m!.latencyMs.ok.p99);
      expect(s.bound.maxThroughput).toBe(s.poolMax / 0.005);
    }
    // Four users never exhaust a pool of 40: the "after" run must succeed.
    expect(results.scenarios[1]!.measurement!.ok).toBeGreaterThan(0);
  });

  it('compares the service with the bare server at statement latency 0', () => {
    expect(results.overhead).toBeDefined();
    expect(results.overhead!.bare.throughput).toBeGreaterThan(0);
    expect(results.overhead!.service.throughput).toBeGreaterThan(0);
    expect(results.overhead!.ratio).toBeCloseTo(results.overhead!.service.throughput / results.overhead!.bare.throughput, 2);
  });

  it.runIf(hasAb())("runs the team's ab command and parses its output", () => {
    expect(results.ab?.result?.complete).toBe(20);
    expect(results.ab!.result!.requestsPerSecond).toBeGreaterThan(0);
  });

  it('writes parseable JSON, a markdown table, SVG charts and a console report with targets', () => {
    const json = JSON.parse(readFileSync(join(outDir, 'load-results.json'), 'utf8')) as BenchResults & { targets: unknown[] };
    expect(json.schema).toBe('orapool-load-bench/1');
    expect(json.machine.cores).toBeGreaterThan(0);
    expect(json.scenarios).toHaveLength(2);
    expect(json.targets.length).toBeGreaterThan(0);
    const md = readFileSync(join(outDir, 'load-results.md'), 'utf8');
    expect(md).toMatch(/^\| Scenario \| Users \| Success \|/m);
    expect(md).toContain('| after | 4 |');
    expect(charts).toEqual(expect.arrayContaining(['success-rate.svg', 'throughput.svg', 'latency-p95.svg', 'overhead.svg']));
    for (const chart of charts) {
      expect(existsSync(join(outDir, chart))).toBe(true);
      expect(readFileSync(join(outDir, chart), 'utf8')).toMatch(/^<svg /);
    }
    const text = consoleReport(results);
    expect(text).toContain('targets:');
    expect(text).toMatch(/\[(MET|NOT MET|not measured)\]/);
  });
});

describe('queueingBound', () => {
  it("is pool max / latency at saturation, with Little's-law latency users / bound", () => {
    expect(queueingBound(100, 40, 50)).toEqual({ maxThroughput: 800, expectedThroughput: 800, expectedLatencyMs: 125 });
  });

  it('is users / latency below saturation, where requests never wait', () => {
    expect(queueingBound(10, 40, 50)).toEqual({ maxThroughput: 800, expectedThroughput: 200, expectedLatencyMs: 50 });
  });

  it('has no bound at statement latency 0', () => {
    expect(queueingBound(100, 40, 0).maxThroughput).toBeNull();
  });
});
