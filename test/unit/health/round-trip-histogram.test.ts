import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Readiness } from '../../../src/health/readiness.js';
import { createRoundTripHistogram } from '../../../src/health/round-trip-histogram.js';

/** One sample of a series (name with its labels, as exposed) from the registry's exposition. */
async function sample(registry: Registry, series: string): Promise<number | undefined> {
  for (const line of (await registry.metrics()).split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

function setup() {
  const registry = new Registry();
  const sut = new Readiness({ poolCreated: () => true, maxSuccessAgeSeconds: 60 });
  createRoundTripHistogram(registry, sut);
  return { registry, sut };
}

describe('database round-trip histogram', () => {
  it('is exposed before any round-trip, empty', async () => {
    const { registry } = setup();
    expect(await sample(registry, 'orapool_database_round_trip_seconds_count')).toBe(0);
  });

  it('observes every successful round-trip readiness records, in its bucket', async () => {
    const { registry, sut } = setup();
    sut.recordSuccess(0.002);
    sut.recordSuccess(0.002);
    sut.recordSuccess(0.3);
    expect(await sample(registry, 'orapool_database_round_trip_seconds_count')).toBe(3);
    expect(await sample(registry, 'orapool_database_round_trip_seconds_sum')).toBeCloseTo(0.304, 6);
    expect(await sample(registry, 'orapool_database_round_trip_seconds_bucket{le="0.001"}')).toBe(0);
    expect(await sample(registry, 'orapool_database_round_trip_seconds_bucket{le="0.0025"}')).toBe(2);
    expect(await sample(registry, 'orapool_database_round_trip_seconds_bucket{le="0.25"}')).toBe(2);
    expect(await sample(registry, 'orapool_database_round_trip_seconds_bucket{le="0.5"}')).toBe(3);
  });

  it('counts no failed round-trip: a failure has no database answer time', async () => {
    const { registry, sut } = setup();
    sut.recordFailure('ORA-03113');
    expect(await sample(registry, 'orapool_database_round_trip_seconds_count')).toBe(0);
  });
});
