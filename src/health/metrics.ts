import { Gauge, type Registry } from 'prom-client';
import { ROUND_TRIP_SQL } from '../db/round-trip.js';
import { type MemoryReading, usageRatio } from './memory.js';
import type { Readiness } from './readiness.js';
import { createRoundTripHistogram } from './round-trip-histogram.js';

/** Readiness, database reachability and memory, read at scrape time. */
export interface HealthMetricsLimits {
  /** MEMORY_HIGH_WATERMARK, so an alert compares usage with what this pod was told (0: disabled). */
  memoryHighWatermark: number;
  /** DB_SESSION_BUDGET: the sessions the whole fleet may hold (0: not set). */
  fleetSessionBudget: number;
}

export function createHealthMetrics(
  registry: Registry,
  readiness: Readiness,
  readMemory: () => MemoryReading,
  limits: HealthMetricsLimits,
): void {
  const registers = [registry];
  // Five gauges, one reading per scrape: a reading costs a V8 heap walk and
  // an RSS syscall. Every collect() of one scrape runs in the same turn of
  // the event loop, so the cache is dropped at the next turn.
  let scrapeReading: MemoryReading | undefined;
  const memory = (): MemoryReading => {
    if (!scrapeReading) {
      scrapeReading = readMemory();
      setImmediate(() => {
        scrapeReading = undefined;
      });
    }
    return scrapeReading;
  };
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  gauge('orapool_ready', '1 when /readyz answers 200, else 0.', () => (readiness.status().ready ? 1 : 0));
  gauge('orapool_database_up', '1 when the last database round-trip succeeded recently, else 0.', () =>
    readiness.database().up ? 1 : 0,
  );
  gauge('orapool_database_probe_duration_seconds', `Seconds the last successful ${ROUND_TRIP_SQL} round-trip took.`, () =>
    readiness.database().lastRoundTripSeconds ?? 0,
  );
  gauge('orapool_memory_heap_used_bytes', 'V8 heap in use.', () => memory().heapUsedBytes);
  gauge('orapool_memory_heap_limit_bytes', 'V8 heap size limit.', () => memory().heapLimitBytes);
  gauge('orapool_memory_rss_bytes', 'Resident set size of the process.', () => memory().rssBytes);
  gauge('orapool_memory_container_limit_bytes', 'Container memory limit (cgroup v1/v2); 0 when unknown or unlimited.', () =>
    memory().containerLimitBytes,
  );
  gauge('orapool_memory_usage_ratio', 'RSS / container memory limit; 0 when the limit is unknown.', () => usageRatio(memory()));
  gauge('orapool_memory_high_watermark_ratio', 'Configured MEMORY_HIGH_WATERMARK (0: disabled).', () => limits.memoryHighWatermark);
  // One value per pod, the same on every pod: alerts take max() per release
  // and compare it with sum(orapool_pool_connections_open).
  gauge('orapool_database_session_budget', 'Configured DB_SESSION_BUDGET: sessions the whole fleet may hold (0: not set).', () =>
    limits.fleetSessionBudget,
  );
  createRoundTripHistogram(registry, readiness);
}
