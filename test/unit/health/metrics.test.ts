import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { MemoryReading } from '../../../src/health/memory.js';
import { createHealthMetrics } from '../../../src/health/metrics.js';
import { Readiness } from '../../../src/health/readiness.js';

/** One sample of a series from the registry's exposition. */
async function sample(registry: Registry, name: string): Promise<number | undefined> {
  for (const line of (await registry.metrics()).split('\n')) {
    if (line.startsWith(`${name} `)) return Number(line.slice(name.length + 1));
  }
  return undefined;
}

function setup(reading: MemoryReading = { heapUsedBytes: 30, heapLimitBytes: 300, rssBytes: 400, containerLimitBytes: 1000 }) {
  const registry = new Registry();
  const readiness = new Readiness({ poolCreated: () => true, maxSuccessAgeSeconds: 60 });
  let reads = 0;
  createHealthMetrics(
    registry,
    readiness,
    () => {
      reads += 1;
      return reading;
    },
    { memoryHighWatermark: 0.85, fleetSessionBudget: 120 },
  );
  return { registry, readiness, reads: () => reads };
}

describe('health metrics', () => {
  it('follow readiness and the database state at scrape time', async () => {
    const { registry, readiness } = setup();
    expect(await sample(registry, 'orapool_ready')).toBe(0);
    expect(await sample(registry, 'orapool_database_up')).toBe(0);
    expect(await sample(registry, 'orapool_database_probe_duration_seconds')).toBe(0);

    readiness.recordSuccess(0.012);
    expect(await sample(registry, 'orapool_ready')).toBe(1);
    expect(await sample(registry, 'orapool_database_up')).toBe(1);
    expect(await sample(registry, 'orapool_database_probe_duration_seconds')).toBe(0.012);

    readiness.recordFailure('ORA-03113');
    expect(await sample(registry, 'orapool_ready')).toBe(0);
    expect(await sample(registry, 'orapool_database_up')).toBe(0);
  });

  it('export the memory reading, its usage ratio against the container limit, and the limits alerts compare with', async () => {
    const { registry } = setup();
    expect(await sample(registry, 'orapool_memory_heap_used_bytes')).toBe(30);
    expect(await sample(registry, 'orapool_memory_heap_limit_bytes')).toBe(300);
    expect(await sample(registry, 'orapool_memory_rss_bytes')).toBe(400);
    expect(await sample(registry, 'orapool_memory_container_limit_bytes')).toBe(1000);
    expect(await sample(registry, 'orapool_memory_usage_ratio')).toBe(0.4);
    expect(await sample(registry, 'orapool_memory_high_watermark_ratio')).toBe(0.85);
    expect(await sample(registry, 'orapool_database_session_budget')).toBe(120);
  });

  it('read memory once per scrape, not once per gauge, and afresh on the next scrape', async () => {
    const { registry, reads } = setup();
    await registry.metrics();
    expect(reads()).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    await registry.metrics();
    expect(reads()).toBe(2);
  });
});
