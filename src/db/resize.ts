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
  wakeDriverQueue(pool);
}

interface QueueInternals {
  _pendingRequestQueue?: { size: number };
  _bgRequestWaiter?: (() => void) | null;
}

/**
 * oracledb 26 looks at its queue only when a connection comes back
 * (lib/pool.js _release wakes _bgRequestHandler): after a raised poolMax,
 * requests already queued would keep waiting for the next release, up to
 * DB_POOL_TIMEOUT when every borrower is slow. Wake it now, as a release
 * would (oracledb is pinned exactly; without the internals this does nothing).
 */
function wakeDriverQueue(pool: oracledb.Pool): void {
  const internals = pool as unknown as QueueInternals;
  if ((internals._pendingRequestQueue?.size ?? 0) > 0) internals._bgRequestWaiter?.();
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
