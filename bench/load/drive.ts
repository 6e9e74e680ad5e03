// One closed-loop load run with autocannon (as a library): `connections`
// virtual users, each sending GET `path` again as soon as its previous
// response arrived, for `durationSeconds` or `maxRequests`, whichever ends
// first. autocannon's own summary has no p95 and mixes 2xx and 503 latency,
// so every response is recorded here (status, error.code from the JSON body,
// Retry-After, latency) through its per-client hooks.
import autocannon from 'autocannon';
import { percentiles, type Percentiles } from './stats.js';

/** The codes of the service's deliberate, fast 503s (src/errors.ts). */
export const shedCodes = ['OVERLOADED', 'POOL_QUEUE_FULL', 'POOL_QUEUE_TIMEOUT'] as const;
export type ShedCode = (typeof shedCodes)[number];

export interface DriveOptions {
  url: string;
  path?: string;
  connections: number;
  durationSeconds: number;
  /**
   * Seconds of load before measuring, on the same connections: the pool
   * grows to its max, JIT warms up, and the connect storm of opening
   * `connections` sockets at once stays out of the measured window.
   */
  warmupSeconds?: number;
  /** Hard cap on requests, so a run that answers unexpectedly fast still ends. */
  maxRequests: number;
  /** A request without an answer after this many seconds counts as a timeout (the client gives up). */
  timeoutSeconds: number;
}

export interface DriveResult {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Timeouts and socket errors during the warm-up, reported, not hidden. */
  warmupProblems: { timeouts: number; socketErrors: number };
  /** Responses received plus timeouts plus socket errors. */
  attempts: number;
  responses: number;
  ok: number;
  byStatus: Record<string, number>;
  /** Deliberate 503s, by error.code. */
  shed: Record<ShedCode, number>;
  /** 503s among `shed` without a Retry-After header (should be 0). */
  shedWithoutRetryAfter: number;
  /** Every non-2xx response that is not a deliberate 503 (other 5xx, 4xx, 503 with another code). */
  otherNon2xx: number;
  /** The error.code values of `otherNon2xx`, for the report. */
  otherCodes: Record<string, number>;
  timeouts: number;
  socketErrors: Record<string, number>;
  successRate: number;
  /** Successful (2xx) responses per second. */
  throughput: number;
  /** All responses per second, 503s included. */
  responseRate: number;
  latencyMs: { ok: Percentiles; shed: Percentiles; all: Percentiles };
  /** One entry per second of the run: what completed in that second. */
  timeline: TimelinePoint[];
}

export interface TimelinePoint {
  second: number;
  ok: number;
  shed: number;
  other: number;
  okP95Ms: number;
  shedP99Ms: number;
}

interface ClientLike {
  on(event: 'response', listener: (status: number, bytes: number, durationMs: number) => void): void;
  on(event: 'connError', listener: (error: NodeJS.ErrnoException) => void): void;
  on(event: 'timeout', listener: () => void): void;
}

interface LastResponse {
  status: number;
  body: string;
  headers: Record<string, string | string[]>;
}

function errorCode(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown } };
    return typeof parsed.error?.code === 'string' ? parsed.error.code : 'NO_CODE';
  } catch {
    return 'NOT_JSON';
  }
}

