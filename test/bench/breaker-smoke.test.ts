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
      clients: ['polite', 'storm'],
      // Short enough that polite clients, who wait out Retry-After, are back within the run.
      env: { DB_CALL_TIMEOUT: '1', DB_BREAKER_OPEN_SECONDS: '1' },
      log: () => {},
    });
    expect(run.results.map((r) => `${r.fault}/${r.clients}`)).toEqual(['freeze/polite', 'freeze/storm', 'refuse/polite', 'refuse/storm']);
    for (const r of run.results) {
      const run = `${r.fault}/${r.clients}`;
      expect(r.faultToOpenMs, run).not.toBeNull();
      expect(r.afterOpen!.latencyMs.count, run).toBeGreaterThan(0);
      expect(r.afterOpen!.codes.DATABASE_UNAVAILABLE, run).toBeGreaterThan(0);
      expect(r.afterOpen!.withoutRetryAfter, run).toBe(0);
      expect(r.okAfterRecovery, `${r.fault}/${r.clients}: served again after recovery`).toBeGreaterThan(0);
    }
    // Polite runs are judged, storms reported.
    expect(run.targets.map((t) => t.met !== null)).toEqual([true, true, false, false, true, true, false, false]);
  }, 180_000);
});
