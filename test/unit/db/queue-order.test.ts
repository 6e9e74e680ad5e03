import type oracledb from 'oracledb';
import { describe, expect, it } from 'vitest';
import { arrivalNow, arrivalStep, driverQueue, waitForHandoff } from '../../../src/db/queue-order.js';

/**
 * Stand-ins for the two driver internals queue-order.ts reads (oracledb is
 * pinned; pool-fairness and pool-lifecycle drive the real pool). Not a pool
 * double: only the shape driverQueue() depends on, to show what it does when
 * that shape is there, partly there, or gone.
 */
function poolShape(fields: { poolMax: number; queued?: number; out?: number; inUse?: number }): oracledb.Pool {
  return {
    poolMax: fields.poolMax,
    connectionsInUse: fields.inUse ?? fields.out ?? 0,
    ...(fields.queued === undefined ? {} : { _pendingRequestQueue: { size: fields.queued } }),
    ...(fields.out === undefined ? {} : { _connectionsOut: fields.out }),
  } as unknown as oracledb.Pool;
}

describe('arrivalStep', () => {
  it.each([
    ['nobody queued, a slot free', { queued: 0, freeSlots: 3 }, 'go'],
    ['nobody queued, no slot: the driver queues it', { queued: 0, freeSlots: 0 }, 'go'],
    ['others queued, no slot: the driver queues it last', { queued: 5, freeSlots: 0 }, 'go'],
    ['others queued and a slot just came back: it is theirs', { queued: 5, freeSlots: 1 }, 'after-handoff'],
    ['queue full, no slot', { queued: 10, freeSlots: 0 }, 'full'],
    ['queue full, but the handoff makes room', { queued: 10, freeSlots: 1 }, 'after-handoff'],
    ['queue over full after every handoff', { queued: 12, freeSlots: 2 }, 'full'],
    ['more free slots than queued: one is left over for it', { queued: 2, freeSlots: 5 }, 'go'],
    ['as many free slots as queued: all theirs', { queued: 2, freeSlots: 2 }, 'after-handoff'],
  ] as const)('%s -> %s', (_label, queue, step) => {
    expect(arrivalStep(queue, 10)).toBe(step);
  });

  it('counts earlier arrivals still waiting for a handoff as queued: in a burst only those with room wait', () => {
    // Queue full, one slot back: room for exactly one newcomer after the handoff.
    expect(arrivalStep({ queued: 10, freeSlots: 1 }, 10, 0)).toBe('after-handoff');
    expect(arrivalStep({ queued: 10, freeSlots: 1 }, 10, 1)).toBe('full');
    // Nobody in the driver's queue yet, but one of ours is about to join it and the slot is its.
    expect(arrivalStep({ queued: 0, freeSlots: 1 }, 10, 1)).toBe('after-handoff');
  });
});

describe('driverQueue', () => {
  it('reads the queue length and the slots below poolMax not yet taken', () => {
    expect(driverQueue(poolShape({ poolMax: 4, queued: 2, out: 1 }))).toEqual({ queued: 2, freeSlots: 3 });
  });

  it('never reports negative free slots (more out than poolMax, e.g. after poolMax was lowered)', () => {
    expect(driverQueue(poolShape({ poolMax: 2, queued: 0, out: 3 }))).toEqual({ queued: 0, freeSlots: 0 });
  });

  it('is undefined when either internal is missing, so the caller falls back to the driver\'s own order', () => {
    expect(driverQueue(poolShape({ poolMax: 4, out: 1 }))).toBeUndefined();
    expect(driverQueue(poolShape({ poolMax: 4, queued: 2 }))).toBeUndefined();
    expect(driverQueue(poolShape({ poolMax: 4 }))).toBeUndefined();
  });
});

describe('arrivalNow', () => {
  it('reads the driver\'s queue when its internals are there', () => {
    // A slot just came back while two are queued: it is theirs (our own count of pending is not used).
    expect(arrivalNow(poolShape({ poolMax: 4, queued: 2, out: 3 }), 10, 0, 0)).toBe('after-handoff');
    expect(arrivalNow(poolShape({ poolMax: 4, queued: 10, out: 4 }), 10, 0, 0)).toBe('full');
  });

  it('without them, applies the driver\'s own rule to our count: every connection in use and queueMax waiting', () => {
    expect(arrivalNow(poolShape({ poolMax: 4, inUse: 4 }), 10, 0, 10)).toBe('full');
    expect(arrivalNow(poolShape({ poolMax: 4, inUse: 4 }), 10, 0, 9)).toBe('go');
    expect(arrivalNow(poolShape({ poolMax: 4, inUse: 3 }), 10, 0, 10)).toBe('go');
    expect(arrivalNow(poolShape({ poolMax: 4, inUse: 5 }), 10, 0, 11)).toBe('full');
  });
});

describe('waitForHandoff', () => {
  it('returns after a bounded number of event-loop turns when the driver never hands the slot over', async () => {
    // Queued requests and a free slot forever: a changed driver that never wakes its queue.
    await expect(waitForHandoff(poolShape({ poolMax: 2, queued: 3, out: 1 }))).resolves.toBeUndefined();
  });

  it('waits turn by turn until the driver has handed the free slot to its queue', async () => {
    const pool = { poolMax: 2, _pendingRequestQueue: { size: 1 }, _connectionsOut: 1 };
    // The driver wakes its queue one event-loop turn later than the first look.
    setImmediate(() =>
      setImmediate(() => {
        pool._pendingRequestQueue.size = 0;
        pool._connectionsOut = 2;
      }),
    );
    await waitForHandoff(pool as unknown as oracledb.Pool);
    expect(pool._pendingRequestQueue.size).toBe(0);
  });

  it.each([
    ['the queue emptied (its request gave up), a slot still free', { size: 0, out: 1 }],
    ['no slot left, requests still queued', { size: 2, out: 2 }],
  ])('stops waiting at once when %s: there is no handoff left to wait for', async (_label, after) => {
    const pool = { poolMax: 2, _pendingRequestQueue: { size: 3 }, _connectionsOut: 1 };
    let turns = 0;
    const count = () => {
      turns += 1;
      if (turns < 10) setImmediate(count);
    };
    setImmediate(count);
    setImmediate(() => {
      pool._pendingRequestQueue.size = after.size;
      pool._connectionsOut = after.out;
    });
    await waitForHandoff(pool as unknown as oracledb.Pool);
    expect(turns).toBeLessThan(3);
  });

  it('returns as soon as the queue is empty or no slot is left', async () => {
    const pool = { poolMax: 2, _pendingRequestQueue: { size: 1 }, _connectionsOut: 1 };
    let turns = 0;
    const count = () => {
      turns += 1;
      if (turns < 10) setImmediate(count);
    };
    setImmediate(count);
    // The driver's handoff, one turn later: the queued request takes the slot.
    setImmediate(() => {
      pool._pendingRequestQueue.size = 0;
      pool._connectionsOut = 2;
    });
    await waitForHandoff(pool as unknown as oracledb.Pool);
    expect(turns).toBeLessThan(3);
  });
});
