/**
 * The WAIT queue is first come, first served: OraclePool over the real
 * oracledb thin pool and real TCP (the simulator, or a real Oracle when
 * ORACLE_TEST_* is set). Needs no fault injection.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { OraclePool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { dbEnv, startDatabase, waitFor, type DatabaseTarget } from '../support/database-target.js';
import { silentObserver } from '../support/silent-observer.js';

async function startPool(db: DatabaseTarget, env: Record<string, string> = {}): Promise<OraclePool> {
  const config = loadConfig({ ...dbEnv(db), DB_POOL_MIN: '1', DB_POOL_MAX: '1', LOG_LEVEL: 'error', LOG_FORMAT: 'json', ...env }, () => {
    throw new Error('no files');
  });
  const logger = createLogger(config, new Writable({ write: (_chunk, _encoding, done) => done() }));
  const pool = new OraclePool({ config, logger, observer: silentObserver });
  pool.start();
  await pool.whenCreated();
  return pool;
}

describe('pool fairness', () => {
  let db: DatabaseTarget | undefined;
  let pool: OraclePool | undefined;
  afterEach(async () => {
    await pool?.close(1);
    await db?.close();
  });

  it('hands a returned connection to the request queued first, not to one arriving as it comes back', async () => {
    db = await startDatabase();
    pool = await startPool(db);
    const order: string[] = [];
    let newcomer: Promise<void> | undefined;
    let releaseHolder!: () => void;
    const holderMayReturn = new Promise<void>((resolve) => (releaseHolder = resolve));

    const holder = pool.withConnection(async () => {
      await holderMayReturn;
      // Arrives in the event-loop turn in which the holder's connection comes
      // back (before the driver's setImmediate wakes its queue): the moment a
      // newcomer used to take the connection ahead of the queued request.
      setImmediate(() => {
        newcomer = pool!.withConnection(async () => {
          order.push('newcomer');
        });
      });
    });
    await waitFor('the holder to have the only connection', () => pool!.figures().inUse === 1);
    const queued = pool.withConnection(async () => {
      order.push('queued first');
    });
    await waitFor('a request to wait in the queue', () => pool!.figures().waiting === 1);

    releaseHolder();
    await holder;
    await queued;
    await waitFor('the newcomer to start', () => newcomer !== undefined);
    await newcomer;
    expect(order).toEqual(['queued first', 'newcomer']);
  });

  it('also when the newcomer arrives in the very turn the borrow ends (before the driver wakes its queue)', async () => {
    db = await startDatabase();
    pool = await startPool(db);
    const order: string[] = [];
    let releaseHolder!: () => void;
    const holderMayReturn = new Promise<void>((resolve) => (releaseHolder = resolve));
    const holder = pool.withConnection(async () => {
      await holderMayReturn;
    });
    await waitFor('the holder to have the only connection', () => pool!.figures().inUse === 1);
    const queued = pool.withConnection(async () => {
      order.push('queued first');
    });
    await waitFor('a request to wait in the queue', () => pool!.figures().waiting === 1);

    releaseHolder();
    // Chained on the borrow's end: runs in a microtask right after the slot is
    // freed, before the setImmediate in which the driver hands it to its queue.
    const newcomer = holder.then(() =>
      pool!.withConnection(async () => {
        order.push('newcomer');
      }),
    );
    await Promise.all([queued, newcomer]);
    expect(order).toEqual(['queued first', 'newcomer']);
  });

  it('after such a newcomer, the full DB_POOL_QUEUE_MAX is available again to later requests', async () => {
    db = await startDatabase();
    pool = await startPool(db, { DB_POOL_QUEUE_MAX: '1' });
    let releaseHolder!: () => void;
    const holderMayReturn = new Promise<void>((resolve) => (releaseHolder = resolve));
    const holder = pool.withConnection(async () => {
      await holderMayReturn;
    });
    await waitFor('the holder to have the only connection', () => pool!.figures().inUse === 1);
    const queued = pool.withConnection(async () => {});
    await waitFor('a request to wait in the queue', () => pool!.figures().waiting === 1);
    releaseHolder();
    // Arrives in the turn the borrow ends: it waits for the handoff, then queues.
    const newcomer = holder.then(() => pool!.withConnection(async () => {}));
    await Promise.all([queued, newcomer]);

    // Later: one holder and one queued request, exactly DB_POOL_QUEUE_MAX: both must be served.
    let releaseSecond!: () => void;
    const secondMayReturn = new Promise<void>((resolve) => (releaseSecond = resolve));
    const second = pool.withConnection(async () => {
      await secondMayReturn;
    });
    await waitFor('the second holder to have the connection', () => pool!.figures().inUse === 1);
    const waiting = pool.withConnection(async () => 'served');
    releaseSecond();
    await second;
    await expect(waiting).resolves.toBe('served');
  });
});
