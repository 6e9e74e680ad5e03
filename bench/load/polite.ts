// Closed-loop users that behave like well-written clients: each user sends
// GET `path` on a keep-alive connection, sends the next one as soon as a 2xx
// arrives (no think time), and after a 503 sleeps for the Retry-After the
// service asked for before trying again. This is what the service's 503s are
// designed for; autocannon (drive.ts) ignores Retry-After and is kept as the
// worst case. Bounded: no request starts after the measured window ends, and
// every request gives up after `timeoutSeconds`.
import http from 'node:http';
import { classifyResponse, Tally, type LoadRunResult, type RetryAfterCounts } from './tally.js';

export interface PoliteOptions {
  url: string;
  path?: string;
  users: number;
  durationSeconds: number;
  warmupSeconds: number;
  timeoutSeconds: number;
  /** Users start spread over this many seconds (inside the warm-up), not in one connect storm. */
  rampSeconds?: number;
  /** Upper bound on one Retry-After sleep, in case of a broken header. */
  maxRetryAfterSeconds?: number;
}

export interface PoliteTimelinePoint {
  second: number;
  ok: number;
  shed: number;
  other: number;
}

export interface PoliteResult extends LoadRunResult, RetryAfterCounts {
  users: number;
  /** 2xx / attempts, where a 503 followed by a later success counts as one attempt that failed. */
  successRate: number;
  timeline: PoliteTimelinePoint[];
}

interface Answer {
  status: number;
  body: string;
  retryAfter: string | undefined;
}

export async function drivePolite(options: PoliteOptions): Promise<PoliteResult> {
  const target = new URL(options.path ?? '/api/health', options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.users, maxFreeSockets: options.users });
  const warmupMs = options.warmupSeconds * 1000;
  const endMs = warmupMs + options.durationSeconds * 1000;
  const rampMs = Math.min(warmupMs, (options.rampSeconds ?? 1) * 1000);
  const maxSleepMs = (options.maxRetryAfterSeconds ?? 30) * 1000;
  const started = performance.now();
  const now = () => performance.now() - started;

  const tally = new Tally();
  const buckets: PoliteTimelinePoint[] = [];
  const bucket = (at: number) => {
    const second = Math.floor((at - warmupMs) / 1000);
    while (buckets.length <= second) buckets.push({ second: buckets.length, ok: 0, shed: 0, other: 0 });
    return buckets[second]!;
  };

  // Sleeps end early when the run ends, so no user outlives the window by more than a request.
  const wakers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakers.add(done);
    });
  const endTimer = setTimeout(() => {
    for (const wake of [...wakers]) wake();
  }, endMs);

  const request = () =>
    new Promise<Answer>((resolve, reject) => {
      const req = http.get(target, { agent, timeout: options.timeoutSeconds * 1000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const header = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), retryAfter: Array.isArray(header) ? header[0] : header });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
      req.on('error', reject);
    });

  const user = async (index: number) => {
    await sleep((index / options.users) * rampMs);
    while (now() < endMs) {
      const sent = now();
      let answer: Answer;
      try {
        answer = await request();
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        const at = now();
        const measured = at >= warmupMs && at < endMs;
        if (code === 'CLIENT_TIMEOUT') tally.timeout(measured);
        else tally.socketError(code, measured);
        if (code !== 'CLIENT_TIMEOUT') await sleep(100); // a refused socket: do not spin
        continue;
      }
      const at = now();
      const latency = at - sent;
      const measured = at >= warmupMs && at < endMs;
      // Classified even outside the measured window: what the user does next depends on it.
      const classified = classifyResponse(answer.status, answer.body);
      if (measured) {
        tally.response(classified, latency, answer.retryAfter);
        bucket(at)[classified.kind] += 1;
      }
      if (classified.kind === 'shed') {
        const seconds = Number(answer.retryAfter);
        await sleep(Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, maxSleepMs) : 1000);
      } else if (classified.kind === 'other') {
        await sleep(100);
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: options.users }, (_, i) => user(i)));
  } finally {
    clearTimeout(endTimer);
    agent.destroy();
  }
  const durationSeconds = options.durationSeconds;
  const { ok, shed } = tally.latencyMs();
  return {
    users: options.users,
    durationSeconds,
    warmupSeconds: options.warmupSeconds,
    ...tally.summary(durationSeconds, true),
    latencyMs: { ok, shed },
    timeline: buckets,
  };
}

/** One Prometheus histogram (cumulative buckets by upper bound, in seconds) read from /metrics text. */
export interface HistogramSnapshot {
  buckets: Array<{ le: number; count: number }>;
  count: number;
  sum: number;
}

/** Read the series of `name` whose labels include every pair in `labels` (label order does not matter). */
export function parseHistogram(text: string, name: string, labels: Record<string, string>): HistogramSnapshot {
  const snapshot: HistogramSnapshot = { buckets: [], count: 0, sum: 0 };
  const matches = (labelText: string) => Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`));
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m || !matches(m[2]!)) continue;
    const value = Number(m[3]);
    if (m[1] === `${name}_bucket`) {
      const le = /le="([^"]+)"/.exec(m[2]!)?.[1];
      if (le !== undefined) snapshot.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), count: value });
    } else if (m[1] === `${name}_count`) snapshot.count = value;
    else if (m[1] === `${name}_sum`) snapshot.sum = value;
  }
  snapshot.buckets.sort((a, b) => a.le - b.le);
  return snapshot;
}

/** after - before: the observations made in between. */
export function histogramDelta(before: HistogramSnapshot, after: HistogramSnapshot): HistogramSnapshot {
  const earlier = new Map(before.buckets.map((b) => [b.le, b.count]));
  return {
    buckets: after.buckets.map((b) => ({ le: b.le, count: b.count - (earlier.get(b.le) ?? 0) })),
    count: after.count - before.count,
    sum: after.sum - before.sum,
  };
}

/**
 * A quantile estimated from cumulative buckets by linear interpolation inside
 * the bucket, as Prometheus' histogram_quantile() does; in milliseconds.
 * Only as fine as the buckets: read it as "within this bucket".
 */
export function histogramQuantileMs(h: HistogramSnapshot, q: number): number | null {
  if (h.count <= 0) return null;
  const rank = q * h.count;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lowerLe * 1000;
      const inBucket = b.count - lowerCount;
      const fraction = inBucket > 0 ? (rank - lowerCount) / inBucket : 1;
      return Number(((lowerLe + (b.le - lowerLe) * fraction) * 1000).toFixed(2));
    }
    lowerLe = b.le;
    lowerCount = b.count;
  }
  return null;
}

/**
 * Coefficient of variation (standard deviation / mean) of the 503s per
 * second over the whole seconds of a run: about 0 when refusals arrive at a
 * steady rate, large when refused clients come back in waves.
 */
export function shedRateCv(timeline: readonly PoliteTimelinePoint[]): number | null {
  const counts = timeline.map((p) => p.shed);
  if (counts.length < 2) return null;
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  if (mean === 0) return null;
  const variance = counts.reduce((a, v) => a + (v - mean) ** 2, 0) / counts.length;
  return Number((Math.sqrt(variance) / mean).toFixed(3));
}
