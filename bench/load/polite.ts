// Closed-loop users that behave like well-written clients: each user sends
// GET `path` on a keep-alive connection, sends the next one as soon as a 2xx
// arrives (no think time), and after a 503 sleeps for the Retry-After the
// service asked for before trying again. This is what the service's 503s are
// designed for; autocannon (drive.ts) ignores Retry-After and is kept as the
// worst case. Bounded: no request starts after the measured window ends, and
// every request gives up after `timeoutSeconds`.
import http from 'node:http';
import { shedCodes, type ShedCode } from './drive.js';
import { percentiles, type Percentiles } from './stats.js';

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

export interface PoliteResult {
  users: number;
  durationSeconds: number;
  warmupSeconds: number;
  warmupProblems: { timeouts: number; socketErrors: number };
  attempts: number;
  responses: number;
  ok: number;
  byStatus: Record<string, number>;
  shed: Record<ShedCode, number>;
  shedWithoutRetryAfter: number;
  /** How many 503s asked for each Retry-After value (seconds). */
  retryAfterValues: Record<string, number>;
  otherNon2xx: number;
  otherCodes: Record<string, number>;
  timeouts: number;
  socketErrors: Record<string, number>;
  /** 2xx / attempts, where a 503 followed by a later success counts as one attempt that failed. */
  successRate: number;
  throughput: number;
  responseRate: number;
  latencyMs: { ok: Percentiles; shed: Percentiles };
  timeline: PoliteTimelinePoint[];
}

interface Answer {
  status: number;
  body: string;
  retryAfter: string | undefined;
}

function errorCode(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown } };
    return typeof parsed.error?.code === 'string' ? parsed.error.code : 'NO_CODE';
  } catch {
    return 'NOT_JSON';
  }
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

  const okLatencies: number[] = [];
  const shedLatencies: number[] = [];
  const byStatus: Record<string, number> = {};
  const shed: Record<ShedCode, number> = { OVERLOADED: 0, POOL_QUEUE_FULL: 0, POOL_QUEUE_TIMEOUT: 0 };
  const retryAfterValues: Record<string, number> = {};
  const otherCodes: Record<string, number> = {};
  const socketErrors: Record<string, number> = {};
  const warmupProblems = { timeouts: 0, socketErrors: 0 };
  let shedWithoutRetryAfter = 0;
  let otherNon2xx = 0;
  let timeouts = 0;
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
        if (code === 'CLIENT_TIMEOUT') {
          if (!measured) warmupProblems.timeouts += 1;
          else timeouts += 1;
        } else if (!measured) {
          warmupProblems.socketErrors += 1;
        } else {
          socketErrors[code] = (socketErrors[code] ?? 0) + 1;
        }
        if (code !== 'CLIENT_TIMEOUT') await sleep(100); // a refused socket: do not spin
        continue;
      }
      const at = now();
      const latency = at - sent;
      const measured = at >= warmupMs && at < endMs;
      if (measured) byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
      if (answer.status >= 200 && answer.status < 300) {
        if (measured) {
          okLatencies.push(latency);
          bucket(at).ok += 1;
        }
        continue;
      }
      const code = errorCode(answer.body);
      if (answer.status === 503 && (shedCodes as readonly string[]).includes(code)) {
        if (measured) {
          shed[code as ShedCode] += 1;
          shedLatencies.push(latency);
          bucket(at).shed += 1;
          if (answer.retryAfter === undefined || answer.retryAfter === '') shedWithoutRetryAfter += 1;
          else retryAfterValues[answer.retryAfter] = (retryAfterValues[answer.retryAfter] ?? 0) + 1;
        }
        const seconds = Number(answer.retryAfter);
        await sleep(Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, maxSleepMs) : 1000);
      } else {
        if (measured) {
          otherNon2xx += 1;
          bucket(at).other += 1;
          const key = `${answer.status} ${code}`;
          otherCodes[key] = (otherCodes[key] ?? 0) + 1;
        }
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
  const responses = okLatencies.length + shedLatencies.length + otherNon2xx;
  const socketErrorCount = Object.values(socketErrors).reduce((a, b) => a + b, 0);
  const attempts = responses + timeouts + socketErrorCount;
  return {
    users: options.users,
    durationSeconds,
    warmupSeconds: options.warmupSeconds,
    warmupProblems,
    attempts,
    responses,
    ok: okLatencies.length,
    byStatus,
    shed,
    shedWithoutRetryAfter,
    retryAfterValues,
    otherNon2xx,
    otherCodes,
    timeouts,
    socketErrors,
    successRate: attempts === 0 ? 0 : okLatencies.length / attempts,
    throughput: Number((okLatencies.length / durationSeconds).toFixed(1)),
    responseRate: Number((responses / durationSeconds).toFixed(1)),
    latencyMs: { ok: percentiles(okLatencies), shed: percentiles(shedLatencies) },
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
