import { describe, expect, it } from 'vitest';
import { startService, type ServiceProcess } from '../support/processes.js';
import { dbEnv, FAR_BEYOND_THE_TEST, FREEZE_ENV, getJson, metricValue, needsSimulatorReason, realOracle, startDatabase, waitFor, waitUntilReady } from '../support/database-target.js';
import { stackPerTest } from '../support/stack.js';

/** The open duration of the first case: the trial comes this long after the breaker opened. */
const OPEN_SECONDS = 8;

/**
 * The database circuit breaker through the running service, the real driver
 * and its real pool, against the simulator's freeze (a hung instance: TCP
 * accepted, nothing answered) and its slow statements. Every bound that could
 * answer a request instead of the breaker (queue timeout, connect timeout) is
 * set far beyond the test's own timeout, so a request answered while the
 * database is still frozen was answered by the breaker: no wall-clock
 * threshold is asserted.
 */
const TEST_TIMEOUT_MS = 45_000;

async function health(service: ServiceProcess) {
  const r = await getJson(`${service.url}/api/health`);
  return { status: r.status, code: (r.body.error as { code?: string } | undefined)?.code, retryAfter: Number(r.headers.get('retry-after')) };
}

/**
 * One step of a case, bounded: on a busy CI machine a step that never ends
 * fails naming itself and the service's last log lines, instead of the whole
 * case timing out without a word.
 */
