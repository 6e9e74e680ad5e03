// One closed-loop load run with autocannon (as a library): `connections`
// virtual users, each sending GET `path` again as soon as its previous
// response arrived, for `durationSeconds` or `maxRequests`, whichever ends
// first. autocannon's own summary has no p95 and mixes 2xx and 503 latency,
// so every response is recorded here (status, error.code from the JSON body,
// Retry-After, latency) through its per-client hooks.
import autocannon from 'autocannon';
import { percentiles, type Percentiles } from './stats.js';
import { classifyResponse, Tally, type LoadRunResult } from './tally.js';

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
  /** Called once when the measured window begins (after the warm-up). */
  onMeasureStart?: () => void;
}

export interface DriveResult extends LoadRunResult {
  connections: number;
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

export async function drive(options: DriveOptions): Promise<DriveResult> {
  const tally = new Tally();
  // autocannon calls a request's onResponse (with body and headers) and then,
  // synchronously, emits the client's 'response' (with the latency): the
  // first leaves the response here for the second to complete.
  let last: LastResponse | undefined;
  const warmupMs = (options.warmupSeconds ?? 0) * 1000;
  const started = performance.now();
  const measuring = () => performance.now() - started >= warmupMs;
  const buckets: Array<{ ok: number[]; shed: number[]; other: number }> = [];
  const bucket = () => {
    const second = Math.floor((performance.now() - started - warmupMs) / 1000);
    while (buckets.length <= second) buckets.push({ ok: [], shed: [], other: 0 });
    return buckets[second]!;
  };

  const measureTimer = options.onMeasureStart ? setTimeout(options.onMeasureStart, warmupMs) : undefined;
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
            const b = bucket();
            const classified = classifyResponse(status, response && response.status === status ? response.body : undefined);
            tally.response(classified, durationMs, response?.headers['retry-after'] ?? response?.headers['Retry-After']);
            if (classified.kind === 'other') b.other += 1;
            else b[classified.kind].push(durationMs);
          });
          c.on('connError', (error) => tally.socketError(error.code ?? error.message, measuring()));
          c.on('timeout', () => tally.timeout(measuring()));
        },
      } as autocannon.Options,
      (error) => (error ? reject(error) : resolve()),
    );
  }).finally(() => clearTimeout(measureTimer));
  const durationSeconds = Math.max(0.001, (performance.now() - started - warmupMs) / 1000);
  return {
    connections: options.connections,
    durationSeconds: Number(durationSeconds.toFixed(2)),
    warmupSeconds: options.warmupSeconds ?? 0,
    ...tally.summary(durationSeconds),
    latencyMs: tally.latencyMs(),
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
