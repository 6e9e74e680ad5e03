/**
 * Capped exponential backoff with jitter, for pool creation retries.
 *
 * Jitter keeps a fleet of replicas that lost the database together from
 * reconnecting in lockstep (and from hammering the listener when it returns):
 * each delay is drawn from [half, full] of the capped exponential step.
 */
export function backoffSeconds(attempt: number, maxSeconds: number, random: () => number = Math.random, baseSeconds = 1): number {
  const step = Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
  return step / 2 + (random() * step) / 2;
}
