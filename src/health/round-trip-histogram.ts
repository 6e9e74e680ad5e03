import type { Registry } from 'prom-client';
import { FastHistogram } from '../metrics/fast-histogram.js';
import { ROUND_TRIP_SQL } from '../db/round-trip.js';
import type { Readiness } from './readiness.js';

/**
 * Every successful round-trip (the background probe and /api/health), as a
 * histogram: the time the database itself takes to answer, without the pool
 * queue (the connection is already borrowed when the clock starts). Its p95
 * rising while the pool is saturated is the sign that the database, not the
 * pods, is the bottleneck (orapool:database_bottleneck), so scale-out would
 * only add sessions to a database that is already slow.
 */
export function createRoundTripHistogram(registry: Registry, readiness: Readiness): void {
  // Observed on every request: FastHistogram, as the other per-request histograms (metrics/fast-histogram.ts).
  const seconds = new FastHistogram({
    name: 'orapool_database_round_trip_seconds',
    help: `Seconds each successful ${ROUND_TRIP_SQL} round-trip took on a borrowed connection (probe and /api/health).`,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }).labels();
  readiness.onRoundTrip((roundTripSeconds) => seconds.observe(roundTripSeconds));
}
