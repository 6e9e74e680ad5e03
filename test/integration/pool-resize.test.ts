/**
 * OraclePool.reconfigure() over the real oracledb thin driver and an
 * in-process simulator: what a live DB_POOL_MAX change does to sessions the
 * database sees while connections are borrowed. In-process (like
 * pool-lifecycle), so borrows are held and released exactly when the test
 * says, and the mutation run sees it; live-reload.test.ts shows the same
 * through CONFIG_DIR and HTTP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load.js';
import { OraclePool } from '../../src/db/pool.js';
import { memoryLogger, type MemoryLogger } from '../unit/support/memory-logger.js';
import { dbEnv, needsSimulatorReason, realOracle, startDatabase, waitFor, type DatabaseTarget } from '../support/database-target.js';
import { silentObserver } from '../support/silent-observer.js';

/** A borrow that holds its connection (running SELECT 1 on it first) until released. */
function hold(pool: OraclePool): { got: Promise<void>; done: Promise<number>; release: () => void } {
  let release!: () => void;
  let gotIt!: () => void;
  const got = new Promise<void>((resolve) => (gotIt = resolve));
  const mayReturn = new Promise<void>((resolve) => (release = resolve));
  const done = pool.withConnection(async (conn) => {
    const { rows } = await conn.execute('SELECT 1 FROM DUAL');
    gotIt();
    await mayReturn;
    return rows[0]![0] as number;
  });
  return { got, done, release };
}

describe.skipIf(realOracle)(`live pool resize over the driver (${realOracle ? needsSimulatorReason : 'simulator'})`, () => {
  let db: DatabaseTarget | undefined;
  let pool: OraclePool | undefined;
  let log: MemoryLogger;
  afterEach(async () => {
    await pool?.close(0);
    pool = undefined;
    await db?.close();
    db = undefined;
  });

  async function start(env: Record<string, string>): Promise<{ sut: OraclePool; config: (more: Record<string, string>) => Config; sessions: () => number }> {
    db = await startDatabase();
    const base = { ...dbEnv(db), DB_POOL_MIN: '0', DB_POOL_IDLE_TIMEOUT: '0', LOG_FORMAT: 'json', ...env };
    const config = (more: Record<string, string>) => loadConfig({ ...base, ...more }, () => '');
    log = memoryLogger('debug');
    pool = new OraclePool({ config: config({}), logger: log.logger, observer: silentObserver });
    pool.start();
    await pool.whenCreated();
    const sim = db.sim!;
    return { sut: pool, config, sessions: () => sim.stats().sessionsOpen };
  }

  it('lowering DB_POOL_MAX closes idle sessions at once and busy ones as they return; borrowers finish; sessions fall to the new max', async () => {
    const { sut, config, sessions } = await start({ DB_POOL_MAX: '6' });
    const held = Array.from({ length: 6 }, () => hold(sut));
    await Promise.all(held.map((h) => h.got));
    expect(sessions()).toBe(6);
    // Two come back and stay open, idle.
    held[0]!.release();
    held[1]!.release();
    await Promise.all([held[0]!.done, held[1]!.done]);
    expect(sut.figures()).toMatchObject({ open: 6, inUse: 4, idle: 2 });

    await sut.reconfigure(config({ DB_POOL_MAX: '3' }));
    // The idle ones go at once; the four borrowed stay with their borrowers.
    await waitFor('the idle sessions to log off', () => sessions() === 4);
    expect(sut.figures()).toMatchObject({ open: 4, inUse: 4, max: 3 });
    // Past the new max, a new borrower waits.
    const late = hold(sut);
    await waitFor('the late borrower to queue', () => sut.figures().waiting === 1);

    held[2]!.release();
    await waitFor('the first returned session above the max to be dropped', () => sessions() === 3);
    expect(sut.figures().waiting).toBe(1);
    held[3]!.release();
    await late.got;
    held[4]!.release();
    held[5]!.release();
    late.release();
    // Every borrower finished its work.
    expect(await Promise.all([...held.slice(2), late].map((h) => h.done))).toEqual([1, 1, 1, 1, 1]);
    expect(sessions()).toBeLessThanOrEqual(3);
    expect(sut.figures()).toMatchObject({ inUse: 0, max: 3 });

    await log.flush();
    const [resized] = log.events('pool_resized');
    expect(resized!.message).toMatch(/^Database pool resized: min=0 max=3 increment=1 /);
    expect(resized!.message).toContain(`database=${db!.connectString}`);
  });

  it('raising DB_POOL_MAX lets more borrowers run at once, the queued ones first', async () => {
    const { sut, config, sessions } = await start({ DB_POOL_MAX: '2' });
    const held = Array.from({ length: 5 }, () => hold(sut));
    await Promise.all(held.slice(0, 2).map((h) => h.got));
    await waitFor('three borrowers to queue', () => sut.figures().waiting === 3);

    await sut.reconfigure(config({ DB_POOL_MAX: '5' }));
    await Promise.all(held.map((h) => h.got));
    expect(sessions()).toBe(5);
    expect(sut.figures()).toMatchObject({ inUse: 5, waiting: 0, max: 5 });
    for (const h of held) h.release();
    expect(await Promise.all(held.map((h) => h.done))).toEqual([1, 1, 1, 1, 1]);
  });

  it('keeps its figures readable while the driver is RECONFIGURING (its getStatistics() refuses then)', async () => {
    const { sut, config } = await start({ DB_POOL_MAX: '4' });
    const h = hold(sut);
    await h.got;
    const resizing = sut.reconfigure(config({ DB_POOL_MAX: '3' }));
    // The driver is RECONFIGURING until its first await settles: read now.
    expect(sut.figures()).toMatchObject({ open: 1, inUse: 1 });
    await resizing;
    h.release();
    await h.done;
  });

  it('applies the settings of a reload that came before the pool existed, once it is created', async () => {
    db = await startDatabase();
    db.sim!.faults.refuseConnections(true);
    const base = { ...dbEnv(db), DB_POOL_MIN: '0', DB_POOL_MAX: '2', DB_RETRY_MAX_DELAY: '0.1' };
    log = memoryLogger('debug');
    pool = new OraclePool({ config: loadConfig(base, () => ''), logger: log.logger, observer: silentObserver });
    pool.start();
    await pool.reconfigure(loadConfig({ ...base, DB_POOL_MAX: '4' }, () => ''));
    db.sim!.faults.refuseConnections(false);
    await pool.whenCreated();
    const held = Array.from({ length: 4 }, () => hold(pool!));
    await Promise.all(held.map((h) => h.got));
    expect(db.sim!.stats().sessionsOpen).toBe(4);
    for (const h of held) h.release();
    await Promise.all(held.map((h) => h.done));
  });
});
