import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasAb } from '../../bench/load/ab.js';
import { writeCharts } from '../../bench/load/charts.js';
import { consoleReport, writeReport } from '../../bench/load/report.js';
import { runLoadBenchmark, serviceIsBuilt } from '../../bench/load/run.js';
import { histogramDelta, histogramQuantileMs, parseHistogram } from '../../bench/load/polite.js';
import { queueingBound } from '../../bench/load/scenarios.js';
import { judgeTargets } from '../../bench/load/targets.js';
import type { BenchResults } from '../../bench/load/types.js';

/**
 * The load benchmark in miniature, so it cannot rot: the same code path as
 * `npm run bench:load` (simulator and built service as real processes,
 * autocannon, the bare-server yardstick, ab, report and charts) with every
 * user count a target is judged at, for a second each. It asserts that the
 * run completes, that responses happened, that 503s were deliberate and
 * carried Retry-After, that no other 5xx occurred, and that every target
 * verdict was measured; never how fast anything is.
 */

/** Responses with a 5xx status other than 503, by status. */
const otherFivexx = (byStatus: Record<string, number>) => Object.fromEntries(Object.entries(byStatus).filter(([status]) => status.startsWith('5') && status !== '503'));
const shedCount = (shed: Record<string, number>) => Object.values(shed).reduce((a, b) => a + b, 0);
describe('bench:load smoke run', () => {
  let outDir: string;
  let results: BenchResults;
  let charts: string[];

  beforeAll(async () => {
    if (!serviceIsBuilt()) throw new Error('dist/main.js is missing: run `npm run build` (npm test does)');
    // No silent skip: the ab parser must run wherever the tests run.
    if (!hasAb()) throw new Error('ab is missing: run `bash scripts/ensure-tools.sh` (npm test does), which installs Debian apache2-utils');
    outDir = mkdtempSync(join(tmpdir(), 'orapool-bench-'));
    results = await runLoadBenchmark({
      mode: 'smoke',
      statementLatencyMs: 5,
      configs: ['before', 'after'],
      // 4 users for the basics; 100, 150 and 1000 because the targets are judged there.
      users: [4, 100, 150, 1000],
      // Two seconds: the retry-wave verdict needs at least two whole seconds of 503 counts.
      durationSeconds: 2,
      warmupSeconds: 0.5,
      clientTimeoutSeconds: 5,
      maxRequestsPerRun: 5000,
      // A tiny pool and queue (2 + 2) against 12 users, so the deliberate-503
      // path (Retry-After honoured, then ignored) runs in the smoke test too.
      // Two 503-latency rounds, so the second (the bare server first) runs too.
      overload: { config: 'after', users: 12, env: { DB_POOL_MIN: '1', DB_POOL_MAX: '2', DB_POOL_QUEUE_MAX: '2' }, storm: true, shedRounds: 2 },
      overhead: { connections: 4, rounds: 1, profileDir: join(outDir, 'profiles') },
      // 100 new connections at once against pool 10 + queue 50: some must be refused.
      burst: { connections: 100, rounds: 1, backlogRounds: 2, warmupRounds: 1, backlog: 4096 },
      memory: { users: [4, 20], durationSeconds: 0.5, cycles: 2, cycleSeconds: 0.5 },
      // Never apt-get from a test: scripts/ensure-tools.sh installs ab beforehand.
      ab: { requests: 20, concurrency: 4, port: 0, installAb: false },
      budgetSeconds: 240,
      quietWaitSeconds: 0,
      log: () => {},
    });
    charts = await writeCharts(results, outDir);
    writeReport(results, outDir, charts);
  }, 300_000);

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('measures every scenario with consistent counts', () => {
    expect(results.scenarios.map((s) => s.name)).toEqual(['before@4', 'before@100', 'before@150', 'before@1000', 'after@4', 'after@100', 'after@150', 'after@1000']);
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
    expect(results.scenarios.find((s) => s.name === 'after@4')!.measurement!.ok).toBeGreaterThan(0);
  });

  it('answers only 2xx or deliberate 503s (with Retry-After) in every run: no other 5xx', () => {
    const runs = [
      ...results.scenarios.map((s) => [s.name, s.measurement!] as const),
      ['overload (polite)', results.overload!.polite!] as const,
      ['overload (storm)', results.overload!.storm!] as const,
    ];
    for (const [name, m] of runs) {
      expect(m.responses, name).toBeGreaterThan(0);
      expect(otherFivexx(m.byStatus), name).toEqual({});
      // Every 503 is a deliberate one (a shed code), and every deliberate one carries Retry-After.
      expect(m.byStatus['503'] ?? 0, name).toBe(shedCount(m.shed));
      expect(m.shedWithoutRetryAfter, name).toBe(0);
    }
  });

  it('runs the overload scenario with Retry-After-honouring clients and the autocannon storm', () => {
    const o = results.overload;
    expect(o?.admittedAtOnce).toBe(4);
    const p = o!.polite!;
    expect(p.attempts).toBe(p.responses + p.timeouts + Object.values(p.socketErrors).reduce((a, b) => a + b, 0));
    expect(p.ok + p.shed.OVERLOADED + p.shed.POOL_QUEUE_FULL + p.shed.POOL_QUEUE_TIMEOUT + p.otherNon2xx).toBe(p.responses);
    expect(p.shed.POOL_QUEUE_FULL + p.shed.OVERLOADED + p.shed.POOL_QUEUE_TIMEOUT).toBe(
      Object.values(p.retryAfterValues).reduce((a, b) => a + b, 0) + p.shedWithoutRetryAfter,
    );
    // More users than pool + queue: 503s were really shed, to clients that honour them and to the storm.
    expect(shedCount(p.shed)).toBeGreaterThan(0);
    expect(o!.storm).toBeDefined();
    expect(shedCount(o!.storm!.shed)).toBeGreaterThan(0);
  });

  it('measures every target it judges: no verdict is "not measured"', () => {
    const verdicts = judgeTargets(results);
    expect(verdicts.map((v) => v.id)).toEqual(['after-100', 'after-150', 'after-1000', 'overload-503', 'overhead', 'burst', 'retry-waves', 'memory', 'team-plan']);
    expect(verdicts.filter((v) => v.met === null)).toEqual([]);
  });

  it('compares the service with the bare server at statement latency 0', () => {
    expect(results.overhead).toBeDefined();
    expect(results.overhead!.bare.throughput).toBeGreaterThan(0);
    expect(results.overhead!.service.throughput).toBeGreaterThan(0);
    expect(results.overhead!.ratio).toBeCloseTo(results.overhead!.service.throughput / results.overhead!.bare.throughput, 2);
    expect(results.overhead!.koa.throughput).toBeGreaterThan(0);
    expect(results.overhead!.koaRatio).toBeCloseTo(results.overhead!.koa.throughput / results.overhead!.bare.throughput, 2);
  });

  it('reads CPU per request from every overhead server, and writes a flame summary of each', () => {
    const o = results.overhead!;
    for (const f of [o.bare, o.koa, o.service, o.serviceInfo]) {
      expect(f.cpuMicrosPerRequest).toBeGreaterThan(0);
      expect(f.profile?.busyMicrosPerRequest).toBeGreaterThan(0);
      expect(readFileSync(f.profile!.file, 'utf8')).toMatch(/^# CPU profile: [\s\S]*\| Function \(file:line\) \| Self ms \|/);
    }
    expect(readFileSync(o.service.profile!.file, 'utf8')).toContain('dist/');
    expect(o.serviceToKoa).toBeCloseTo(o.service.perRound[0]! / o.koa.perRound[0]!, 2);
  });

  it('bursts new connections at the service and at a bare 503 server, at both backlogs', () => {
    const b = results.burst!;
    for (const side of [b.service, b.serviceAt511]) {
      // Pool 10 + queue 50 against 100 at once: some served, the rest refused.
      expect(side.last.byStatus['200']).toBeGreaterThan(0);
      expect(side.last.byStatus['503']).toBeGreaterThan(0);
    }
    for (const side of [b.bare, b.bareAt511]) expect(side.last.byStatus).toEqual({ '503': 100 });
    // The client is its own process and reports its CPU time for each burst; the 511 pair ran its own
    // number of rounds (2), not the judged pair's (1).
    for (const side of [b.service, b.bare, b.serviceAt511, b.bareAt511]) expect(side.clientCpuMs).toBeGreaterThan(0);
    for (const side of [b.service, b.bare]) expect(side.perRound).toHaveLength(1);
    for (const side of [b.serviceAt511, b.bareAt511]) expect(side.perRound).toHaveLength(2);
    expect(b.ratio).toBeGreaterThan(0);
  });

  it('runs the overload with Retry-After spread and exact, and against a bare 503 server, and compares their waves', () => {
    const o = results.overload!;
    const spread = Object.keys(o.polite!.retryAfterValues).map(Number);
    const exact = Object.keys(o.politeExactRetryAfter!.retryAfterValues).map(Number);
    expect(exact.length).toBeGreaterThan(0);
    // Spread values start where the exact ones do and never go below.
    expect(Math.min(...spread)).toBeGreaterThanOrEqual(Math.min(...exact));
    expect(shedCount(o.bare503!.shed)).toBeGreaterThan(0);
    // Each round measured both servers' refusals; the first round's bare figure is the bare run's.
    expect(o.shedRounds).toHaveLength(2);
    expect(o.shedRounds![0]!.bareMs).toBe(o.bare503!.latencyMs.shed.p99);
    for (const round of o.shedRounds!) {
      expect(round.serviceMs).toBeGreaterThan(0);
      expect(round.bareMs).toBeGreaterThan(0);
    }
    expect(o.waves!.shedPerSecondCv).not.toBeNull();
    expect(o.waves!.exactShedPerSecondCv).not.toBeNull();
  });

  it('measures memory at idle and under load, and the heap after GC per cycle, for the service and bare Koa', () => {
    const m = results.memory!;
    for (const side of [m.service, m.koa]) {
      expect(side.idle.rssBytes).toBeGreaterThan(0);
      expect(side.users1000.rssBytes).toBeGreaterThan(0);
      expect(side.heapAfterGcPerCycle).toHaveLength(2);
      // Where the RSS sits: V8's committed heap holds what is used, in new and old space.
      for (const point of [side.idle, side.users1000]) {
        expect(point.heapTotalBytes).toBeGreaterThanOrEqual(point.heapUsedBytes);
        expect(point.newSpaceBytes).toBeGreaterThan(0);
        expect(point.oldSpaceBytes).toBeGreaterThan(0);
        expect(point.newSpaceBytes! + point.oldSpaceBytes!).toBeLessThanOrEqual(point.heapTotalBytes!);
        expect(point.externalBytes).toBeGreaterThan(0);
      }
    }
  });

  it("runs the team's ab command and parses its output", () => {
    expect(results.ab?.result?.complete).toBe(20);
    expect(results.ab!.result!.requestsPerSecond).toBeGreaterThan(0);
  });

  it('writes parseable JSON, a markdown table, SVG charts and a console report with targets', () => {
    const json = JSON.parse(readFileSync(join(outDir, 'load-results.json'), 'utf8')) as BenchResults & { targets: unknown[] };
    expect(json.schema).toBe('orapool-load-bench/1');
    expect(json.machine.cores).toBeGreaterThan(0);
    expect(json.scenarios).toHaveLength(8);
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

describe('service histogram from /metrics', () => {
  const scrape = (b: number[], sum: number) =>
    [0.001, 0.01, 0.05, '+Inf']
      .map((le, i) => `orapool_http_request_duration_seconds_bucket{le="${le}",route="/api/health",method="GET",status="503"} ${b[i]}`)
      .concat(`orapool_http_request_duration_seconds_sum{route="/api/health",method="GET",status="503"} ${sum}`)
      .concat(`orapool_http_request_duration_seconds_count{route="/api/health",method="GET",status="503"} ${b[3]}`)
      .concat('orapool_http_request_duration_seconds_count{route="/api/health",method="GET",status="200"} 999')
      .join('\n');

  it('diffs two scrapes and interpolates quantiles inside buckets', () => {
    const labels = { route: '/api/health', status: '503' };
    const delta = histogramDelta(parseHistogram(scrape([0, 0, 0, 0], 0), 'orapool_http_request_duration_seconds', labels), parseHistogram(scrape([10, 90, 100, 100], 1), 'orapool_http_request_duration_seconds', labels));
    expect(delta.count).toBe(100);
    expect(histogramQuantileMs(delta, 0.5)).toBe(5.5); // rank 50: 40 of the 80 in (1 ms, 10 ms]
    expect(histogramQuantileMs(delta, 0.99)).toBe(46); // rank 99: 9 of the 10 in (10 ms, 50 ms]
    expect(histogramQuantileMs({ buckets: [], count: 0, sum: 0 }, 0.5)).toBeNull();
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
