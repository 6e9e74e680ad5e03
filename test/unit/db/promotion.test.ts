import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Breaker } from '../../../src/db/breaker.js';
import { BorrowQueue } from '../../../src/db/borrow-queue.js';
import { DeadlineWatch } from '../../../src/db/deadline-watch.js';
import { memoryLogger } from '../support/memory-logger.js';

// What the request path's queues and watch lists keep of an entry once it is
// removed (linked-list.ts): nothing, so a scavenge frees it. Entries deleted
// from a long-lived Set or Map were promoted to the old generation instead,
// with all they reach; the Set below is the control that shows this test can
// see that happen.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

const oldSpaceUsed = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_used_size;
const ENTRIES = 1000;
/** Entries in at once, removed oldest first, as requests come and go. */
const IN_FLIGHT = 50;
const MiB = 1024 * 1024;
/** About 4 KiB each: 4 MiB in all if they are promoted. */
const payload = (i: number) => ({ held: new Array<number>(512).fill(i) });

/**
 * Old-space growth after ENTRIES went through a container, up to IN_FLIGHT
 * at a time, were all removed, everything they started has settled, and two
 * scavenges ran (enough to promote a survivor).
 */
async function promotedBy<H>(add: (i: number) => H, remove: (handle: H) => void): Promise<number> {
  gc();
  gc();
  const before = oldSpaceUsed();
  const inFlight: H[] = [];
  for (let i = 0; i < ENTRIES; i++) {
    inFlight.push(add(i));
    if (inFlight.length > IN_FLIGHT) remove(inFlight.shift()!);
  }
  for (const handle of inFlight.splice(0)) remove(handle);
  await new Promise((resolve) => setImmediate(resolve));
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  return oldSpaceUsed() - before;
}

describe('what a removed entry leaves for the garbage collector', () => {
  it('the control: a long-lived Set keeps deleted entries through scavenges, so they are promoted', async () => {
    const set = new Set<object>();
    const growth = await promotedBy(
      (i) => {
        const entry = payload(i);
        set.add(entry);
        return entry;
      },
      (entry) => set.delete(entry),
    );
    // If this fails, V8 no longer does it and linked-list.ts's reason is gone (the tests below would prove nothing).
    expect(growth).toBeGreaterThan(2 * MiB);
  });

  it('a cleared deadline (slow hold, call guard, queue timeout) is not promoted', async () => {
    const watch = new DeadlineWatch<object>(() => {});
    expect(await promotedBy((i) => watch.watch(payload(i), 60_000), (deadline) => watch.clear(deadline))).toBeLessThan(0.5 * MiB);
    expect(watch.size).toBe(0);
  });

  it('a borrow that waited in the queue and was served is not promoted', async () => {
    // One slot, taken: every borrow queues, and each release serves the oldest with a connection of its own.
    let next = 0;
    const queue = new BorrowQueue<object>(() => Promise.resolve(payload(next++)), () => ({ max: 1, queueMax: IN_FLIGHT + 1, queueTimeoutSeconds: 30 }));
    await queue.borrow();
    expect(await promotedBy(() => void queue.borrow(), () => queue.released())).toBeLessThan(0.5 * MiB);
    expect(queue.waiting).toBe(0);
  });

  it('a borrow that unsubscribed from the breaker opening is not promoted', async () => {
    const breaker = new Breaker({ failureThreshold: 5, openSeconds: 5, logger: memoryLogger().logger });
    expect(
      await promotedBy(
        (i) => {
          const entry = payload(i);
          return breaker.onNextOpen(() => entry);
        },
        (unsubscribe) => unsubscribe(),
      ),
    ).toBeLessThan(0.5 * MiB);
  });
});