async function stage<T>(service: ServiceProcess, what: string, ms: number, step: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const tail = service.logs().slice(-15).map((e) => JSON.stringify(e)).join('\n');
      reject(new Error(`${what}: not done within ${ms} ms; the service's last log lines:\n${tail}`));
    }, ms);
  });
  try {
    return await Promise.race([step, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function metrics(service: ServiceProcess): Promise<string> {
  return (await fetch(`${service.url}/metrics`)).text();
}

describe.skipIf(realOracle)(`the database circuit breaker (${realOracle ? needsSimulatorReason : 'simulator'})`, () => {
  const stack = stackPerTest();

  it(
    'under a frozen database with concurrent load: opens, releases the queued requests and refuses new ones at once with 503 DATABASE_UNAVAILABLE + Retry-After, then closes after the thaw without a restart',
    async () => {
      const db = (stack.db = await startDatabase());
      const service = (stack.service = await startService({
        ...dbEnv(db),
        DB_POOL_MIN: '2',
        DB_POOL_MAX: '2',
        ...FREEZE_ENV,
        // The answers below are the breaker's alone, not admission control's.
        ADMISSION_CONTROL: 'false',
        // Only requests open it here; the probe's part is the next test.
        DB_PROBE_INTERVAL: '600',
        DB_BREAKER_FAILURES: '2',
        // Long enough that the refused request below cannot become the trial on a slow
        // machine (a trial would meet the freeze and wait out the connect timeout).
        DB_BREAKER_OPEN_SECONDS: String(OPEN_SECONDS),
        // Retry-After exactly the seconds until the trial, so the bound below is the breaker's.
        RETRY_AFTER_JITTER: '0',
        SHUTDOWN_DELAY_SECONDS: '0',
      }));
      await waitUntilReady(service);
      expect((await health(service)).status).toBe(200);
      expect(metricValue(await metrics(service), 'orapool_database_breaker_state')).toBe(0);
      // Both sessions open before the freeze: the pool creates the second one in the background,
      // and a borrow that had to create it during the freeze would wait out the connect timeout.
      await waitFor('both sessions open', async () => metricValue(await metrics(service), 'orapool_pool_connections_open') === 2 || undefined);

      db.sim!.faults.freeze();
      // Two requests take the two sessions and meet the freeze; eight queue behind them for a
      // queue timeout far beyond the test. The two call timeouts open the breaker.
      const burst = await stage(service, 'the burst against the frozen database', 20_000, Promise.all(Array.from({ length: 10 }, () => health(service))));
      const codes = burst.map((a) => a.code).sort();
      expect(burst.every((a) => a.status === 503 && a.retryAfter >= 1)).toBe(true);
      expect(codes).toEqual(['DATABASE_TIMEOUT', 'DATABASE_TIMEOUT', ...Array(8).fill('DATABASE_UNAVAILABLE')]);

      // While open (still frozen), a new request is refused at once: nothing else could answer it in time.
      const refused = await stage(service, 'a request while the breaker is open', 5_000, health(service));
      expect(refused).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
      expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
      expect(refused.retryAfter).toBeLessThanOrEqual(OPEN_SECONDS);
      const open = await metrics(service);
      expect(metricValue(open, 'orapool_database_breaker_state')).toBe(1);
      expect(metricValue(open, 'orapool_database_breaker_transitions_total{to="open"}')).toBeGreaterThanOrEqual(1);
      expect((await fetch(`${service.url}/livez`)).status).toBe(200);
      expect((await fetch(`${service.url}/readyz`)).status).toBe(503);
      expect(service.logs().filter((e) => e.event === 'breaker_opened')).toMatchObject([{ by: 'requests', failures: 2 }]);

      db.sim!.faults.unfreeze();
      await stage(
        service,
        'served again after the thaw',
        4 * OPEN_SECONDS * 1000,
        waitFor('served again after the thaw', async () => (await health(service)).status === 200 || undefined, 3 * OPEN_SECONDS * 1000),
      );
      const closed = await metrics(service);
      expect(metricValue(closed, 'orapool_database_breaker_state')).toBe(0);
      expect(metricValue(closed, 'orapool_database_breaker_transitions_total{to="closed"}')).toBeGreaterThanOrEqual(1);
      expect(service.logs().some((e) => e.event === 'breaker_closed')).toBe(true);
    },
    // Start, the freeze, the open duration and the trial, on a machine running other suites.
    2 * TEST_TIMEOUT_MS,
  );

  it(
    'a failed background probe opens it on an idle service, and the probe closes it after the thaw, long before a trial may pass',
    async () => {
      const db = (stack.db = await startDatabase());
      const service = (stack.service = await startService({
        ...dbEnv(db),
        DB_POOL_MIN: '1',
        DB_POOL_MAX: '2',
        ...FREEZE_ENV,
        DB_PROBE_INTERVAL: '1',
        // No trial within the test: only the probe can close it.
        DB_BREAKER_OPEN_SECONDS: FAR_BEYOND_THE_TEST,
        SHUTDOWN_DELAY_SECONDS: '0',
      }));
      await waitUntilReady(service);

      db.sim!.faults.freeze();
      await service.waitForLog((e) => e.event === 'breaker_opened' && e.by === 'probe', 20_000);
      // The pool still holds an idle session: without the breaker this request would take it and
      // end in DATABASE_TIMEOUT; the breaker answers before borrowing.
      const refused = await stage(service, 'a request while the breaker is open', 5_000, health(service));
      expect(refused).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });

      db.sim!.faults.unfreeze();
      await service.waitForLog((e) => e.event === 'breaker_closed' && e.by === 'probe', 30_000);
      expect((await health(service)).status).toBe(200);
      expect(metricValue(await metrics(service), 'orapool_database_breaker_state')).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a database that refuses every connection (sessions gone, listener refusing): opens, stops costing the database a connect per request, closes once it accepts again',
    async () => {
      const db = (stack.db = await startDatabase());
      const sim = db.sim!;
      const service = (stack.service = await startService({
        ...dbEnv(db),
        DB_POOL_MIN: '1',
        DB_POOL_MAX: '2',
        DB_POOL_PING_INTERVAL: '-1',
        DB_CALL_TIMEOUT: '1',
        DB_PROBE_INTERVAL: '1',
        DB_BREAKER_FAILURES: '2',
        // No trial within the test: the probe closes it.
        DB_BREAKER_OPEN_SECONDS: FAR_BEYOND_THE_TEST,
        SHUTDOWN_DELAY_SECONDS: '0',
      }));
      await waitUntilReady(service);
      sim.faults.refuseConnections(true);
      sim.faults.killSessions();
      await waitFor('the breaker open', async () => {
        await health(service);
        return metricValue(await metrics(service), 'orapool_database_breaker_state') === 1 || undefined;
      });

      // Without the breaker each of these would need a new session and be refused by the listener
      // (the pool holds none); with it, they never reach the database (the probe still tries once a second).
      const refusedBefore = sim.stats().connectionsRefused;
      // All at once: the window stays short, so the probe's one attempt a second (and the pool's own
      // attempts to keep DB_POOL_MIN) stay few beside the 40 requests even on a busy machine.
      const answers = await Promise.all(Array.from({ length: 40 }, () => health(service)));
      expect(answers.every((a) => a.status === 503 && a.code === 'DATABASE_UNAVAILABLE' && a.retryAfter >= 1)).toBe(true);
      expect(sim.stats().connectionsRefused - refusedBefore).toBeLessThan(answers.length / 2);

      sim.faults.refuseConnections(false);
      await service.waitForLog((e) => e.event === 'breaker_closed' && e.by === 'probe', 30_000);
      await waitFor('served again', async () => (await health(service)).status === 200 || undefined);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'never opens on queue timeouts caused by slow but healthy statements',
    async () => {
      const db = (stack.db = await startDatabase());
      const service = (stack.service = await startService({
        ...dbEnv(db),
        DB_POOL_MIN: '1',
        DB_POOL_MAX: '1',
        DB_POOL_TIMEOUT: '0.1',
        DB_CALL_TIMEOUT: '5',
        ADMISSION_CONTROL: 'false',
        DB_BREAKER_FAILURES: '1',
        SHUTDOWN_DELAY_SECONDS: '0',
      }));
      await waitUntilReady(service);
      db.sim!.faults.setStatementLatency(500);
      const answers = await Promise.all(Array.from({ length: 8 }, () => health(service)));
      expect(answers.filter((a) => a.code === 'POOL_QUEUE_TIMEOUT').length).toBeGreaterThanOrEqual(5);
      expect(answers.some((a) => a.status === 200)).toBe(true);
      const after = await metrics(service);
      expect(metricValue(after, 'orapool_database_breaker_state')).toBe(0);
      expect(metricValue(after, 'orapool_database_breaker_transitions_total{to="open"}')).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );
});
