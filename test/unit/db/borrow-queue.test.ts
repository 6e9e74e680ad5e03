import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BorrowQueue, PROMPT_HANDOFF_MS, type BorrowQueueLimits } from '../../../src/db/borrow-queue.js';
import { DbError } from '../../../src/db/db-error.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A driver stand-in: each ask is answered when the test says (the real driver is in test/integration/pool-queue and pool-fairness). */
function setup(limits: Partial<BorrowQueueLimits> = {}) {
  const asks: Array<{ resolve: (conn: string) => void; reject: (error: unknown) => void }> = [];
  let next = 0;
  const settings: BorrowQueueLimits = { max: 2, queueMax: 3, queueTimeoutSeconds: 30, ...limits };
  const queue = new BorrowQueue<string>(
    () =>
      new Promise<string>((resolve, reject) => {
        next += 1;
        asks.push({ resolve: () => resolve(`conn-${asks.length}`), reject });
      }),
    () => settings,
  );
  const answerAll = async () => {
    for (const ask of asks.splice(0)) ask.resolve('');
    await flush();
  };
  return { queue, asks, settings, asked: () => next, answerAll };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function track<T>(promise: Promise<T>) {
  const state: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { value, settled: true }),
    (error: unknown) => Object.assign(state, { error, settled: true }),
  );
  return state;
}

const codeOf = (error: unknown) => (error instanceof DbError ? `${error.code}/${error.driverCode ?? ''}` : String(error));