export async function drive(options: DriveOptions): Promise<DriveResult> {
  const okLatencies: number[] = [];
  const shedLatencies: number[] = [];
  const allLatencies: number[] = [];
  const byStatus: Record<string, number> = {};
  const shed: Record<ShedCode, number> = { OVERLOADED: 0, POOL_QUEUE_FULL: 0, POOL_QUEUE_TIMEOUT: 0 };
  const otherCodes: Record<string, number> = {};
  const socketErrors: Record<string, number> = {};
  let shedWithoutRetryAfter = 0;
  let otherNon2xx = 0;
  let timeouts = 0;
  // autocannon calls a request's onResponse (with body and headers) and then,
  // synchronously, emits the client's 'response' (with the latency): the
  // first leaves the response here for the second to complete.
  let last: LastResponse | undefined;
  const warmupMs = (options.warmupSeconds ?? 0) * 1000;
  const warmupProblems = { timeouts: 0, socketErrors: 0 };
  const started = performance.now();
  const measuring = () => performance.now() - started >= warmupMs;
  const buckets: Array<{ ok: number[]; shed: number[]; other: number }> = [];
  const bucket = () => {
    const second = Math.floor((performance.now() - started - warmupMs) / 1000);
    while (buckets.length <= second) buckets.push({ ok: [], shed: [], other: 0 });
    return buckets[second]!;
  };

  await new Promise<void>((resolve, reject) => {
    autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: (options.warmupSeconds ?? 0) + options.durationSeconds,
        maxOverallRequests: options.maxRequests,
        timeout: options.timeoutSeconds,
        requests: [
          {
            method: 'GET',
            path: options.path ?? '/api/health',
            onResponse: (status: number, body: string, _context: unknown, headers: Record<string, string | string[]>) => {
              last = { status, body, headers };
            },
          },
        ],
        setupClient: (client: unknown) => {
          const c = client as ClientLike;
          c.on('response', (status, _bytes, durationMs) => {
            const response = last;
            last = undefined;
            if (!measuring()) return;
            byStatus[status] = (byStatus[status] ?? 0) + 1;
            allLatencies.push(durationMs);
            const b = bucket();
            if (status >= 200 && status < 300) {
              okLatencies.push(durationMs);
              b.ok.push(durationMs);
              return;
            }
            const code = response && response.status === status ? errorCode(response.body) : 'UNKNOWN';
            if (status === 503 && (shedCodes as readonly string[]).includes(code)) {
              shed[code as ShedCode] += 1;
              shedLatencies.push(durationMs);
              b.shed.push(durationMs);
              const retryAfter = response?.headers['retry-after'] ?? response?.headers['Retry-After'];
              if (retryAfter === undefined || retryAfter === '') shedWithoutRetryAfter += 1;
            } else {
              otherNon2xx += 1;
              b.other += 1;
              const key = `${status} ${code}`;
              otherCodes[key] = (otherCodes[key] ?? 0) + 1;
            }
          });
          c.on('connError', (error) => {
            if (!measuring()) return void (warmupProblems.socketErrors += 1);
            const key = error.code ?? error.message;
            socketErrors[key] = (socketErrors[key] ?? 0) + 1;
          });
          c.on('timeout', () => {
            if (!measuring()) return void (warmupProblems.timeouts += 1);
            timeouts += 1;
          });
        },
      } as autocannon.Options,
      (error) => (error ? reject(error) : resolve()),
    );
  });
  const durationSeconds = Math.max(0.001, (performance.now() - started - warmupMs) / 1000);
  const responses = allLatencies.length;
  const socketErrorCount = Object.values(socketErrors).reduce((a, b) => a + b, 0);
  const attempts = responses + timeouts + socketErrorCount;
  return {
    connections: options.connections,
    durationSeconds: Number(durationSeconds.toFixed(2)),
    warmupSeconds: options.warmupSeconds ?? 0,
    warmupProblems,
    attempts,
    responses,
    ok: okLatencies.length,
    byStatus,
    shed,
    shedWithoutRetryAfter,
    otherNon2xx,
    otherCodes,
    timeouts,
    socketErrors,
    successRate: attempts === 0 ? 0 : okLatencies.length / attempts,
    throughput: Number((okLatencies.length / durationSeconds).toFixed(1)),
    responseRate: Number((responses / durationSeconds).toFixed(1)),
    latencyMs: { ok: percentiles(okLatencies), shed: percentiles(shedLatencies), all: percentiles(allLatencies) },
    timeline: buckets.map((b, second) => ({
      second,
      ok: b.ok.length,
      shed: b.shed.length,
      other: b.other,
      okP95Ms: percentiles(b.ok).p95,
      shedP99Ms: percentiles(b.shed).p99,
    })),
  };
}
