/**
 * Retry-After in whole seconds, spread at random so that clients refused
 * together do not all come back in the same second (with an exact value they
 * return in lockstep, and the service sees waves of retries instead of a
 * steady rate). Still honest: never less than the expected wait rounded up
 * (`base`), and at most base + max(1, ceil(base x jitter)). jitter 0 (or
 * RETRY_AFTER_JITTER=0) gives exactly `base`.
 */
export type RetryAfter = (expectedWaitSeconds: number) => number;

export function retryAfterSpread(jitter: number, random: () => number = Math.random): RetryAfter {
  return (expectedWaitSeconds) => {
    const base = Math.max(1, Math.ceil(expectedWaitSeconds));
    if (!(jitter > 0)) return base;
    const spread = Math.max(1, Math.ceil(base * jitter));
    // random() is in [0, 1): each of base .. base + spread is equally likely.
    return base + Math.min(spread, Math.floor(random() * (spread + 1)));
  };
}

/** The bounds retryAfterSpread keeps, for the docs and the tests. */
export function retryAfterBounds(expectedWaitSeconds: number, jitter: number): { min: number; max: number } {
  const base = Math.max(1, Math.ceil(expectedWaitSeconds));
  return { min: base, max: jitter > 0 ? base + Math.max(1, Math.ceil(base * jitter)) : base };
}
