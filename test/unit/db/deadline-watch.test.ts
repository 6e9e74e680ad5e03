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
    w.watch('a', 1000);
    vi.advanceTimersByTime(500);
    w.clear('a');
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
    w.watch('cleared', 1000);
    w.clear('cleared');
    vi.advanceTimersByTime(10_000);
    expect(fired).toEqual([
      ['early', 500],
      ['middle', 2000],
      ['late', 3000],
    ]);
  });

  it('keeps watching the others when one is cleared and the timer finds nothing due', () => {
    const { w, fired } = watch();
    w.watch('first', 1000);
    vi.advanceTimersByTime(200);
    w.watch('second', 1000);
    w.clear('first');
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([['second', 1200]]);
  });

  it('watches an entry again after it expired, one watched from inside a callback, and moves the deadline of one watched twice', () => {
    const { w, fired } = watch((entry, self) => {
      if (entry === 'a') self.watch('from-callback', 100);
    });
    w.watch('a', 100);
    vi.advanceTimersByTime(100);
    w.watch('a', 50);
    vi.advanceTimersByTime(1000);
    // The second callback watched 'from-callback' again (due at 250) before its first deadline (200).
    expect(fired).toEqual([
      ['a', 100],
      ['a', 150],
      ['from-callback', 250],
    ]);
  });

  it('leaves no timer armed once nothing is watched', () => {
    const { w } = watch();
    w.watch('a', 100);
    w.clear('a');
    vi.advanceTimersByTime(100);
    expect(vi.getTimerCount()).toBe(0);
  });
});
