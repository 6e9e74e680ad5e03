// How a load run counts what came back, shared by both kinds of simulated
// users (drive.ts: autocannon, ignores Retry-After; polite.ts: honours it), so
// the two rows of the overload table count responses the same way: a 2xx, a
// deliberate 503 (by error.code in the JSON body, with or without
// Retry-After), any other non-2xx, a client timeout, or a socket error.
import { percentiles, type Percentiles } from './stats.js';

/** The codes of the service's deliberate, fast 503s (src/http/errors.ts). */
export const shedCodes = ['OVERLOADED', 'POOL_QUEUE_FULL', 'POOL_QUEUE_TIMEOUT'] as const;
export type ShedCode = (typeof shedCodes)[number];

/** All deliberate 503s of a run, whatever their code. */
export function shedTotal(run: { shed: Record<ShedCode, number> }): number {
  return shedCodes.reduce((sum, code) => sum + run.shed[code], 0);
}

/** The counting fields every load run reports (load-results.json). */
export interface ResponseTally {
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
}

/** A whole load run: its window, its counts, and the latency of 2xx and of deliberate 503s. */
export interface LoadRunResult extends ResponseTally {
  durationSeconds: number;
  warmupSeconds: number;
  latencyMs: { ok: Percentiles; shed: Percentiles };
}

export interface RetryAfterCounts {
  /** How many 503s asked for each Retry-After value (seconds). */
  retryAfterValues: Record<string, number>;
}

export type ClassifiedResponse =
  | { status: number; kind: 'ok' }
  | { status: number; kind: 'shed'; code: ShedCode }
  | { status: number; kind: 'other'; code: string };

export function errorCode(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown } };
    return typeof parsed.error?.code === 'string' ? parsed.error.code : 'NO_CODE';
  } catch {
    return 'NOT_JSON';
  }
}

/**
 * A 2xx, a deliberate 503 (status 503 with one of `shedCodes`), or anything
 * else. `body` is undefined when the client could not pair the body with this
 * response (the code is then 'UNKNOWN'); it is parsed only for non-2xx.
 */
export function classifyResponse(status: number, body: string | undefined): ClassifiedResponse {
  if (status >= 200 && status < 300) return { status, kind: 'ok' };
  const code = body === undefined ? 'UNKNOWN' : errorCode(body);
  if (status === 503 && (shedCodes as readonly string[]).includes(code)) return { status, kind: 'shed', code: code as ShedCode };
  return { status, kind: 'other', code };
}

/** Counts for one run; the caller decides what is inside the measured window. */
export class Tally {
  private readonly okLatencies: number[] = [];
  private readonly shedLatencies: number[] = [];
  private readonly allLatencies: number[] = [];
  private readonly byStatus: Record<string, number> = {};
  private readonly shed: Record<ShedCode, number> = { OVERLOADED: 0, POOL_QUEUE_FULL: 0, POOL_QUEUE_TIMEOUT: 0 };
  private readonly retryAfterValues: Record<string, number> = {};
  private readonly otherCodes: Record<string, number> = {};
  private readonly socketErrors: Record<string, number> = {};
  private readonly warmupProblems = { timeouts: 0, socketErrors: 0 };
  private shedWithoutRetryAfter = 0;
  private otherNon2xx = 0;
  private timeouts = 0;

  /** A measured response; `retryAfter` is its Retry-After header as the client saw it. */
  response(r: ClassifiedResponse, latencyMs: number, retryAfter: string | string[] | undefined): void {
    this.byStatus[r.status] = (this.byStatus[r.status] ?? 0) + 1;
    this.allLatencies.push(latencyMs);
    if (r.kind === 'ok') {
      this.okLatencies.push(latencyMs);
    } else if (r.kind === 'shed') {
      this.shed[r.code] += 1;
      this.shedLatencies.push(latencyMs);
      if (retryAfter === undefined || retryAfter === '') this.shedWithoutRetryAfter += 1;
      else if (typeof retryAfter === 'string') this.retryAfterValues[retryAfter] = (this.retryAfterValues[retryAfter] ?? 0) + 1;
    } else {
      this.otherNon2xx += 1;
      const key = `${r.status} ${r.code}`;
      this.otherCodes[key] = (this.otherCodes[key] ?? 0) + 1;
    }
  }

  timeout(measured: boolean): void {
    if (measured) this.timeouts += 1;
    else this.warmupProblems.timeouts += 1;
  }

  /** `key` is the error's code, or its message when it has none. */
  socketError(key: string, measured: boolean): void {
    if (measured) this.socketErrors[key] = (this.socketErrors[key] ?? 0) + 1;
    else this.warmupProblems.socketErrors += 1;
  }

  /**
   * The counts as result fields over a measured window of `durationSeconds`.
   * With `withRetryAfterValues`, retryAfterValues sits right after
   * shedWithoutRetryAfter, where load-results.json has always had it.
   */
  summary(durationSeconds: number): ResponseTally;
  summary(durationSeconds: number, withRetryAfterValues: true): ResponseTally & RetryAfterCounts;
  summary(durationSeconds: number, withRetryAfterValues = false): ResponseTally & Partial<RetryAfterCounts> {
    const ok = this.okLatencies.length;
    const responses = this.allLatencies.length;
    const socketErrorCount = Object.values(this.socketErrors).reduce((a, b) => a + b, 0);
    const attempts = responses + this.timeouts + socketErrorCount;
    return {
      warmupProblems: this.warmupProblems,
      attempts,
      responses,
      ok,
      byStatus: this.byStatus,
      shed: this.shed,
      shedWithoutRetryAfter: this.shedWithoutRetryAfter,
      ...(withRetryAfterValues ? { retryAfterValues: this.retryAfterValues } : {}),
      otherNon2xx: this.otherNon2xx,
      otherCodes: this.otherCodes,
      timeouts: this.timeouts,
      socketErrors: this.socketErrors,
      successRate: attempts === 0 ? 0 : ok / attempts,
      throughput: Number((ok / durationSeconds).toFixed(1)),
      responseRate: Number((responses / durationSeconds).toFixed(1)),
    };
  }

  /** Percentiles of 2xx, of deliberate 503s, and of every response. */
  latencyMs(): { ok: Percentiles; shed: Percentiles; all: Percentiles } {
    return { ok: percentiles(this.okLatencies), shed: percentiles(this.shedLatencies), all: percentiles(this.allLatencies) };
  }
}
