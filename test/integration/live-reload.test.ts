/**
 * Live reload end to end: the built service (node dist/main.js) with
 * CONFIG_DIR laid out as the kubelet writes a ConfigMap volume, the real
 * driver, the simulator counting the sessions it sees. Requests are held in
 * flight by the simulator's statement latency; nothing here asserts a
 * duration, only what the database and the clients see.
 */
import { describe, expect, it } from 'vitest';
import { configMapVolume } from '../support/configmap-volume.js';
import { dbEnv, getJson, metricValue, needsSimulatorReason, realOracle, startDatabase, waitFor, waitUntilReady } from '../support/database-target.js';
import { startService } from '../support/processes.js';
import { stackPerTest } from '../support/stack.js';

describe.skipIf(realOracle)(`live reload through CONFIG_DIR (${realOracle ? needsSimulatorReason : 'simulator'})`, () => {
  const stack = stackPerTest();

  it('resizes the running pool: idle sessions close at once, in-flight requests finish, sessions fall to the new max; a raise lets more run', async () => {
    const db = (stack.db = await startDatabase());
    const sim = db.sim!;
    const volume = configMapVolume({ DB_POOL_MIN: '6', DB_POOL_MAX: '6' });
    try {
      const service = (stack.service = await startService({
        ...dbEnv(db),
        CONFIG_DIR: volume.dir,
        DB_CALL_TIMEOUT: '30',
        DB_POOL_IDLE_TIMEOUT: '0',
        ADMISSION_CONTROL: 'false',
        // One probe at start only: a probe borrowing mid-test would blur the session counts.
        DB_PROBE_INTERVAL: '3600',
      }));
      await waitUntilReady(service);
      await waitFor('DB_POOL_MIN sessions', () => sim.stats().sessionsOpen === 6);
      const active = () => sim.sessions().filter((s) => s.status === 'ACTIVE').length;

      // Scrapes and readiness go on throughout, and must never fail because of a resize.
      const probeStatuses: number[] = [];
      let scraping = true;
      const scraper = (async () => {
        while (scraping) {
          for (const path of ['/metrics', '/readyz']) probeStatuses.push((await fetch(`${service.url}${path}`)).status);
        }
      })();

      sim.faults.setStatementLatency(3000);
      let settled = 0;
      const inFlight = Array.from({ length: 3 }, () => getJson(`${service.url}/api/health`).finally(() => settled++));
      await waitFor('three requests running on the database', () => active() === 3);

      volume.update({ DB_POOL_MIN: '0', DB_POOL_MAX: '2' });
      const reloaded = await service.waitForLog((e) => e.event === 'config_reloaded');
      expect(reloaded).toMatchObject({ generation: 2, changed: ['DB_POOL_MIN', 'DB_POOL_MAX'] });
      const resized = await service.waitForLog((e) => e.event === 'pool_resized');
      expect(resized.message).toMatch(/^Database pool resized: min=0 max=2 /);
      // The three idle sessions go at once; the three busy ones stay with their requests.
      await waitFor('the idle sessions to log off', () => sim.stats().sessionsOpen === 3);
      expect(settled).toBe(0);

      const answers = await Promise.all(inFlight);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      await waitFor('sessions down to the new max', () => sim.stats().sessionsOpen === 2);
      let metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metricValue(metrics, 'orapool_pool_max_connections')).toBe(2);
      expect(metricValue(metrics, 'orapool_config_generation')).toBe(2);
      expect(metricValue(metrics, 'orapool_config_reloads_total{result="applied"}')).toBe(1);

      // Raised: five run at once.
      volume.update({ DB_POOL_MIN: '0', DB_POOL_MAX: '5' });
      await service.waitForLog((e) => e.event === 'config_reloaded' && e.generation === 3);
      const five = Array.from({ length: 5 }, () => getJson(`${service.url}/api/health`));
      await waitFor('five requests running on the database', () => active() === 5);
      expect((await Promise.all(five)).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);

      scraping = false;
      await scraper;
      expect(probeStatuses.length).toBeGreaterThan(0);
      expect(new Set(probeStatuses)).toEqual(new Set([200]));
      metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metricValue(metrics, 'orapool_pool_max_connections')).toBe(5);
    } finally {
      volume.remove();
    }
  });

  it('rejects an invalid change whole and counts it; reports a setting that needs a restart; the running configuration stays', async () => {
    const db = (stack.db = await startDatabase());
    const volume = configMapVolume({ DB_POOL_MAX: '4' });
    try {
      const service = (stack.service = await startService({ ...dbEnv(db), CONFIG_DIR: volume.dir, DB_POOL_MIN: '1' }));
      await waitUntilReady(service);

      volume.update({ DB_POOL_MAX: '3', DB_POOL_MIN: '9', PORT: 'eighty' });
      const rejected = await service.waitForLog((e) => e.event === 'config_reload_rejected');
      expect((rejected.problems as Array<{ variable: string }>).map((p) => p.variable).sort()).toEqual(['DB_POOL_MIN', 'PORT']);
      let metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metricValue(metrics, 'orapool_config_reloads_total{result="rejected"}')).toBe(1);
      expect(metricValue(metrics, 'orapool_config_generation')).toBe(1);
      // DB_POOL_MAX=3 was valid on its own, but nothing of a rejected change applies.
      expect(metricValue(metrics, 'orapool_pool_max_connections')).toBe(4);
      expect((await getJson(`${service.url}/api/health`)).status).toBe(200);

      volume.update({ DB_POOL_MAX: '3', DB_CALL_TIMEOUT: '9' });
      const restart = await service.waitForLog((e) => e.event === 'config_restart_required');
      expect(restart.keys).toEqual(['DB_CALL_TIMEOUT']);
      await service.waitForLog((e) => e.event === 'config_reloaded' && e.generation === 2);
      metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metricValue(metrics, 'orapool_pool_max_connections')).toBe(3);
      expect(metricValue(metrics, 'orapool_config_reloads_total{result="restart_required"}')).toBe(1);

      // orapool's own live settings: LOG_LEVEL=debug logs the probe requests, which info does not.
      const readyzLines = () => service.logs().filter((e) => e.event === 'request' && e.route === '/readyz').length;
      await fetch(`${service.url}/readyz`);
      expect(readyzLines()).toBe(0);
      volume.update({ DB_POOL_MAX: '3', DB_CALL_TIMEOUT: '9', LOG_LEVEL: 'debug' });
      await service.waitForLog((e) => e.event === 'config_reloaded' && e.generation === 3);
      await fetch(`${service.url}/readyz`);
      await waitFor('a /readyz request line at debug', () => readyzLines() > 0);
    } finally {
      volume.remove();
    }
  });
});
