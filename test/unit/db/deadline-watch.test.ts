import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineWatch } from '../../../src/db/deadline-watch.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A watch on fake time that records what expired when; `then` runs after each record. */
function watch(then: (entry: string, w: DeadlineWatch<string>) => void = () => {}) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  const fired: Array<[string, number]> = [];
  const start = performance.now();
  const w: DeadlineWatch<string> = new DeadlineWatch((entry) => {
    fired.push([entry, performance.now() - start]);
    then(entry, w);
  });
  return { w, fired };
}

describe('DeadlineWatch', () => {
  it('calls back once for an entry at its deadline, not before, and forgets it', () => {
    const { w, fired } = watch();
    w.watch('a', 1000);
    vi.advanceTimersByTime(999);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([['a', 1000]]);
    vi.advanceTimersByTime(10_000);
    expect(fired).toHaveLength(1);
    expect(w.size).toBe(0);
  });

  it('never calls back for an entry cleared in time', () => {
    const { w, fired } = watch();
    const a = w.watch('a', 1000);
    vi.advanceTimersByTime(500);
    w.clear(a);
    vi.advanceTimersByTime(5000);
    expect(fired).toEqual([]);
    expect(w.size).toBe(0);
  });

  it('serves every entry at its own deadline with one timer, whatever order they were watched in', () => {
    const { w, fired } = watch();
    w.watch('late', 3000);
    vi.advanceTimersByTime(100);
    w.watch('middle', 1900); // due at 2000
    w.watch('early', 400); // due at 500: earlier than the armed timer
    w.clear(w.watch('cleared', 1000));
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual([
      ['early', 500],
      ['middle', 2000],
      ['late', 3000],
    ]);
  });

  it('keeps watching the others when one is cleared and the timer finds nothing due', () => {
    const { w, fired } = watch();
    const first = w.watch('first', 1000);
    vi.advanceTimersByTime(200);
    w.watch('second', 1000);
    w.clear(first);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([['second', 1200]]);
  });

  it('watches an entry again after it expired, and one watched from inside a callback; each watch is a deadline of its own', () => {
    const { w, fired } = watch((entry, self) => {
      if (entry === 'a') self.watch('from-callback', 100);
    });
    w.watch('a', 100);
    vi.advanceTimersByTime(100);
    w.watch('a', 50);
    vi.advanceTimersByTime(1000);
    // Each callback for 'a' watched 'from-callback' once more: due at 200 and at 250.
    expect(fired).toEqual([
      ['a', 100],
      ['a', 150],
      ['from-callback', 200],
      ['from-callback', 250],
    ]);
  });

  it('ignores a deadline cleared twice, or cleared after it expired, and never clears another one by it', () => {
    const { w, fired } = watch();
    const a = w.watch('a', 100);
    vi.advanceTimersByTime(100);
    w.clear(a);
    const b = w.watch('b', 100);
    w.clear(a);
    w.clear(undefined);
    expect(w.size).toBe(1);
    w.clear(b);
    w.clear(b);
    expect(w.size).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([['a', 100]]);
  });

  it('leaves no timer armed once nothing is watched', () => {
    const { w } = watch();
    w.clear(w.watch('a', 100));
    vi.advanceTimersByTime(100);
    expect(vi.getTimerCount()).toBe(0);
  });
});
