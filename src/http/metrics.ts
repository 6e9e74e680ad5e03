import type { Middleware } from 'koa';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { routeOf } from './request-log.js';

/**
 * Request duration by route template, method and status. Raw paths never
 * become labels: a scanner hitting random URLs would otherwise create a
 * series per URL (they all count as route="unmatched").
 */
export function httpMetrics(registry: Registry): Middleware {
  const duration = new Histogram({
    name: 'orapool_http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by route template, method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const inFlight = new Gauge({ name: 'orapool_http_requests_in_flight', help: 'HTTP requests being served now.', registers: [registry] });
  // One child per label combination, found by a string key: prom-client
  // would otherwise hash the label object on every observation.
  const children = new Map<string, ReturnType<typeof duration.labels>>();
  const child = (route: string, method: string, status: number) => {
    const key = `${route} ${method} ${status}`;
    let found = children.get(key);
    if (!found) {
      found = duration.labels(route, method, String(status));
      children.set(key, found);
    }
    return found;
  };
  return async (ctx, next) => {
    const start = process.hrtime.bigint();
    inFlight.inc();
    try {
      await next();
    } finally {
      inFlight.dec();
      child(routeOf(ctx), ctx.method, ctx.status).observe(Number(process.hrtime.bigint() - start) / 1e9);
    }
  };
}
