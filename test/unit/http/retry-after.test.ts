import { describe, expect, it } from 'vitest';
import { retryAfterBounds, retryAfterSpread } from '../../../src/http/retry-after.js';

/** A "random" source that returns the given values in turn. */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('retryAfterSpread', () => {
  it('never says less than the expected wait rounded up, and at least 1 s', () => {
    for (const r of [0, 0.5, 1 - Number.EPSILON]) {
      const spread = retryAfterSpread(0.5, () => r);
      for (let i = 0; i < 4; i++) {
        expect(spread(1.25)).toBeGreaterThanOrEqual(2);
        expect(spread(0.01)).toBeGreaterThanOrEqual(1);
        expect(spread(0)).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('reaches base + max(1, ceil(base x jitter)) and no further', () => {
    const all = (jitter: number, wait: number) => {
      const spread = retryAfterSpread(jitter, Math.random);
      return new Set(Array.from({ length: 40 }, () => spread(wait)));
    };
    expect(all(0.5, 1.25)).toEqual(new Set([2, 3])); // base 2, spread max(1, ceil(1)) = 1
    expect(all(0.5, 4.2)).toEqual(new Set([5, 6, 7, 8])); // base 5, spread ceil(2.5) = 3
    expect(all(0.1, 2)).toEqual(new Set([2, 3])); // spread at least 1 s, or nothing would move
  });

  it('gives every whole second of the range once in each run of (range size) refusals, in an order random() decides', () => {
    const runs = (random: () => number) => {
      const spread = retryAfterSpread(0.5, random);
      return Array.from({ length: 3 }, () => Array.from({ length: 4 }, () => spread(4.2))); // base 5, values 5..8
    };
    for (const random of [Math.random, sequence(0, 0.2, 0.26, 0.5, 0.74, 0.76, 0.99), () => 0, () => 1 - Number.EPSILON]) {
      for (const run of runs(random)) expect([...run].sort()).toEqual([5, 6, 7, 8]);
    }
    expect(runs(() => 0)[0]).not.toEqual(runs(() => 1 - Number.EPSILON)[0]);
  });

  it('stays inside retryAfterBounds for any random value and any wait', () => {
    for (const jitter of [0, 0.1, 0.5, 1, 3]) {
      for (const wait of [0, 0.3, 1, 1.25, 2, 7.9, 30]) {
        const { min, max } = retryAfterBounds(wait, jitter);
        for (const r of [0, 0.1, 0.49, 0.5, 0.9, 1 - Number.EPSILON]) {
          const v = retryAfterSpread(jitter, () => r)(wait);
          expect(v, `jitter ${jitter}, wait ${wait}, random ${r}`).toBeGreaterThanOrEqual(min);
          expect(v).toBeLessThanOrEqual(max);
          expect(Number.isInteger(v)).toBe(true);
        }
      }
    }
  });

  it('is exactly the rounded-up wait when the jitter is 0, whatever random() says', () => {
    const spread = retryAfterSpread(0, () => 0.99);
    expect(spread(1.25)).toBe(2);
    expect(spread(7)).toBe(7);
    expect(retryAfterBounds(1.25, 0)).toEqual({ min: 2, max: 2 });
  });
});
