import type oracledb from 'oracledb';

/**
 * First come, first served for the WAIT queue.
 *
 * When a connection comes back, oracledb frees its slot at once but wakes its
 * queue only on the next setImmediate (lib/pool.js _release). A request that
 * arrives in between (under load, that is most event-loop turns) sees a free
 * slot and takes it ahead of everyone queued. Measured at 150 users on a pool
 * of 40: about one request in six skipped the queue, and the queued ones
 * waited longer for it (p95 242 ms against a Little's-law mean of 188 ms).
 * So a newcomer first lets the driver hand freed slots to its queue, and a
 * newcomer that would find the queue still full is refused before the driver
 * builds its queue-full error.
 */

/** The driver's queue, read from its internals (oracledb is pinned exactly). */
export interface DriverQueue {
  /** Requests in the driver's queue. */
  queued: number;
  /** Slots below poolMax not yet taken (a returned connection, before the handoff). */
  freeSlots: number;
}

interface PoolInternals {
  _pendingRequestQueue?: { size: number };
  _connectionsOut?: number;
}

/** undefined when the internals are not there: the caller falls back to the driver's own order. */
export function driverQueue(pool: oracledb.Pool): DriverQueue | undefined {
  const internals = pool as unknown as PoolInternals;
  const queued = internals._pendingRequestQueue?.size;
  const out = internals._connectionsOut;
  if (typeof queued !== 'number' || typeof out !== 'number') return undefined;
  return { queued, freeSlots: Math.max(0, pool.poolMax - out) };
}

/**
 * What a request arriving now should do:
 * - `go`: ask the driver now (a slot free for it, or none free: the driver queues it last);
 * - `after-handoff`: others are queued and a slot is free: it is theirs, so wait for the handoff first;
 * - `full`: after the handoff the queue would still hold queueMax requests: refuse now.
 * `waitingForHandoff` counts earlier arrivals still waiting for theirs: in a burst, only as many
 * newcomers wait as the queue will have room for, and the rest get the fast refusal.
 */
export function arrivalStep(queue: DriverQueue, queueMax: number, waitingForHandoff = 0): 'go' | 'after-handoff' | 'full' {
  // Requests already waiting for a handoff will join the queue first: count them as queued.
  const ahead = queue.queued + waitingForHandoff;
  if (ahead === 0) return 'go';
  const stillQueued = ahead - Math.min(queue.queued, queue.freeSlots);
  if (stillQueued >= queueMax) return 'full';
  // More free slots than requests ahead: one is left over for this one either way.
  return queue.freeSlots > 0 && queue.freeSlots <= ahead ? 'after-handoff' : 'go';
}

/**
 * arrivalStep for this pool now. Without the driver's internals, its own
 * rule, counted by us: a request finding poolMax in use and queueMax
 * waiting (`pending`) is refused.
 */
export function arrivalNow(pool: oracledb.Pool, queueMax: number, waitingForHandoff: number, pending: number): 'go' | 'after-handoff' | 'full' {
  const queue = driverQueue(pool);
  if (queue) return arrivalStep(queue, queueMax, waitingForHandoff);
  return pool.connectionsInUse >= pool.poolMax && pending >= queueMax ? 'full' : 'go';
}

/**
 * Let the driver's setImmediate handoff run; bounded, so a changed driver
 * costs a few turns, never a hang. Under load most newcomers wait here, so
 * they share one setImmediate per turn (nextTurn) and each pays one promise
 * handler, not a timer, a promise and an async frame of its own.
 */
export function waitForHandoff(pool: oracledb.Pool, turns = 3): Promise<void> {
  return nextTurn().then(() => {
    const queue = driverQueue(pool);
    if (!queue || queue.queued === 0 || queue.freeSlots === 0 || turns <= 1) return undefined;
    return waitForHandoff(pool, turns - 1);
  });
}

let turn: Promise<void> | undefined;

/** The next event-loop turn (its check phase), one setImmediate for everyone waiting for it. */
function nextTurn(): Promise<void> {
  turn ??= new Promise((resolve) =>
    setImmediate(() => {
      turn = undefined;
      resolve();
    }),
  );
  return turn;
}
