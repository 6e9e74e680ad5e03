import type { AbResult } from './ab.js';
import type { DriveResult } from './drive.js';
import type { Machine } from './machine.js';
import type { BurstResult } from './burst.js';
import type { MemoryResult } from './memory.js';
import type { ServerFigures } from './overhead.js';
import type { PoliteResult } from './polite.js';
import type { PoolConfigName, QueueingBound } from './scenarios.js';

export interface ScenarioResult {
  name: string;
  config: PoolConfigName;
  users: number;
  statementLatencyMs: number;
  poolMax: number;
  bound: QueueingBound;
  /** Successful throughput / expected throughput (λ); null without a bound. */
  achievedToBound: number | null;
  measurement?: DriveResult;
  skipped?: string;
}

export interface OverheadResult {
  connections: number;
  statementLatencyMs: 0;
  rounds: number;
  /** Measured seconds per server per round (after its warm-up); absent in runs before it was recorded. */
  windowSeconds?: number;
  /** Medians over the rounds, which alternate node / Koa / service / service at info to share any drift. */
  bare: ServerFigures;
  /** Koa + @koa/router, one route, no middleware, same round-trip: the framework's floor. */
  koa: ServerFigures;
  /** The service as benchmarked: metrics, admission control and slow-hold detection at their defaults, LOG_LEVEL=warn. */
  service: ServerFigures;
  /** The service at its default LOG_LEVEL=info: one access-log line per request (reported, not judged). */
  serviceInfo: ServerFigures;
  /** service / bare, median of the per-round ratios. */
  ratio: number;
  /** koa / bare. */
  koaRatio: number;
  /** service / koa: the target (>= 0.90). */
  serviceToKoa: number;
  /** service at info / koa. */
  serviceInfoToKoa: number;
}

export interface AbScenarioResult {
  config: PoolConfigName;
  /** How the team's URL maps to this run (port 5001, or the port used when 5001 was taken). */
  mapping: string;
  result?: AbResult;
  skipped?: string;
}

/**
 * Deliberate 503s, exercised on purpose: more users than the pool plus its
 * queue can hold, driven by clients that honour Retry-After (the designed
 * use) and, as the worst case, by autocannon, which ignores it.
 */
export interface OverloadResult {
  config: PoolConfigName;
  users: number;
  /** DB_POOL_MAX + DB_POOL_QUEUE_MAX: requests the service holds at once; the rest are refused. */
  admittedAtOnce: number;
  bound: QueueingBound;
  polite?: PoliteResult & {
    achievedToBound: number | null;
    /** The service's own orapool_http_request_duration_seconds{route="/api/health",status="503"} over the measured window (bucket-interpolated). */
    service503: { count: number; p50Ms: number | null; p99Ms: number | null } | null;
  };
  storm?: DriveResult & { achievedToBound: number | null };
  /** The polite run again with RETRY_AFTER_JITTER=0 (Retry-After exactly the expected wait). */
  politeExactRetryAfter?: PoliteResult & { achievedToBound: number | null };
  /** The same polite clients against a bare node:http server answering 503 + Retry-After: 1 at once. */
  bare503?: PoliteResult;
  /** Client-side 503 p99 of the service (Retry-After spread) and of the bare 503 server, per alternating round; the first round is `polite` and `bare503`. */
  shedRounds?: Array<{ serviceMs: number; bareMs: number; ratio: number | null }>;
  /** Retry waves: spread (default) against exact Retry-After. W = admittedAtOnce / bound. */
  waves?: {
    wMs: number | null;
    admittedP99OverW: number | null;
    exactAdmittedP99OverW: number | null;
    shedPerSecondCv: number | null;
    exactShedPerSecondCv: number | null;
    /** Client-side 503 p99, service / bare 503 server: the median of the rounds' ratios (shedRounds). */
    shedP99ToBare: number | null;
  };
  skipped?: string;
}

export interface BenchResults {
  schema: 'orapool-load-bench/1';
  startedAt: string;
  finishedAt: string;
  mode: string;
  machine: Machine;
  settings: {
    statementLatencyMs: number;
    statementLatencyP99Ms?: number;
    durationSeconds: number;
    warmupSeconds: number;
    clientTimeoutSeconds: number;
    serviceLogLevel: 'warn';
    configs: Record<PoolConfigName, string>;
  };
  scenarios: ScenarioResult[];
  overload?: OverloadResult;
  overhead?: OverheadResult;
  burst?: BurstResult;
  memory?: MemoryResult;
  ab?: AbScenarioResult;
  notes: string[];
}