describe('BorrowQueue', () => {
  it('asks the driver at once while a slot is free, and queues the rest without asking', async () => {
    const { queue, asked, answerAll } = setup({ max: 2 });
    const borrows = [track(queue.borrow()), track(queue.borrow()), track(queue.borrow())];
    expect(asked()).toBe(2);
    expect(queue.waiting).toBe(3);
    await answerAll();
    expect(borrows.map((b) => b.settled)).toEqual([true, true, false]);
    expect(queue.waiting).toBe(1);
  });

  it('hands a returned slot to the first in line in the same turn, in arrival order', async () => {
    const { queue, asked, answerAll } = setup({ max: 1, queueMax: 10 });
    const first = track(queue.borrow());
    const later = [1, 2, 3].map(() => track(queue.borrow()));
    await answerAll();
    expect(first.settled).toBe(true);
    queue.released();
    // Synchronously: the driver was asked for the head of the queue, nobody else.
    expect(asked()).toBe(2);
    await answerAll();
    expect(later.map((b) => b.settled)).toEqual([true, false, false]);
    queue.released();
    await answerAll();
    expect(later.map((b) => b.settled)).toEqual([true, true, false]);
  });

  it('after a quick hold, hands the freed slots over together at the end of the turn, still in order', async () => {
    const { queue, asked, answerAll } = setup({ max: 2, queueMax: 10 });
    track(queue.borrow());
    track(queue.borrow());
    const waiting = [1, 2, 3].map(() => track(queue.borrow()));
    await answerAll();
    queue.released(PROMPT_HANDOFF_MS - 1);
    queue.released(1);
    // Nobody asked yet: the handoff waits for the end of the turn.
    expect(asked()).toBe(2);
    const newcomer = track(queue.borrow());
    await flush();
    expect(asked()).toBe(4);
    await answerAll();
    expect([...waiting, newcomer].map((b) => b.settled)).toEqual([true, true, false, false]);
  });

  it('queues a newcomer behind those waiting even when a slot was just freed (first come, first served)', async () => {
    const { queue, asked, answerAll } = setup({ max: 1, queueMax: 10 });
    track(queue.borrow());
    const waiting = track(queue.borrow());
    await answerAll();
    queue.released();
    const newcomer = track(queue.borrow());
    await answerAll();
    expect(waiting.settled).toBe(true);
    expect(newcomer.settled).toBe(false);
    expect(asked()).toBe(2);
  });

  it('refuses a borrow that finds DB_POOL_QUEUE_MAX waiting with the driver’s queue-full code, without asking it', async () => {
    const { queue, asked } = setup({ max: 1, queueMax: 2 });
    track(queue.borrow());
    track(queue.borrow());
    track(queue.borrow());
    expect(queue.refusal()).toBeDefined();
    const refused = track(queue.borrow());
    await flush();
    expect(codeOf(refused.error)).toBe('POOL_QUEUE_FULL/NJS-076');
    expect(asked()).toBe(1);
  });

  it('ends a wait after DB_POOL_TIMEOUT with the driver’s queue-timeout code, and serves the next in line instead', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { queue, answerAll } = setup({ max: 1, queueMax: 10, queueTimeoutSeconds: 2 });
    track(queue.borrow());
    const early = track(queue.borrow());
    vi.advanceTimersByTime(1000);
    const late = track(queue.borrow());
    vi.advanceTimersByTime(1000);
    await vi.waitFor(() => expect(early.settled).toBe(true));
    expect(codeOf(early.error)).toBe('POOL_QUEUE_TIMEOUT/NJS-040');
    expect((early.error as Error).message).toContain('2000 ms');
    expect(late.settled).toBe(false);
    expect(queue.waiting).toBe(2); // the one being asked of the driver, and the late one
    await answerAll();
    queue.released();
    await answerAll();
    expect(late.settled).toBe(true);
    expect(late.error).toBeUndefined();
  });

  it('gives the slot to the next in line when the driver fails an ask', async () => {
    const { queue, asks } = setup({ max: 1, queueMax: 10 });
    const first = track(queue.borrow());
    const second = track(queue.borrow());
    asks.shift()!.reject(new Error('ORA-12541: TNS:no listener'));
    await flush();
    expect(String(first.error)).toContain('ORA-12541');
    expect(asks).toHaveLength(1);
    asks.shift()!.resolve('');
    await flush();
    expect(second.settled).toBe(true);
    expect(queue.waiting).toBe(0);
  });

  it('refuses every queued borrow and every later one that would wait with POOL_CLOSED, and still lets one with a free slot go', async () => {
    const { queue, answerAll } = setup({ max: 1, queueMax: 10 });
    const holder = track(queue.borrow());
    const queued = [track(queue.borrow()), track(queue.borrow())];
    await answerAll();
    expect(queue.refuseWaiting()).toBe(2);
    const later = track(queue.borrow());
    await flush();
    expect([...queued, later].map((b) => codeOf(b.error))).toEqual(['POOL_CLOSED/', 'POOL_CLOSED/', 'POOL_CLOSED/']);
    expect(holder.error).toBeUndefined();
    queue.released();
    const withFreeSlot = track(queue.borrow());
    await answerAll();
    expect(withFreeSlot.error).toBeUndefined();
    expect(withFreeSlot.settled).toBe(true);
  });

  it('serves the queue at once when DB_POOL_MAX grows', async () => {
    const { queue, settings, asked } = setup({ max: 1, queueMax: 10 });
    [1, 2, 3].map(() => track(queue.borrow()));
    expect(asked()).toBe(1);
    settings.max = 3;
    queue.dispatch();
    expect(asked()).toBe(3);
  });

  it('answers the queued borrows with the error it is given when the pool closes under them', async () => {
    const { queue } = setup({ max: 1 });
    track(queue.borrow());
    const queued = track(queue.borrow());
    expect(queue.rejectAll(new DbError('POOL_CLOSED', 'pool is closing'))).toBe(1);
    await flush();
    expect(codeOf(queued.error)).toBe('POOL_CLOSED/');
  });

  it('holds nothing of a borrow once it is served, queued or not', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const queue = new BorrowQueue<object>(() => Promise.resolve({ connection: true }), () => ({ max: 1, queueMax: 10, queueTimeoutSeconds: 30 }));
    const served = await (async () => {
      const direct = await queue.borrow();
      const queued = queue.borrow();
      queue.released();
      const conn = await queued;
      queue.released();
      return [new WeakRef(direct), new WeakRef(conn)];
    })();
    expect(queue.waiting).toBe(0);
    // A WeakRef's target lives at least until the current job ends.
    await new Promise((r) => setImmediate(r));
    gc();
    expect(served.map((ref) => ref.deref())).toEqual([undefined, undefined]);
  });
});
