import { describe, expect, it } from 'vitest';
import { createPoolObserver, registerPoolGauges } from '../../../src/db/pool-metrics.js';
import { createRegistry } from '../../../src/metrics/registry.js';
import { FakeDatabase } from '../support/fake-database.js';

describe('createRegistry', () => {
  it('uses its own registry with build info and the default process metrics', async () => {
    const registry = createRegistry('1.2.3');
    const text = await registry.metrics();
    expect(text).toContain(`orapool_build_info{version="1.2.3",node_version="${process.version}"} 1`);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
  });

  it('keeps two registries apart, so two apps in one process never share series', () => {
    const a = createRegistry('1.0.0');
    const b = createRegistry('2.0.0');
    createPoolObserver(a);
    registerPoolGauges(a, new FakeDatabase());
    expect(() => {
      createPoolObserver(b);
      registerPoolGauges(b, new FakeDatabase());
    }).not.toThrow();
  });
});
