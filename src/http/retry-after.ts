/**
 * Retry-After in whole seconds, spread so that clients refused together do
 * not all come back in the same second (with an exact value they return in
 * lockstep, and the service sees waves of retries instead of a steady rate).
 * Still honest: never less than the expected wait rounded up (`base`), and
 * at most base + max(1, ceil(base x jitter)). jitter 0 (or
 * RETRY_AFTER_JITTER=0) gives exactly `base`.
 *
 * Drawn evenly and stratified: each run of (spread + 1) refusals with the
 * same spread gets every value in the range once, in random order. An
 * independent draw each left some seconds a few percent above their
 * neighbours by chance alone, about as uneven as the waves a smeared exact
 * value leaves; stratified, the refusals of any second return evenly.
 */
export type RetryAfter = (expectedWaitSeconds: number) => number;

export function retryAfterSpread(jitter: number, random: () => number = Math.random): RetryAfter {
  const bags = new Map<number, number[]>();
  const draw = (spread: number) => {
    let bag = bags.get(spread);
    if (!bag || bag.length === 0) bags.set(spread, (bag = shuffled(spread + 1, random)));
    return bag.pop()!;
  };
  return (expectedWaitSeconds) => {
    const base = Math.max(1, Math.ceil(expectedWaitSeconds));
    if (!(jitter > 0)) return base;
    return base + draw(Math.max(1, Math.ceil(base * jitter)));
  };
}

/** 0 .. n-1 in random order (Fisher-Yates); random() is in [0, 1). */
function shuffled(n: number, random: () => number): number[] {
  const values = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return values;
}

/** The bounds retryAfterSpread keeps, for the docs and the tests. */
export function retryAfterBounds(expectedWaitSeconds: number, jitter: number): { min: number; max: number } {
  const base = Math.max(1, Math.ceil(expectedWaitSeconds));
  return { min: base, max: jitter > 0 ? base + Math.max(1, Math.ceil(base * jitter)) : base };
}
