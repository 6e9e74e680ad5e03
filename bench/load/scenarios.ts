// What is measured: the team's "before" pool, orapool's "after" pool, and
// the queueing-theory figures each is judged against.

export type PoolConfigName = 'before' | 'after';

export interface PoolConfig {
  name: PoolConfigName;
  poolMax: number;
  /** How the configuration is set, for the report. */
  summary: string;
  env: Record<string, string>;
}

/**
 * "before": the team's original pool (min 2, max 20) that failed at once when
 * exhausted. oracledb has no "no queue" setting and orapool refuses
 * DB_POOL_QUEUE_MAX=0 and DB_POOL_TIMEOUT=0 (both mean "unbounded" to the
 * driver), so it is emulated: a queue of one slot that gives up after 100 ms
 * (pool creation itself waits in that queue for its first logon, so 1 ms
 * never creates the pool), and no admission control. A request that finds
 * every connection busy gets 503 POOL_QUEUE_FULL at once (or, for the one
 * queued request, POOL_QUEUE_TIMEOUT after 100 ms).
 */
export const beforeConfig: PoolConfig = {
  name: 'before',
  poolMax: 20,
  summary: 'min 2, max 20, no queue (emulated: DB_POOL_QUEUE_MAX=1, DB_POOL_TIMEOUT=0.1 s), ADMISSION_CONTROL=false',
  env: {
    DB_POOL_MIN: '2',
    DB_POOL_MAX: '20',
    DB_POOL_QUEUE_MAX: '1',
    DB_POOL_TIMEOUT: '0.1',
    ADMISSION_CONTROL: 'false',
  },
};

/** "after": orapool's defaults (min 5, max 40, WAIT queue of 1000 for up to 30 s, admission control on), stated explicitly. */
export const afterConfig: PoolConfig = {
  name: 'after',
  poolMax: 40,
  summary: 'min 5, max 40, WAIT queue (DB_POOL_QUEUE_MAX=1000, DB_POOL_TIMEOUT=30 s), ADMISSION_CONTROL=true (defaults)',
  env: {
    DB_POOL_MIN: '5',
    DB_POOL_MAX: '40',
    DB_POOL_QUEUE_MAX: '1000',
    DB_POOL_TIMEOUT: '30',
    ADMISSION_CONTROL: 'true',
  },
};

export const poolConfigs: Record<PoolConfigName, PoolConfig> = { before: beforeConfig, after: afterConfig };

/**
 * Settings every benchmarked service gets. LOG_LEVEL=warn: at info the
 * service writes one JSON line per request, and at thousands of requests per
 * second the pipe to the benchmark (and JSON formatting) would be measured
 * instead of the pool. No shutdown delay: there is no load balancer to wait for.
 */
export function serviceEnv(config: PoolConfig, connectString: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    DB_USER: 'orapool',
    DB_PASSWORD: 'orapool-sim',
    DB_CONNECT_STRING: connectString,
    SHUTDOWN_DELAY_SECONDS: '0',
    SHUTDOWN_DRAIN_SECONDS: '2',
    ...config.env,
  };
}

export interface QueueingBound {
  /** Most successful requests per second the pool can serve: pool max / statement latency. null when latency is 0. */
  maxThroughput: number | null;
  /** λ = min(bound, users / latency): the throughput a perfect service would reach with this many closed-loop users. */
  expectedThroughput: number | null;
  /** W = L / λ (Little's law, L = users): the mean latency a perfect service would show, in ms. */
  expectedLatencyMs: number | null;
}

/**
 * The queueing-theory yardstick for `users` closed-loop clients (no think
 * time) against `poolMax` connections whose statements take `latencyMs`.
 * Below saturation every request is served at once (W = latency); above it
 * the pool is the bottleneck and the rest wait in line (W = users / bound).
 */
export function queueingBound(users: number, poolMax: number, latencyMs: number): QueueingBound {
  if (latencyMs <= 0) return { maxThroughput: null, expectedThroughput: null, expectedLatencyMs: null };
  const latencySeconds = latencyMs / 1000;
  const maxThroughput = poolMax / latencySeconds;
  const expectedThroughput = Math.min(maxThroughput, users / latencySeconds);
  return {
    maxThroughput: round(maxThroughput),
    expectedThroughput: round(expectedThroughput),
    expectedLatencyMs: round((users / expectedThroughput) * 1000),
  };
}

const round = (v: number) => Number(v.toFixed(1));
