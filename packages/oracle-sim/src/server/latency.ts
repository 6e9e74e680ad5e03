// Statement latency: a fixed delay, or a log-normal distribution with a given
// mean and 99th percentile (service times are skewed: most calls are quick,
// a few are slow, none are negative).

export interface LatencySpec {
  meanMs: number;
  p99Ms?: number;
}

/** z-score of the 99th percentile of a standard normal distribution. */
const Z99 = 2.3263;

export type LatencySampler = () => number;

export function latencySampler(spec: number | LatencySpec): LatencySampler {
  const { meanMs, p99Ms } = typeof spec === 'number' ? { meanMs: spec, p99Ms: undefined } : spec;
  if (!(meanMs >= 0)) throw new RangeError(`latency mean must be >= 0 ms, got ${meanMs}`);
  if (meanMs === 0 || p99Ms === undefined || p99Ms <= meanMs) return () => meanMs;
  // For a log-normal, mean = exp(mu + s²/2) and p99 = exp(mu + Z99·s), so
  // s²/2 - Z99·s + ln(p99/mean) = 0; the smaller root keeps the tail sane.
  // A p99 beyond ~15x the mean has no solution; we cap s at Z99 there.
  const d = Math.log(p99Ms / meanMs);
  const disc = Z99 * Z99 - 2 * d;
  const sigma = disc > 0 ? Z99 - Math.sqrt(disc) : Z99;
  const mu = Math.log(meanMs) - (sigma * sigma) / 2;
  return () => Math.exp(mu + sigma * standardNormal());
}

function standardNormal(): number {
  let u = 0;
  while (u === 0) u = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
}

/** Resolves after `ms`, or rejects with an AbortError as soon as `signal` aborts. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    if (ms <= 0) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
