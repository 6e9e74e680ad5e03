import { describe, expect, it } from 'vitest';
import { startService } from '../support/processes.js';
import { dbEnv, metricValue, needsSimulatorReason, realOracle, startDatabase, waitUntilReady } from '../support/database-target.js';
import { stackPerTest } from '../support/stack.js';

const COUNT = 'orapool_database_round_trip_seconds_count';
const FAST = 'orapool_database_round_trip_seconds_bucket{le="0.05"}';

/**
 * orapool_database_round_trip_seconds through the real driver: what
 * orapool:database_bottleneck compares with its daily baseline. The simulator's
 * statement latency is a floor on each round-trip, so "slower" is asserted
 * as bucket counts, not as a duration.
 */
describe.skipIf(realOracle)(`the database round-trip histogram (${realOracle ? needsSimulatorReason : 'simulator'})`, () => {
  const t = stackPerTest();

  it('observes every /api/health round-trip, and moves them above 50 ms when the database answers in 80 ms', async () => {
    t.db = await startDatabase();
    t.service = await startService({ ...dbEnv(t.db), DB_POOL_MIN: '1', DB_POOL_MAX: '2', SHUTDOWN_DELAY_SECONDS: '0', DB_PROBE_INTERVAL: '3600' });
    await waitUntilReady(t.service);
    const scrape = async () => {
      const text = await (await fetch(`${t.service!.url}/metrics`)).text();
      return { count: metricValue(text, COUNT) ?? Number.NaN, fast: metricValue(text, FAST) ?? Number.NaN };
    };
    const health = async (n: number) => {
      for (let i = 0; i < n; i++) expect((await fetch(`${t.service!.url}/api/health`)).status).toBe(200);
    };

    const start = await scrape();
    await health(5);
    const steady = await scrape();
    // Each call adds one round-trip (the background probe ran once, at startup).
    expect(steady.count - start.count).toBeGreaterThanOrEqual(5);

    t.db.sim!.faults.setStatementLatency(80);
    await health(5);
    const slow = await scrape();
    expect(slow.count - steady.count).toBeGreaterThanOrEqual(5);
    // None of the slow round-trips falls in a bucket at or under 50 ms.
    expect(slow.fast).toBe(steady.fast);
  });
});
