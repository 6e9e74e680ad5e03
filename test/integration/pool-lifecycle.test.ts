/**
 * OraclePool in-process over the real oracledb thin driver and an in-process
 * simulator: creation and its retries, a rejected logon, the WAIT queue's
 * limits, call timeouts, slow holds and close(). The process-level suites
 * (lifecycle, resilience, pool-queue) show the same through HTTP; these run in
 * the test process, so the mutation run (vitest.mutation.config.ts) sees them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { AcquireFailureCause } from '../../src/db/db-error.js';
import { OraclePool } from '../../src/db/pool.js';
import type { PoolObserver } from '../../src/db/types.js';
import { memoryLogger, type MemoryLogger } from '../unit/support/memory-logger.js';
import { dbEnv, needsSimulatorReason, realOracle, startDatabase, waitFor, type DatabaseTarget } from '../support/database-target.js';

interface Counted {
  observer: PoolObserver;
  createFailures: () => number;
  acquireFailures: Array<{ cause: AcquireFailureCause; waitSeconds: number }>;
  slowHolds: () => number;
}

function countingObserver(): Counted {
  let createFailures = 0;
  let slowHolds = 0;
  const acquireFailures: Counted['acquireFailures'] = [];
  return {
    observer: {
      connectionRequested: () => {},
      acquired: () => {},
      acquireFailed: (cause, waitSeconds) => acquireFailures.push({ cause, waitSeconds }),
      released: () => {},
      slowHold: () => slowHolds++,
      createFailed: () => createFailures++,
    },
    createFailures: () => createFailures,
    acquireFailures,
    slowHolds: () => slowHolds,
  };
}

interface Started {
  pool: OraclePool;
  log: MemoryLogger;
  counted: Counted;
}

function makePool(db: DatabaseTarget, env: Record<string, string>, random?: () => number): Started {
  const config = loadConfig({ ...dbEnv(db), DB_POOL_MIN: '1', DB_POOL_MAX: '1', LOG_LEVEL: 'debug', LOG_FORMAT: 'json', ...env }, () => {
    throw new Error('no files');
  });
  const log = memoryLogger('debug');
  const counted = countingObserver();
  const pool = new OraclePool({ config, logger: log.logger, observer: counted.observer, ...(random ? { random } : {}) });
  return { pool, log, counted };
}

/** Settle a promise into its error (or undefined when it resolved). */
const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (error: unknown) => error as Record<string, unknown>);

/** A borrow that holds its connection until released. */
function hold(pool: OraclePool): { done: Promise<void>; release: () => void } {
  let release!: () => void;
  const mayReturn = new Promise<void>((resolve) => (release = resolve));
  const done = pool.withConnection(async () => {
    await mayReturn;
  });
  return { done, release };
}

