import Router from '@koa/router';
import Koa from 'koa';
import { Gauge } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { metricsRoutes } from '../../../src/http/routes/metrics.js';
import { createRegistry } from '../../../src/metrics/registry.js';
import { listenEphemeral, type TestServer } from '../support/http.js';
import { memoryLogger } from '../support/memory-logger.js';

describe('GET /metrics when one collect() throws (a driver call refused while the pool reconfigures)', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers 200 with every other metric, leaves the failing one out and logs it', async () => {
    const registry = createRegistry('1.0.0-test');
    let failing = true;
    new Gauge({
      name: 'orapool_test_fragile',
      help: 'Throws while failing is set.',
      registers: [registry],
      collect() {
        if (failing) throw new Error('NJS-xxx: pool is reconfiguring');
        this.set(7);
      },
    });
    new Gauge({ name: 'orapool_test_steady', help: 'Always 3.', registers: [registry] }).set(3);
    const log = memoryLogger('debug');
    const router = new Router();
    metricsRoutes(router, registry, log.logger);
    const app = new Koa();
    app.use(router.routes());
    server = await listenEphemeral(app.callback());

    const during = await fetch(`${server.url}/metrics`);
    expect(during.status).toBe(200);
    const text = await during.text();
    expect(text).toContain('\norapool_test_steady 3\n');
    expect(text).toContain('orapool_build_info{');
    expect(text).not.toContain('orapool_test_fragile');
    await log.flush();
    expect(log.events('metric_collect_failed')).toEqual([expect.objectContaining({ level: 'warn', metric: 'orapool_test_fragile' })]);

    failing = false;
    const after = await (await fetch(`${server.url}/metrics`)).text();
    expect(after).toContain('\norapool_test_fragile 7\n');
    // The same exposition layout as prom-client's own registry.metrics(): the same metrics, HELP and
    // TYPE, in the same order. Not series by series: process metrics gain series between two scrapes
    // (a GC of a new kind, a new event-loop bucket), most of all on a busy machine.
    const layout = (t: string) => t.split('\n').filter((l) => l.startsWith('#'));
    expect(layout(after)).toEqual(layout(await registry.metrics()));
  });
});
