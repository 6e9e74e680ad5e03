import { describe, expect, it } from 'vitest';
import { runBreakerBenchmark } from '../../bench/breaker/run.js';
import { serviceIsBuilt } from '../../bench/load/run.js';

/**
 * The breaker benchmark in miniature, so it cannot rot: the same code as
 * `npm run bench:breaker` (simulator and built service as real processes,
 * both faults, the verdicts) with a few users, a short call timeout and a
 * one-second probe. It asserts that each fault opened the breaker, that what
 * came back meanwhile were 503s with Retry-After, that the service served
 * again after recovery, and that every target got a verdict; never how fast.
 */
describe('bench:breaker smoke run', () => {
  it('opens the breaker under both faults, answers with Retry-After meanwhile, serves again after recovery, and judges every target', async () => {
    if (!serviceIsBuilt()) throw new Error('dist/main.js is missing: run `npm run build` (npm test does)');
    const run = await runBreakerBenchmark({
      users: 10,
      statementLatencyMs: 5,
      probeIntervalSeconds: 1,
      warmupMs: 500,
      baselineMs: 1000,
      holdMs: 1000,
      env: { DB_CALL_TIMEOUT: '1' },
      log: () => {},
    });
    expect(run.results.map((r) => r.fault)).toEqual(['freeze', 'refuse']);
    for (const r of run.results) {
      expect(r.faultToOpenMs, r.fault).not.toBeNull();
      expect(r.afterOpen!.latencyMs.count, r.fault).toBeGreaterThan(0);
      expect(r.afterOpen!.codes.DATABASE_UNAVAILABLE, r.fault).toBeGreaterThan(0);
      expect(r.afterOpen!.withoutRetryAfter, r.fault).toBe(0);
      expect(r.recoveryToBaselineMs, `${r.fault}: served again after recovery`).not.toBeNull();
    }
    expect(run.targets).toHaveLength(4);
    expect(run.targets.every((t) => t.met !== null)).toBe(true);
  }, 180_000);
});
