import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastHistogram } from '../../../src/metrics/fast-histogram.js';

const buckets = [0.001, 0.005, 0.01, 0.1, 1];
const values = [0, 0.0005, 0.001, 0.0011, 0.005, 0.05, 0.5, 1, 2, 100];

/** The same observations through prom-client's Histogram and ours, each in its own registry. */
function both(labelNames: string[]) {
  const promRegistry = new Registry();
  const fastRegistry = new Registry();
  const prom = new Histogram({ name: 'x_seconds', help: 'Some seconds.', labelNames, buckets, registers: [promRegistry] });
  const fast = new FastHistogram({ name: 'x_seconds', help: 'Some seconds.', labelNames, buckets, registers: [fastRegistry] });
  return { prom, fast, promRegistry, fastRegistry };
}

describe('FastHistogram', () => {
  it("exposes exactly what prom-client's Histogram exposes for the same observations, unlabelled", async () => {
    const { prom, fast, promRegistry, fastRegistry } = both([]);
    for (const v of values) {
      prom.observe(v);
      fast.observe(v);
    }
    expect(await fastRegistry.metrics()).toBe(await promRegistry.metrics());
    expect(await fastRegistry.metrics()).toContain('x_seconds_bucket{le="0.005"} 5');
  });

  it('exposes the same series per label combination, with labels in any observation order', async () => {
    const { prom, fast, promRegistry, fastRegistry } = both(['route', 'status']);
    const combos = [['/a', '200'], ['/b', '503'], ['/a', '503']] as const;
    values.forEach((v, i) => {
      const [route, status] = combos[i % combos.length]!;
      prom.labels(route, status).observe(v);
      fast.labels(route, status).observe(v);
    });
    expect(await fastRegistry.metrics()).toBe(await promRegistry.metrics());
  });

  it('keeps one cell per combination, so a cell kept by the caller and one found again count together', async () => {
    const { fast, fastRegistry } = both(['route']);
    const kept = fast.labels('/a');
    kept.observe(0.002);
    fast.labels('/a').observe(0.002);
    expect(await fastRegistry.metrics()).toContain('x_seconds_count{route="/a"} 2');
  });

  it('refuses a wrong number of label values and a value that is not a number, as prom-client does', () => {
    const { fast } = both(['route']);
    expect(() => fast.labels()).toThrow(/expected 1 label values/);
    expect(() => fast.labels('/a').observe(Number.NaN)).toThrow(TypeError);
  });

  it('forgets every observation on reset', async () => {
    const { fast, fastRegistry } = both([]);
    fast.observe(0.5);
    fast.reset();
    expect(await fastRegistry.metrics()).not.toContain('x_seconds_count');
  });
});
