import type { AbResult } from './ab.js';
import type { DriveResult } from './drive.js';
import type { Machine } from './machine.js';
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
  /** Mean over the rounds, which alternate bare / service to share any drift. */
  bare: { throughput: number; p95Ms: number; perRound: number[] };
  /** Koa + @koa/router, one route, no middleware, same round-trip: the framework's floor. */
  koa: { throughput: number; p95Ms: number; perRound: number[] };
  service: { throughput: number; p95Ms: number; perRound: number[] };
  /** service / bare: the target (>= 0.85). */
  ratio: number;
  /** koa / bare: how much of the gap the framework alone accounts for. */
  koaRatio: number;
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
  ab?: AbScenarioResult;
  notes: string[];
}
