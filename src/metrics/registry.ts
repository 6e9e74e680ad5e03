import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/**
 * Our own registry (never prom-client's global one), so tests and several
 * apps in one process never share series. Default process and Node metrics
 * keep their standard unprefixed names (process_*, nodejs_*), which
 * dashboards everywhere expect.
 */
export function createRegistry(version: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const info = new Gauge({
    name: 'orapool_build_info',
    help: 'Always 1; the labels say which orapool and Node.js are running.',
    labelNames: ['version', 'node_version'],
    registers: [registry],
  });
  info.set({ version, node_version: process.version }, 1);
  return registry;
}
