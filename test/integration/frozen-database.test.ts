import oracledb from 'oracledb';
import { afterEach, describe, expect, it } from 'vitest';
import { startService, type ServiceProcess } from '../support/processes.js';
import { dbEnv, getJson, needsSimulatorReason, realOracle, startDatabase, waitFor, type DatabaseTarget, waitUntilReady } from '../support/database-target.js';
import { CALL_GUARD_GRACE_MS } from '../../src/db/with-connection.js';

/**
 * A database that accepts TCP but never answers (the simulator's freeze: a
 * hung instance, a network black hole). Every bound below comes from the
 * service's configuration; the allowances on top are for a busy 2-core CI
 * machine (process scheduling, the HTTP round-trip), and stay well below the
 * next larger thing that could answer instead (so a broken bound shows).
 */

/** Scheduling and HTTP overhead on a loaded 2-core machine. */
const BUSY_MACHINE_ALLOWANCE_MS = 750;

/** Resolves 'pending' if `promise` has not settled after `ms`. */
const stillPendingAfter = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(() => r('pending'), ms))]);

describe.skipIf(realOracle)(`a frozen database (${realOracle ? needsSimulatorReason : 'simulator'})`, () => {
  let db: DatabaseTarget | undefined;
  let service: ServiceProcess | undefined;
  let direct: oracledb.Connection | undefined;
  afterEach(async () => {
    db?.sim?.faults.unfreeze();
    await direct?.close({ drop: true } as never).catch(() => {});
    await service?.stop('SIGKILL');
    await db?.close();
    direct = undefined;
    service = undefined;
    db = undefined;
  });

  it('never acknowledges the driver\'s break: a call with callTimeout stays pending past the timeout (why the service needs its own guard)', async () => {
    db = await startDatabase();
    direct = await oracledb.getConnection({ user: db.user, password: db.password, connectString: db.connectString });
    const callTimeoutMs = 300;
    direct.callTimeout = callTimeoutMs;
    db.sim!.faults.freeze();
    const call = direct.execute('SELECT 1 FROM DUAL');
    call.catch(() => {});
    // Three call timeouts: the driver sent its break at 1x and would have
    // reported NJS-123 right after an acknowledgement. This is a wait for an
    // absence, so it has to be a fixed time; 3x keeps it short but unambiguous.
    expect(await stillPendingAfter(call, 3 * callTimeoutMs)).toBe('pending');
    db.sim!.faults.unfreeze();
    // Once the database answers again, the call settles (the break is answered).
    expect(await stillPendingAfter(call, 5000)).toBe('settled');
  });

  it('answers 503 DATABASE_TIMEOUT with Retry-After within DB_CALL_TIMEOUT + the guard grace, and drops the session', async () => {
    db = await startDatabase();
    const callTimeoutSeconds = 1;
    service = await startService({
      ...dbEnv(db),
      DB_POOL_MIN: '2',
      DB_POOL_MAX: '2',
      DB_CALL_TIMEOUT: String(callTimeoutSeconds),
      // The background probe stays out of the way (it would time out on the frozen
      // database too and drop a second session); readiness is fed by the request itself.
      DB_PROBE_INTERVAL: '60',
      SHUTDOWN_DELAY_SECONDS: '0',
    });
    await waitUntilReady(service);
    await waitFor('both sessions open', () => db!.sim!.stats().sessionsOpen === 2 || undefined);

    db.sim!.faults.freeze();
    const frozen = await getJson(`${service.url}/api/health`);
    expect(frozen.status).toBe(503);
    expect(frozen.body.error).toMatchObject({ code: 'DATABASE_TIMEOUT' });
    expect(Number(frozen.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const guardMs = callTimeoutSeconds * 1000 + CALL_GUARD_GRACE_MS;
    // The guard answered (the driver alone never does: see the test above), not something sooner...
    expect(frozen.ms).toBeGreaterThanOrEqual(guardMs - 50);
    // ...and no later than the guard plus the busy-machine allowance.
    expect(frozen.ms).toBeLessThan(guardMs + BUSY_MACHINE_ALLOWANCE_MS);

    // The session that timed out is cut, not returned to the pool: the simulator sees its socket close
    // while still frozen (the pool cannot log a replacement on meanwhile).
    await waitFor('the timed-out session dropped', () => db!.sim!.stats().sessionsOpen === 1 || undefined, 5000);
    const readyz = await getJson(`${service.url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(readyz.body.reasons).toContain('last database round-trip failed (NJS-123)');

    db.sim!.faults.unfreeze();
    await waitFor('healthy after thaw', async () => (await fetch(`${service!.url}/api/health`)).status === 200, 20_000);
    await waitFor('ready after thaw', async () => (await fetch(`${service!.url}/readyz`)).status === 200, 20_000);
  });
  it('answers 503 within DB_CONNECT_TIMEOUT when a request needs a new session and the database never answers the connect', async () => {
    db = await startDatabase();
    const connectTimeoutSeconds = 1;
    service = await startService({
      ...dbEnv(db),
      // No session kept idle: the next request must open one.
      DB_POOL_MIN: '0',
      DB_POOL_MAX: '2',
      DB_POOL_IDLE_TIMEOUT: '1',
      DB_CONNECT_TIMEOUT: String(connectTimeoutSeconds),
      // Far beyond the bound, so only the connect timeout can answer in time.
      DB_POOL_TIMEOUT: '10',
      DB_PROBE_INTERVAL: '60',
      SHUTDOWN_DELAY_SECONDS: '0',
    });
    await waitUntilReady(service);
    // The startup session is closed after DB_POOL_IDLE_TIMEOUT (an event, not a sleep).
    await waitFor('the idle session closed', () => db!.sim!.stats().sessionsOpen === 0 || undefined, 10_000);

    db.sim!.faults.freeze();
    const answer = await getJson(`${service.url}/api/health`);
    expect(answer.status).toBe(503);
    expect(answer.body.error).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const boundMs = connectTimeoutSeconds * 1000;
    expect(answer.ms).toBeGreaterThanOrEqual(boundMs - 50);
    expect(answer.ms).toBeLessThan(boundMs + BUSY_MACHINE_ALLOWANCE_MS);
  });

  it('answers 503 within DB_POOL_PING_TIMEOUT + DB_CONNECT_TIMEOUT when the checkout ping meets a frozen database', async () => {
    db = await startDatabase();
    const pingTimeoutSeconds = 1;
    const connectTimeoutSeconds = 2;
    service = await startService({
      ...dbEnv(db),
      DB_POOL_MIN: '1',
      DB_POOL_MAX: '2',
      // Ping at every checkout.
      DB_POOL_PING_INTERVAL: '0',
      DB_POOL_PING_TIMEOUT: String(pingTimeoutSeconds),
      DB_CONNECT_TIMEOUT: String(connectTimeoutSeconds),
      DB_POOL_TIMEOUT: '15',
      DB_PROBE_INTERVAL: '60',
      SHUTDOWN_DELAY_SECONDS: '0',
    });
    await waitUntilReady(service);
    db.sim!.faults.freeze();
    const answer = await getJson(`${service.url}/api/health`);
    expect(answer.status).toBe(503);
    expect(answer.body.error).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The driver discards the session whose ping timed out and opens a new one,
    // which the frozen database never answers either: the two timeouts in turn.
    // With the driver's default ping timeout (5 s) this would take 7 s.
    const boundMs = (pingTimeoutSeconds + connectTimeoutSeconds) * 1000;
    expect(answer.ms).toBeGreaterThanOrEqual(boundMs - 50);
    expect(answer.ms).toBeLessThan(boundMs + BUSY_MACHINE_ALLOWANCE_MS);
    // The session that failed its ping was dropped, not handed out.
    await waitFor('the pinged session dropped', () => db!.sim!.stats().sessionsOpen === 0 || undefined, 5000);
  });
});
