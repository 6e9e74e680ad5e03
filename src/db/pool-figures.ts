import type oracledb from 'oracledb';
import type { Config } from '../config/load.js';
import { countersReadable } from './resize.js';
import type { PoolFigures } from './types.js';

/**
 * What the pool reports to admission control, health and metrics. The
 * driver's own counters (plain properties), not pool.getStatistics(), which
 * builds a 40-field object per call: this runs on every request. Only
 * `waiting` is ours (`pending`): the borrows in orapool's own queue and
 * those the driver has not answered yet (borrow-queue.ts). One object
 * literal, no spread of a second one: this runs twice per request.
 */
export function poolFigures(pool: oracledb.Pool | undefined, p: Config['pool'], pending: number): PoolFigures {
  if (!pool || !countersReadable(pool)) return { open: 0, inUse: 0, idle: 0, waiting: 0, min: p.min, max: p.max, increment: p.increment, queueMax: p.queueMax, queueTimeoutSeconds: p.queueTimeoutSeconds };
  const open = pool.connectionsOpen;
  const inUse = pool.connectionsInUse;
  return { open, inUse, idle: Math.max(0, open - inUse), waiting: pending, min: p.min, max: p.max, increment: p.increment, queueMax: p.queueMax, queueTimeoutSeconds: p.queueTimeoutSeconds };
}
