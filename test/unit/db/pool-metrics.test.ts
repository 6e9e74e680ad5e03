import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createPoolObserver, registerPoolGauges } from '../../../src/db/pool-metrics.js';
import { FakeDatabase } from '../support/fake-database.js';

/** One sample from the exposition text: the series named `name` whose labels include `labels`. */
async function sample(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  for (const line of (await registry.metrics()).split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] ?? '';
    if (Object.entries(labels).every(([k, want]) => have.includes(`${k}="${want}"`))) return Number(match[3]);
  }
  return undefined;
}

function setup() {
  const registry = new Registry();
  const db = new FakeDatabase();
  const observer = createPoolObserver(registry);
  registerPoolGauges(registry, db);
  return { registry, db, observer };
}

describe('pool metrics', () => {
  it('exports every acquire failure cause at 0 from the start', async () => {
    const { registry } = setup();
    for (const cause of ['queue_timeout', 'queue_full', 'database_unavailable', 'pool_closed', 'other']) {
      expect(await sample(registry, 'orapool_pool_acquire_failures_total', { cause })).toBe(0);
    }
  });

  it('counts a queue timeout as an acquire failure and as a queue timeout, and nothing else', async () => {
    const { registry, observer } = setup();
    observer.connectionRequested();
    observer.acquireFailed('queue_timeout', 30);
    expect(await sample(registry, 'orapool_pool_connection_requests_total')).toBe(1);
    expect(await sample(registry, 'orapool_pool_acquire_failures_total', { cause: 'queue_timeout' })).toBe(1);
    expect(await sample(registry, 'orapool_pool_queue_timeouts_total')).toBe(1);
    expect(await sample(registry, 'orapool_pool_queue_full_rejections_total')).toBe(0);
    expect(await sample(registry, 'orapool_pool_acquire_duration_seconds_count')).toBe(1);
  });

  it('counts a full queue as a queue-full rejection', async () => {
    const { registry, observer } = setup();
    observer.acquireFailed('queue_full', 0);
    expect(await sample(registry, 'orapool_pool_queue_full_rejections_total')).toBe(1);
    expect(await sample(registry, 'orapool_pool_queue_timeouts_total')).toBe(0);
  });

  it('counts slow holds, create failures, and observes acquire and hold times', async () => {
    const { registry, observer } = setup();
    observer.acquired(0.002);
    observer.released(0.3);
    observer.slowHold();
    observer.createFailed();
    observer.createFailed();
    expect(await sample(registry, 'orapool_pool_slow_holds_total')).toBe(1);
    expect(await sample(registry, 'orapool_pool_create_failures_total')).toBe(2);
    expect(await sample(registry, 'orapool_pool_connection_hold_seconds_sum')).toBeCloseTo(0.3);
    expect(await sample(registry, 'orapool_pool_acquire_duration_seconds_bucket', { le: '0.0025' })).toBe(1);
  });

  it('reads the pool gauges and pool_up at scrape time', async () => {
    const { registry, db } = setup();
    db.figuresValue = { ...db.figuresValue, open: 9, inUse: 8, idle: 1, waiting: 3 };
    const text = await registry.metrics();
    expect(text).toMatch(/^orapool_pool_connections_open 9$/m);
    expect(text).toMatch(/^orapool_pool_connections_in_use 8$/m);
    expect(text).toMatch(/^orapool_pool_connections_idle 1$/m);
    expect(text).toMatch(/^orapool_pool_requests_waiting 3$/m);
    expect(text).toMatch(/^orapool_pool_up 1$/m);
    db.created = false;
    expect(await registry.metrics()).toMatch(/^orapool_pool_up 0$/m);
  });
});
