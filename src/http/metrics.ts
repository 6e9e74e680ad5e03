import { Gauge, type Registry } from 'prom-client';
import { FastHistogram, type HistogramCell } from '../metrics/fast-histogram.js';
import { routeOf } from './request-log.js';
import type { RequestObserver } from './request-observer.js';

/**
 * Request duration by route template, method and status. Raw paths never
 * become labels: a scanner hitting random URLs would otherwise create a
 * series per URL (they all count as route="unmatched"). Observed on the
 * request log's frame (request-observer.ts).
 */
export function httpMetrics(registry: Registry): RequestObserver {
  const duration = new FastHistogram({
    name: 'orapool_http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by route template, method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  // A plain count, read at scrape time: a Gauge's inc()/dec() hash their (empty) labels on every call.
  let inFlight = 0;
  new Gauge({
    name: 'orapool_http_requests_in_flight',
    help: 'HTTP requests being served now.',
    registers: [registry],
    collect() {
      this.set(inFlight);
    },
  });
  // One cell per label combination, found by a string key; the last one found is kept
  // beside it, since nearly every request has the labels of the one before (no key to build).
  const cells = new Map<string, HistogramCell>();
  let last = { route: '', method: '', status: 0, cell: undefined as HistogramCell | undefined };
  const cell = (route: string, method: string, status: number): HistogramCell => {
    if (last.cell && last.route === route && last.method === method && last.status === status) return last.cell;
    const key = `${route} ${method} ${status}`;
    let found = cells.get(key);
    if (!found) {
      found = duration.labels(route, method, String(status));
      cells.set(key, found);
    }
    last = { route, method, status, cell: found };
    return found;
  };
  return {
    started: () => {
      inFlight += 1;
    },
    finished: (ctx, seconds) => {
      inFlight -= 1;
      cell(routeOf(ctx), ctx.method, ctx.status).observe(seconds);
    },
  };
}
