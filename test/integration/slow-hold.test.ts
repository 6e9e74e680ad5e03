import { describe, expect, it } from 'vitest';
import { startService } from '../support/processes.js';
import { dbEnv, metricValue, needsSimulatorReason, realOracle, startDatabase, waitFor, waitUntilReady } from '../support/database-target.js';
import { stackPerTest } from '../support/stack.js';

/** DB_SLOW_HOLD_SECONDS through the running service: a statement slower than it is logged once and counted. */
describe.skipIf(realOracle)(`slow-hold detection (${realOracle ? needsSimulatorReason : 'simulator'})`, () => {
  const t = stackPerTest();

  it('logs one slow_hold with route, request id and borrow site, and counts it, for a statement slower than DB_SLOW_HOLD_SECONDS', async () => {
    t.db = await startDatabase();
    const slowHoldSeconds = 0.3;
    t.service = await startService({
      ...dbEnv(t.db),
      DB_POOL_MIN: '1',
      DB_POOL_MAX: '2',
      DB_SLOW_HOLD_SECONDS: String(slowHoldSeconds),
      DB_BORROW_SITES: 'always',
      // No background probe during the slow statement: only the request borrows.
      DB_PROBE_INTERVAL: '60',
      SHUTDOWN_DELAY_SECONDS: '0',
    });
    await waitUntilReady(t.service);
    const slowHolds = async () => metricValue(await (await fetch(`${t.service!.url}/metrics`)).text(), 'orapool_pool_slow_holds_total');
    expect(await slowHolds()).toBe(0);

    // Twice the threshold: far enough past it that the timer must have fired.
    t.db.sim!.faults.setStatementLatency(slowHoldSeconds * 2 * 1000);
    const requestId = 'slow-hold-test-0001';
    const response = await fetch(`${t.service.url}/api/health`, { headers: { 'X-Request-Id': requestId } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe(requestId);

    const lines = t.service.logs().filter((e) => e.event === 'slow_hold');
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line.level).toBe('warn');
    expect(line.route).toBe('/api/health');
    expect(line.requestId).toBe(requestId);
    expect(line.thresholdSeconds).toBe(slowHoldSeconds);
    // The borrow site: stack frames of the service's own code that borrowed (the health round-trip).
    expect(Array.isArray(line.borrowSite)).toBe(true);
    expect((line.borrowSite as string[]).join('\n')).toMatch(/dist\/(health\/db-probe|http\/routes\/health)\.js/);
    expect(await slowHolds()).toBe(1);

    // A statement under the threshold is neither logged nor counted.
    t.db.sim!.faults.setStatementLatency(0);
    expect((await fetch(`${t.service.url}/api/health`)).status).toBe(200);
    await waitFor('metrics readable', slowHolds);
    expect(await slowHolds()).toBe(1);
    expect(t.service.logs().filter((e) => e.event === 'slow_hold')).toHaveLength(1);
  });
});
