import { Counter, Gauge, type Registry } from 'prom-client';
import { FastHistogram } from '../metrics/fast-histogram.js';
import type { AcquireFailureCause } from './db-error.js';
import { QUEUE_FULL_CODE, QUEUE_TIMEOUT_CODE } from './oracle-errors.js';
import type { PoolFigures, PoolObserver } from './types.js';
import type { ServerModeReport } from './connect-data.js';

export interface PoolMetricsSource {
  figures(): PoolFigures;
  readonly created: boolean;
}

/**
 * The pool gauges, read from the pool in collect(), at scrape time, so they
 * are never stale and cost nothing between scrapes. Registered once the pool
 * exists (the pool itself needs its observer first: createPoolObserver).
 */
export function registerPoolGauges(registry: Registry, pool: PoolMetricsSource): void {
  const registers = [registry];
  const gauge = (name: string, help: string, read: (f: PoolFigures) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(pool.figures()));
      },
    });
  gauge('orapool_pool_connections_open', 'Connections the pool has open (idle + in use).', (f) => f.open);
  gauge('orapool_pool_connections_in_use', 'Connections currently borrowed.', (f) => f.inUse);
  gauge('orapool_pool_connections_idle', 'Open connections not borrowed.', (f) => f.idle);
  gauge('orapool_pool_requests_waiting', 'Requests queued waiting for a connection.', (f) => f.waiting);
  gauge('orapool_pool_min_connections', 'Configured DB_POOL_MIN.', (f) => f.min);
  gauge('orapool_pool_max_connections', 'Configured DB_POOL_MAX.', (f) => f.max);
  gauge('orapool_pool_queue_max', 'Configured DB_POOL_QUEUE_MAX.', (f) => f.queueMax);
  gauge('orapool_pool_queue_timeout_seconds', 'Configured DB_POOL_TIMEOUT.', (f) => f.queueTimeoutSeconds);
  new Gauge({
    name: 'orapool_pool_up',
    help: '1 when the pool exists (created and one connection really borrowed), else 0.',
    registers,
    collect() {
      this.set(pool.created ? 1 : 0);
    },
  });
}

/** The pool counters and histograms, fed by the PoolObserver this returns. */
export function createPoolObserver(registry: Registry): PoolObserver {
  const registers = [registry];

  const requests = new Counter({ name: 'orapool_pool_connection_requests_total', help: 'Connection borrow attempts.', registers });
  const queueTimeouts = new Counter({
    name: 'orapool_pool_queue_timeouts_total',
    help: `Borrowers that waited DB_POOL_TIMEOUT without getting a connection (${QUEUE_TIMEOUT_CODE}).`,
    registers,
  });
  const queueFull = new Counter({
    name: 'orapool_pool_queue_full_rejections_total',
    help: `Borrowers rejected at once because DB_POOL_QUEUE_MAX requests were waiting (${QUEUE_FULL_CODE}).`,
    registers,
  });
  const failures = new Counter({
    name: 'orapool_pool_acquire_failures_total',
    help: 'Borrow attempts that failed, by cause.',
    labelNames: ['cause'],
    registers,
  });
  for (const cause of ['queue_timeout', 'queue_full', 'database_unavailable', 'pool_closed', 'other'] satisfies AcquireFailureCause[]) {
    failures.inc({ cause }, 0); // export every cause from the start, so rate() works on the first failure
  }
  const createFailures = new Counter({
    name: 'orapool_pool_create_failures_total',
    help: 'Pool creation attempts that failed (database unreachable at startup); each is retried with backoff.',
    registers,
  });
  const slowHolds = new Counter({
    name: 'orapool_pool_slow_holds_total',
    help: 'Connections held longer than DB_SLOW_HOLD_SECONDS (a leak or a slow query).',
    registers,
  });
  const acquireSeconds = new FastHistogram({
    name: 'orapool_pool_acquire_duration_seconds',
    help: 'Seconds spent acquiring a connection, queue time included, successful or not.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const holdSeconds = new FastHistogram({
    name: 'orapool_pool_connection_hold_seconds',
    help: 'Seconds a borrowed connection was held before release.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });

  return {
    connectionRequested: () => requests.inc(),
    acquired: (wait) => acquireSeconds.observe(wait),
    acquireFailed: (cause, wait) => {
      acquireSeconds.observe(wait);
      failures.inc({ cause });
      if (cause === 'queue_timeout') queueTimeouts.inc();
      if (cause === 'queue_full') queueFull.inc();
    },
    released: (held) => holdSeconds.observe(held),
    slowHold: () => slowHolds.inc(),
    createFailed: () => createFailures.inc(),
  };
}

/**
 * The server mode as an info metric (value 1, the mode in labels), so a
 * dashboard can tell DRCP pods from dedicated ones and sum the fleet's
 * sessions only where each connection is a session. The thin driver exposes
 * no DRCP figures (pooled-server waits happen inside a call): they show as
 * round-trip time here, and in V$CPOOL_STATS on the database.
 */
export function registerServerModeInfo(registry: Registry, mode: ServerModeReport): void {
  const info = new Gauge({
    name: 'orapool_database_server_info',
    help: 'Always 1: server_type is dedicated or pooled (DRCP); connection_class and pool_boundary are empty when dedicated.',
    labelNames: ['server_type', 'connection_class', 'pool_boundary'],
    registers: [registry],
  });
  info.set({ server_type: mode.serverType, connection_class: mode.connectionClass ?? '', pool_boundary: mode.poolBoundary ?? '' }, 1);
}
