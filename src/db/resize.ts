import oracledb from 'oracledb';
import type { Config } from '../config/load.js';
import { livePoolAttributes, type LivePoolAttributes } from './pool-attributes.js';
import { poolSizeMessage } from './pool-size-message.js';

/**
 * Resizing a running pool (DB_POOL_MAX and the other live pool settings,
 * changed through CONFIG_DIR) with the driver's own pool.reconfigure(), so
 * no session is cut: the thin driver closes idle sessions above the new
 * poolMax at once and drops each borrowed one above it when it comes back
 * (lib/thin/pool.js reconfigure() and release()); borrowers keep theirs until
 * they are done. A raised poolMax lets queued requests through at once.
 */

/** Changes the live attributes of a created pool; throws (changing nothing) when the driver refuses. */
export async function reconfigureDriver(pool: oracledb.Pool, config: Config): Promise<void> {
  const attributes: LivePoolAttributes = livePoolAttributes(config);
  await pool.reconfigure(attributes as oracledb.PoolAttributes);
}

/**
 * Whether the pool's counters may be read now. While reconfigure() runs the
 * pool's status is RECONFIGURING and getStatistics() throws (its
 * _checkPoolOpen); the plain counters (connectionsOpen, connectionsInUse) do
 * not, and metrics and health must keep answering through a resize.
 */
export function countersReadable(pool: oracledb.Pool): boolean {
  return pool.status === oracledb.POOL_STATUS_OPEN || pool.status === POOL_STATUS_RECONFIGURING;
}

/** oracledb exports it (lib/oracledb.js) but @types/oracledb does not declare it. */
const POOL_STATUS_RECONFIGURING = (oracledb as unknown as { POOL_STATUS_RECONFIGURING: number }).POOL_STATUS_RECONFIGURING;

/** Whether the size line (pool-size-message.ts) says something new after this change. */
export function poolSizeChanged(before: Config, after: Config): boolean {
  return poolSizeMessage('', before) !== poolSizeMessage('', after);
}
