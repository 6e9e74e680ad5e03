import Router from '@koa/router';
import Koa from 'koa';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { httpMetrics } from '../../../src/http/metrics.js';
import { requestLog } from '../../../src/http/request-log.js';
import { listenEphemeral, type TestServer } from '../support/http.js';
import { memoryLogger } from '../support/memory-logger.js';

/** A route that takes 30 ms, behind the request log and the HTTP metrics: both must report that time in their own unit. */
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start() {
  const log = memoryLogger('debug');
  const registry = new Registry();
  const app = new Koa();
  app.use(requestLog(log.logger, [httpMetrics(registry)]));
  const router = new Router();
  router.get('/slow', async (ctx) => {
    await new Promise((resolve) => setTimeout(resolve, 30));
    ctx.body = { ok: true };
  });
  app.use(router.routes());
  server = await listenEphemeral(app.callback());
  return { url: server.url, log, registry };
}

describe('request durations', () => {
  it('the request log line gives the duration in milliseconds', async () => {
    const { url, log } = await start();
    await (await fetch(`${url}/slow`)).text();
    await log.flush();
    const [line] = log.events('request');
    expect(line).toMatchObject({ message: 'GET /slow 200', route: '/slow', status: 200 });
    expect(line!.durationMs).toBeGreaterThanOrEqual(25);
    expect(line!.durationMs).toBeLessThan(5000);
  });

  it('the duration histogram observes seconds, under the route template, and counts requests in flight', async () => {
    const { url, registry } = await start();
    await (await fetch(`${url}/slow`)).text();
    await (await fetch(`${url}/slow`)).text();
    const text = await registry.metrics();
    const value = (series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1]);
    expect(value('orapool_http_request_duration_seconds_count{route="/slow",method="GET",status="200"}')).toBe(2);
    const sum = value('orapool_http_request_duration_seconds_sum{route="/slow",method="GET",status="200"}');
    expect(sum).toBeGreaterThanOrEqual(0.05);
    expect(sum).toBeLessThan(10);
    // 30 ms falls in the 0.05 s bucket, not the 0.025 s one.
    expect(value('orapool_http_request_duration_seconds_bucket{le="0.025",route="/slow",method="GET",status="200"}')).toBe(0);
    expect(value('orapool_http_requests_in_flight')).toBe(0);
  });
});
