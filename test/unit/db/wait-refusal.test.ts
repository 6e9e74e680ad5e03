import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DbError, DbErrorCode } from '../../../src/db/db-error.js';
import { WaitRefusal } from '../../../src/db/wait-refusal.js';

/** A borrow the test settles by hand, and a connection that records its close(). */
function borrow() {
  let resolve!: (conn: { closed: boolean; close(): Promise<void> }) => void;
  const promise = new Promise<{ closed: boolean; close(): Promise<void> }>((r) => {
    resolve = r;
  });
  const conn = {
    closed: false,
    async close() {
      conn.closed = true;
    },
  };
  return { promise, give: () => resolve(conn), conn };
}

const poolClosed = (error: unknown) => error instanceof DbError && error.code === DbErrorCode.POOL_CLOSED;

describe('WaitRefusal', () => {
  it('passes a borrow through when nothing is refused', async () => {
    const sut = new WaitRefusal();
    const b = borrow();
    const waited = sut.wait(b.promise);
    b.give();
    expect(await waited).toBe(b.conn);
    expect(b.conn.closed).toBe(false);
    expect(sut.refusing).toBe(false);
  });

  it('answers every waiting borrow with POOL_CLOSED, and gives back the connections the driver hands out later', async () => {
    const sut = new WaitRefusal();
    const first = borrow();
    const second = borrow();
    const waits = [sut.wait(first.promise), sut.wait(second.promise)].map((p) => p.then(() => 'served', (e: unknown) => poolClosed(e)));
    sut.refuse();
    expect(await Promise.all(waits)).toEqual([true, true]);
    first.give();
    second.give();
    await new Promise((r) => setImmediate(r));
    expect([first.conn.closed, second.conn.closed]).toEqual([true, true]);
  });

  it('refuses a borrow that starts waiting after the refusal, and returns its connection', async () => {
    const sut = new WaitRefusal();
    sut.refuse();
    expect(sut.refusing).toBe(true);
    const late = borrow();
    await expect(sut.wait(late.promise)).rejects.toSatisfy(poolClosed);
    late.give();
    await new Promise((r) => setImmediate(r));
    expect(late.conn.closed).toBe(true);
  });

  it('keeps a connection already handed out before the refusal', async () => {
    const sut = new WaitRefusal();
    const b = borrow();
    const waited = sut.wait(b.promise);
    b.give();
    const conn = await waited;
    sut.refuse();
    await new Promise((r) => setImmediate(r));
    expect(conn.closed).toBe(false);
  });

  it('passes the driver\'s own failure through untouched', async () => {
    const sut = new WaitRefusal();
    const failure = new Error('NJS-040 stand-in');
    await expect(sut.wait(Promise.reject(failure))).rejects.toBe(failure);
  });

  it('holds nothing of a borrow once it is served: no connection kept until a refusal that never comes', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const sut = new WaitRefusal();
    const served = await (async () => {
      const b = borrow();
      const waited = sut.wait(b.promise);
      b.give();
      return new WeakRef(await waited);
    })();
    expect(sut.waiting).toBe(0);
    // A WeakRef's target lives at least until the current job ends.
    await new Promise((r) => setImmediate(r));
    gc();
    expect(served.deref()).toBeUndefined();
  });
});