describe.skipIf(realOracle)(`OraclePool over the driver (${realOracle ? needsSimulatorReason : 'simulator'})`, () => {
  let db: DatabaseTarget | undefined;
  let pool: OraclePool | undefined;
  afterEach(async () => {
    await pool?.close(0);
    pool = undefined;
    await db?.close();
    db = undefined;
  });

  it('retries creation with jittered backoff while the listener refuses, then creates the pool once it accepts', async () => {
    db = await startDatabase();
    db.sim!.faults.refuseConnections(true);
    // random() = 0 draws the lowest delay of the jitter range: half of the capped step.
    const s = makePool(db, { DB_RETRY_MAX_DELAY: '0.2' }, () => 0);
    pool = s.pool;
    pool.start();

    await waitFor('two failed attempts', () => s.counted.createFailures() >= 2);
    expect(pool.created).toBe(false);
    // The listener's refusal names its reason: NJS-511 caused by ORA-12528.
    expect(pool.lastCreateError).toMatch(/^(ORA|NJS|TNS)-\d+( caused by (ORA|NJS)-\d+)?$/);
    expect(pool.figures()).toMatchObject({ open: 0, inUse: 0, idle: 0, waiting: 0 });
    await s.log.flush();
    const retries = s.log.events('pool_create_retry');
    expect(retries.slice(0, 2).map((e) => e.attempt)).toEqual([1, 2]);
    // The cap (0.2 s) is below the first step (1 s): every delay is half the cap with random() = 0.
    expect(retries[0]).toMatchObject({ level: 'warn', retryInSeconds: 0.1, database: db.connectString });
    expect(retries[0]!.message).toContain(`(${pool.lastCreateError})`);
    expect(s.log.events('pool_initialized')).toEqual([]);

    db.sim!.faults.refuseConnections(false);
    await pool.whenCreated();
    expect(pool.created).toBe(true);
    expect(pool.lastCreateError).toBeUndefined();
    await s.log.flush();
    const initialized = s.log.events('pool_initialized');
    expect(initialized).toHaveLength(1);
    expect(initialized[0]!.message).toContain(`database=${db.connectString}`);
    await expect(pool.withConnection(async (conn) => (await conn.execute('SELECT 1 FROM DUAL')).rows)).resolves.toEqual([[1]]);
  });

  it('stops retrying after a rejected logon, so failed logons cannot lock the account, and says so in lastCreateError', async () => {
    db = await startDatabase();
    const s = makePool(db, { DB_PASSWORD: 'not-the-password', DB_RETRY_MAX_DELAY: '0.05' }, () => 0);
    pool = s.pool;
    pool.start();

    await waitFor('the failed attempt', () => s.counted.createFailures() >= 1);
    expect(pool.lastCreateError).toBe('ORA-01017, the database rejected DB_USER/DB_PASSWORD; not retrying: fix the credentials and restart');
    const logonsAfterFirst = db.sim!.stats().logons;
    // Ten retry delays' worth: a retrying pool would have tried again by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(s.counted.createFailures()).toBe(1);
    expect(db.sim!.stats().logons).toBe(logonsAfterFirst);
    expect(pool.created).toBe(false);
    await s.log.flush();
    expect(s.log.events('pool_create_retry')).toEqual([]);
    expect(s.log.events('pool_create_stopped')).toMatchObject([{ level: 'error', attempt: 1, database: db.connectString }]);
  });

  it('reports live figures: connections open, in use, idle and requests waiting', async () => {
    db = await startDatabase();
    const s = makePool(db, { DB_POOL_MIN: '1', DB_POOL_MAX: '2' });
    pool = s.pool;
    pool.start();
    await pool.whenCreated();

    const first = hold(pool);
    const second = hold(pool);
    await waitFor('both connections borrowed', () => pool!.figures().inUse === 2);
    const third = hold(pool);
    await waitFor('a request waiting', () => pool!.figures().waiting === 1);
    expect(pool.figures()).toMatchObject({ open: 2, inUse: 2, idle: 0, waiting: 1 });

    first.release();
    second.release();
    await Promise.all([first.done, second.done]);
    await waitFor('the waiting request to get a connection', () => pool!.figures().waiting === 0);
    expect(pool.figures()).toMatchObject({ open: 2, inUse: 1, idle: 1 });
    third.release();
    await third.done;
    expect(pool.figures()).toMatchObject({ open: 2, inUse: 0, idle: 2, waiting: 0 });
  });

  it('reports the configured limits beside the live figures, before the pool exists and after', async () => {
    db = await startDatabase();
    const s = makePool(db, { DB_POOL_MIN: '1', DB_POOL_MAX: '3', DB_POOL_INCREMENT: '2', DB_POOL_QUEUE_MAX: '7', DB_POOL_TIMEOUT: '4.5' });
    pool = s.pool;
    const limits = { min: 1, max: 3, increment: 2, queueMax: 7, queueTimeoutSeconds: 4.5 };
    expect(pool.figures()).toEqual({ open: 0, inUse: 0, idle: 0, waiting: 0, ...limits });
    pool.start();
    await pool.whenCreated();
    expect(pool.figures()).toMatchObject(limits);
  });

  it('refuses at once, as POOL_QUEUE_FULL, a request that finds DB_POOL_QUEUE_MAX requests already waiting, and says so beforehand through refusal()', async () => {
    db = await startDatabase();
    const s = makePool(db, { DB_POOL_QUEUE_MAX: '1', DB_POOL_TIMEOUT: '30' });
    pool = s.pool;
    pool.start();
    await pool.whenCreated();

    const holder = hold(pool);
    await waitFor('the holder to have the only connection', () => pool!.figures().inUse === 1);
    // Every connection busy but room in the queue: a borrow would wait, not be refused.
    expect(pool.refusal()).toBeUndefined();
    const queued = hold(pool);
    await waitFor('one request waiting', () => pool!.figures().waiting === 1);

    const refused = await errorOf(pool.withConnection(async () => {}));
    expect(refused).toMatchObject({ code: 'POOL_QUEUE_FULL', driverCode: 'NJS-076' });
    expect(String(refused!.message)).toContain('queueMax 1');
    expect(s.counted.acquireFailures.map((f) => f.cause)).toEqual(['queue_full']);
    // Refused, not queued: the one waiting request is still the only one.
    expect(pool.figures().waiting).toBe(1);
    // The same answer beforehand (what the HTTP door asks), counted as the borrow it stands for.
    expect(pool.refusal()).toMatchObject({ code: 'POOL_QUEUE_FULL', driverCode: 'NJS-076' });
    expect(s.counted.acquireFailures).toEqual([expect.objectContaining({ cause: 'queue_full' }), { cause: 'queue_full', waitSeconds: 0 }]);

    holder.release();
    queued.release();
    await Promise.all([holder.done, queued.done]);
    await waitFor('the queue to empty', () => pool!.figures().waiting === 0);
    expect(pool.refusal()).toBeUndefined();
    expect(s.counted.acquireFailures).toHaveLength(2);
  });

  it('fails a request that waited DB_POOL_TIMEOUT without a connection as POOL_QUEUE_TIMEOUT', async () => {
    db = await startDatabase();
    const s = makePool(db, { DB_POOL_TIMEOUT: '0.2' });
    pool = s.pool;
    pool.start();
    await pool.whenCreated();

    const holder = hold(pool);
    await waitFor('the holder to have the only connection', () => pool!.figures().inUse === 1);
    const error = await errorOf(pool.withConnection(async () => {}));
    expect(error).toMatchObject({ code: 'POOL_QUEUE_TIMEOUT', driverCode: 'NJS-040' });
    expect(s.counted.acquireFailures).toHaveLength(1);
    expect(s.counted.acquireFailures[0]!.cause).toBe('queue_timeout');
    expect(s.counted.acquireFailures[0]!.waitSeconds).toBeGreaterThanOrEqual(0.19);
    expect(pool.figures().waiting).toBe(0);
    holder.release();
    await holder.done;
  });

  it('bounds a slow statement by DB_CALL_TIMEOUT (DATABASE_TIMEOUT), and the pool serves the next borrow', async () => {
    db = await startDatabase();
    const s = makePool(db, { DB_CALL_TIMEOUT: '0.3' });
    pool = s.pool;
    pool.start();
    await pool.whenCreated();

    db.sim!.faults.setStatementLatency(3000);
    const started = performance.now();
    const error = await errorOf(pool.withConnection((conn) => conn.execute('SELECT 1 FROM DUAL')));
    const seconds = (performance.now() - started) / 1000;
    expect(error).toMatchObject({ code: 'DATABASE_TIMEOUT', driverCode: 'NJS-123' });
    // Well before the statement's 3 s: the call timeout, not the statement, ended it.
    expect(seconds).toBeLessThan(2.5);

    db.sim!.faults.setStatementLatency(0);
    await expect(pool.withConnection(async (conn) => (await conn.execute('SELECT 1 FROM DUAL')).rows)).resolves.toEqual([[1]]);
  });

  it('gives a statement its whole DB_CALL_TIMEOUT before failing it', async () => {
    db = await startDatabase();
    const s = makePool(db, { DB_CALL_TIMEOUT: '1' });
    pool = s.pool;
    pool.start();
    await pool.whenCreated();

    db.sim!.faults.setStatementLatency(5000);
    const started = performance.now();
    const error = await errorOf(pool.withConnection((conn) => conn.execute('SELECT 1 FROM DUAL')));
    const seconds = (performance.now() - started) / 1000;
    expect(error).toMatchObject({ code: 'DATABASE_TIMEOUT' });
    // Timers never fire early: a failure before 1 s would mean another timeout cut it.
    expect(seconds).toBeGreaterThanOrEqual(0.99);
    expect(seconds).toBeLessThan(4);
  });

  it('does not count a database too slow for the creation round-trip (DB_CALL_TIMEOUT) as up: it retries', async () => {
    db = await startDatabase({ statementLatency: 5000 });
    const s = makePool(db, { DB_CALL_TIMEOUT: '0.2', DB_RETRY_MAX_DELAY: '0.1' }, () => 0);
    pool = s.pool;
    pool.start();
    await waitFor('a failed creation attempt', () => s.counted.createFailures() >= 1, 3000);
    expect(pool.created).toBe(false);
    expect(pool.lastCreateError).toBe('NJS-123');
    db.sim!.faults.setStatementLatency(0);
    await pool.whenCreated();
    expect(pool.created).toBe(true);
  });

  it('keeps retrying when the driver refuses to create the pool at all (an unparsable connect string)', async () => {
    db = await startDatabase();
    const s = makePool(db, { DB_CONNECT_STRING: '(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=127.0.0.1)(PORT=1))', DB_RETRY_MAX_DELAY: '0.05' }, () => 0);
    pool = s.pool;
    pool.start();
    await waitFor('two failed attempts', () => s.counted.createFailures() >= 2, 5000);
    expect(pool.lastCreateError).toMatch(/^(NJS|ORA|TNS)-\d+$/);
  });

  it('frees the borrower of a frozen database within DB_CALL_TIMEOUT plus the guard grace, by cutting the socket', async () => {
    db = await startDatabase();
    const s = makePool(db, { DB_CALL_TIMEOUT: '0.3' });
    pool = s.pool;
    pool.start();
    await pool.whenCreated();

    db.sim!.faults.freeze();
    const started = performance.now();
    const error = await errorOf(pool.withConnection((conn) => conn.execute('SELECT 1 FROM DUAL')));
    const seconds = (performance.now() - started) / 1000;
    expect(error).toMatchObject({ code: 'DATABASE_TIMEOUT', driverCode: 'NJS-123' });
    // 0.3 s call timeout + 0.5 s guard grace, and the release must not wait for the frozen server.
    expect(seconds).toBeLessThan(2);
    expect(pool.figures().inUse).toBe(0);
    db.sim!.faults.unfreeze();
  });

  it('with DB_BORROW_SITES=always, the first slow-hold warning already names the borrower', async () => {
    db = await startDatabase();
    const s = makePool(db, { DB_SLOW_HOLD_SECONDS: '0.05', DB_BORROW_SITES: 'always' });
    pool = s.pool;
    pool.start();
    await pool.whenCreated();

    await pool.withConnection(async () => {
      await waitFor('the slow-hold warning', () => s.counted.slowHolds() === 1);
    });
    await s.log.flush();
    const [warning] = s.log.events('slow_hold');
    expect(warning!.message).toBe('Connection held longer than DB_SLOW_HOLD_SECONDS');
    const frames = warning!.borrowSite as string[];
    expect(frames.join('\n')).toContain('pool-lifecycle.test.ts');
    // Stack frames only, trimmed, a handful: not the capture's own message or frame.
    expect(frames.length).toBeLessThanOrEqual(6);
    for (const frame of frames) expect(frame).toMatch(/^at /);
    expect(frames.join('\n')).not.toContain('BorrowSiteCapture');
  });

  it('by default, the first slow-hold warning says the borrow site was not recorded yet', async () => {
    db = await startDatabase();
    const s = makePool(db, { DB_SLOW_HOLD_SECONDS: '0.05' });
    pool = s.pool;
    pool.start();
    await pool.whenCreated();

    await pool.withConnection(async () => {
      await waitFor('the slow-hold warning', () => s.counted.slowHolds() === 1);
    });
    await s.log.flush();
    const [warning] = s.log.events('slow_hold');
    expect(warning!.borrowSite).toEqual(expect.stringContaining('not recorded'));
  });

  it('close() waits for a borrowed connection within the drain time, then closes every session', async () => {
    db = await startDatabase();
    const s = makePool(db, {});
    pool = s.pool;
    pool.start();
    await pool.whenCreated();

    const holder = hold(pool);
    await waitFor('the holder to have the connection', () => pool!.figures().inUse === 1);
    const closed = pool.close(5);
    expect(pool.created).toBe(false);
    await s.log.flush();
    expect(s.log.events('pool_closing')).toMatchObject([{ inUse: 1 }]);
    expect(s.log.events('pool_closed')).toEqual([]);
    holder.release();
    await holder.done;
    await closed;
    await s.log.flush();
    expect(s.log.events('pool_closed')).toHaveLength(1);
    await waitFor('every session to log off', () => db!.sim!.stats().sessionsOpen === 0);
    await expect(errorOf(pool.withConnection(async () => {}))).resolves.toMatchObject({ code: 'POOL_CLOSED' });
  });

  it('close() during the retry wait stops the retries and resolves whenCreated()', async () => {
    db = await startDatabase();
    db.sim!.faults.refuseConnections(true);
    // random() = 1: the full first step, 1 s, so close() lands in the wait.
    const s = makePool(db, { DB_RETRY_MAX_DELAY: '30' }, () => 1);
    pool = s.pool;
    pool.start();
    await waitFor('the first failed attempt', () => s.counted.createFailures() === 1);

    await pool.close(0);
    await pool.whenCreated();
    db.sim!.faults.refuseConnections(false);
    // Past the 1 s retry delay: a loop still running would have created the pool.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(s.counted.createFailures()).toBe(1);
    expect(pool.created).toBe(false);
    expect(db.sim!.stats().sessionsOpen).toBe(0);
  });

  it('close() while the first session is logging on closes that pool instead of keeping it', async () => {
    db = await startDatabase({ logonLatencyMs: 300 });
    const s = makePool(db, {});
    pool = s.pool;
    pool.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pool.close(0);
    await waitFor('the logon to have happened', () => db!.sim!.stats().logons >= 1);
    await waitFor('that session to be closed', () => db!.sim!.stats().sessionsOpen === 0);
    expect(pool.created).toBe(false);
    await s.log.flush();
    expect(s.log.events('pool_initialized')).toEqual([]);
  });
});
