import oracledb from 'oracledb';
import type { Config } from '../config/load.js';
import { describeError } from '../logger.js';
import { operatorHint } from './oracle-errors.js';
import { applyConnectionClass, poolAttributes } from './pool-attributes.js';
import { BorrowQueue } from './borrow-queue.js';
import { boundedRoundTrip, ROUND_TRIP_SQL } from './round-trip.js';
import { walletKeyEncrypted } from './wallet-file.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about a failure. */
  hint?: string;
}

/** What an operator should do about a driver error, with the settings it quotes. */
export function hintFor(error: unknown, config: Config): string {
  return operatorHint(error, {
    poolMax: config.pool.max,
    connectTimeoutSeconds: config.db.connectTimeoutSeconds,
    callTimeoutSeconds: config.db.callTimeoutSeconds,
    walletLocation: config.db.walletLocation,
    walletPassword: config.db.walletPassword !== undefined,
    walletKeyEncrypted: walletKeyEncrypted(config.db.walletLocation),
    configDir: config.db.configDir,
  });
}

const firstLine = (error: unknown): string => describeError(error).message;

/**
 * The pre-deployment check (npm run check), against the configured
 * database: the pool initializes, DB_POOL_MAX sessions can be held at once,
 * and a request beyond that queues (WAIT) and is served when a connection is
 * released. Uses a pool of its own with the service's settings.
 */
export async function runPreflight(config: Config): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const { db, pool: p } = config;
  let pool: oracledb.Pool | undefined;
  try {
    try {
      applyConnectionClass(oracledb, config);
      pool = await oracledb.createPool({
        ...poolAttributes(config),
        // Open sessions only as the checks borrow them, and never wait long.
        poolMin: 0,
        queueTimeout: Math.round(Math.min(p.queueTimeoutSeconds, 10) * 1000),
      });
      const conn = await pool.getConnection();
      let seconds: number;
      try {
        seconds = await boundedRoundTrip(conn, Math.round(db.callTimeoutSeconds * 1000));
      } finally {
        await conn.close();
      }
      results.push({
        name: 'pool initializes',
        ok: true,
        detail: `connected and ran ${ROUND_TRIP_SQL} in ${(seconds * 1000).toFixed(1)} ms (thin mode: ${oracledb.thin})`,
      });
    } catch (error) {
      results.push({ name: 'pool initializes', ok: false, detail: firstLine(error), hint: hintFor(error, config) });
      return results;
    }

    // The service's own queue (borrow-queue.ts) over this pool: what it checks is what the service does.
    const queue = new BorrowQueue(() => pool!.getConnection(), () => p);
    const giveBack = (c: oracledb.Connection) => c.close().finally(() => queue.released());
    const held: oracledb.Connection[] = [];
    try {
      for (let i = 0; i < p.max; i++) held.push(await queue.borrow());
      results.push({ name: `hold DB_POOL_MAX (${p.max}) connections at once`, ok: true, detail: `${held.length} sessions open together` });
    } catch (error) {
      results.push({
        name: `hold DB_POOL_MAX (${p.max}) connections at once`,
        ok: false,
        detail: `got ${held.length} of ${p.max}: ${firstLine(error)}`,
        hint: hintFor(error, config),
      });
      await Promise.all(held.map((c) => giveBack(c).catch(() => {})));
      return results;
    }

    // WAIT semantics: with every connection held, one more borrower must
    // queue, then be served as soon as a connection comes back.
    const releaseAfterMs = 300;
    const start = performance.now();
    const waiter = queue.borrow();
    setTimeout(() => void (held.length > 0 && giveBack(held.pop()!)), releaseAfterMs);
    try {
      const conn = await waiter;
      const waited = performance.now() - start;
      await giveBack(conn);
      const queued = waited >= releaseAfterMs * 0.8;
      results.push({
        name: 'requests queue when the pool is full',
        ok: queued,
        detail: `extra request waited ${waited.toFixed(0)} ms and was served when a connection was released`,
        ...(queued ? {} : { hint: 'The request did not wait: the pool is not using WAIT semantics.' }),
      });
    } catch (error) {
      results.push({ name: 'requests queue when the pool is full', ok: false, detail: firstLine(error), hint: hintFor(error, config) });
    } finally {
      await Promise.all(held.map((c) => giveBack(c).catch(() => {})));
    }
    return results;
  } finally {
    await pool?.close(0).catch(() => {});
  }
}
