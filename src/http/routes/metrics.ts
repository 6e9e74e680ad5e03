import type Router from '@koa/router';
import type { Registry } from 'prom-client';
import type { Logger } from 'winston';

/**
 * GET /metrics. Each metric is rendered on its own, so one whose collect()
 * throws (a driver call refused while the pool reconfigures, say) costs that
 * metric in this scrape, not the whole scrape: a failed scrape would turn
 * every alert on this pod blind at the moment something changes.
 */
export function metricsRoutes(router: Router, registry: Registry, logger: Logger): void {
  router.get('/metrics', async (ctx) => {
    const parts: string[] = [];
    for (const metric of registry.getMetricsAsArray()) {
      const name = (metric as { name: string }).name;
      try {
        parts.push(await registry.getSingleMetricAsString(name));
      } catch (error) {
        logger.warn(`Metric ${name} left out of this scrape: its collection failed`, {
          event: 'metric_collect_failed',
          metric: name,
          error: String((error as Error)?.message ?? error),
        });
      }
    }
    ctx.set('Content-Type', registry.contentType);
    // The same layout as registry.metrics().
    ctx.body = `${parts.join('\n\n')}\n`;
  });
}
