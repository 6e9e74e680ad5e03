import { describe, expect, it } from 'vitest';
import { retryAfterBounds, retryAfterSpread } from '../../../src/http/retry-after.js';

/** A "random" source that returns the given values in turn. */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('retryAfterSpread', () => {
  it('never says less than the expected wait rounded up, and at least 1 s', () => {
    const spread = retryAfterSpread(0.5, () => 0);
    expect(spread(1.25)).toBe(2);
    expect(spread(0.01)).toBe(1);
    expect(spread(0)).toBe(1);
  });

  it('reaches base + max(1, ceil(base x jitter)) at the top of random()', () => {
    const top = 1 - Number.EPSILON;
    expect(retryAfterSpread(0.5, () => top)(1.25)).toBe(3); // base 2, spread max(1, ceil(1)) = 1
    expect(retryAfterSpread(0.5, () => top)(4.2)).toBe(8); // base 5, spread ceil(2.5) = 3
    expect(retryAfterSpread(0.1, () => top)(2)).toBe(3); // spread at least 1 s, or nothing would move
  });

  it('draws every whole second of the range, evenly', () => {
    const spread = retryAfterSpread(0.5, sequence(0, 0.2, 0.26, 0.5, 0.74, 0.76, 0.99));
    const seen = Array.from({ length: 7 }, () => spread(4.2));
    expect(seen).toEqual([5, 5, 6, 7, 7, 8, 8]);
    for (const v of seen) expect(Number.isInteger(v)).toBe(true);
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
