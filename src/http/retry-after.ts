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
  // One bag per spread, refilled in place: drawing allocates nothing (it runs for every refusal under overload).
  const bags = new Map<number, { values: number[]; left: number }>();
  const draw = (spread: number) => {
    let bag = bags.get(spread);
    if (!bag) bags.set(spread, (bag = { values: Array.from({ length: spread + 1 }, (_, i) => i), left: 0 }));
    if (bag.left === 0) bag.left = shuffle(bag.values, random).length;
    return bag.values[--bag.left]!;
  };
  return (expectedWaitSeconds) => {
    const base = Math.max(1, Math.ceil(expectedWaitSeconds));
    if (!(jitter > 0)) return base;
    return base + draw(Math.max(1, Math.ceil(base * jitter)));
  };
}

/** values in random order, in place (Fisher-Yates: uniform whatever order they were in); random() is in [0, 1). */
function shuffle(values: number[], random: () => number): number[] {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    const v = values[i]!;
    values[i] = values[j]!;
    values[j] = v;
  }
  return values;
}

/** The bounds retryAfterSpread keeps, for the docs and the tests. */
export function retryAfterBounds(expectedWaitSeconds: number, jitter: number): { min: number; max: number } {
  const base = Math.max(1, Math.ceil(expectedWaitSeconds));
  return { min: base, max: jitter > 0 ? base + Math.max(1, Math.ceil(base * jitter)) : base };
}
