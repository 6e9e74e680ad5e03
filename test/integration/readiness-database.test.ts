import { describe, expect, it } from 'vitest';
import { startService, type ServiceProcess } from '../support/processes.js';
import { dbEnv, FREEZE_ENV, getJson, metricValue, needsSimulatorReason, realOracle, startDatabase, waitUntilReady } from '../support/database-target.js';
import { stackPerTest } from '../support/stack.js';

/**
 * READINESS_DATABASE through the running service, the real driver and its
 * pool, against the simulator's freeze (a hung database every replica
 * shares). The background probe finds it down and opens the breaker; what
 * /readyz answers then is the setting's whole point.
 */
const TEST_TIMEOUT_MS = 45_000;

async function startFrozen(stack: ReturnType<typeof stackPerTest>, readiness: Record<string, string>): Promise<ServiceProcess> {
  const db = (stack.db = await startDatabase());
  const service = (stack.service = await startService({
    ...dbEnv(db),
    ...readiness,
    DB_POOL_MIN: '1',
    DB_POOL_MAX: '2',
    // Only the breaker can answer a request while frozen within the test.
    ...FREEZE_ENV,
    DB_PROBE_INTERVAL: '1',
    DB_BREAKER_OPEN_SECONDS: '3',
    SHUTDOWN_DELAY_SECONDS: '0',
  }));
  await waitUntilReady(service);
  db.sim!.faults.freeze();
  await service.waitForLog((e) => e.event === 'breaker_opened' && e.by === 'probe', 20_000);
  return service;
}

async function metrics(service: ServiceProcess): Promise<string> {
  return (await fetch(`${service.url}/metrics`)).text();
}

describe.skipIf(realOracle)(`READINESS_DATABASE under a frozen database (${realOracle ? needsSimulatorReason : 'simulator'})`, () => {
  const stack = stackPerTest();

  it(
    'startup: /readyz stays 200 and reports the database down, while /api/health answers 503 DATABASE_UNAVAILABLE with Retry-After at once',
    async () => {
      const service = await startFrozen(stack, { READINESS_DATABASE: 'startup' });

      const readyz = await getJson(`${service.url}/readyz`);
      expect(readyz.status).toBe(200);
      expect(readyz.body).toMatchObject({ status: 'ready', database: { up: false, lastError: 'NJS-123' } });
      expect(readyz.body.notes).toEqual(['last database round-trip failed (NJS-123)']);

      const health = await getJson(`${service.url}/api/health`);
      expect(health.status).toBe(503);
      expect(health.body.error).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
      expect(health.body).toMatchObject({ status: 'unavailable', reason: 'last database round-trip failed (NJS-123)' });
      expect(Number(health.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

      // The metrics still say the database is down (the alerts read them); the replica says it is ready.
      const exposition = await metrics(service);
      expect(metricValue(exposition, 'orapool_database_up')).toBe(0);
      expect(metricValue(exposition, 'orapool_database_breaker_state')).toBe(1);
      expect(metricValue(exposition, 'orapool_ready')).toBe(1);

      stack.db!.sim!.faults.unfreeze();
      await service.waitForLog((e) => e.event === 'breaker_closed', 30_000);
      const thawed = await getJson(`${service.url}/readyz`);
      expect(thawed).toMatchObject({ status: 200, body: { status: 'ready' } });
      expect(thawed.body.notes).toBeUndefined();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'required (the default): /readyz turns 503 naming the failed round-trip',
    async () => {
      const service = await startFrozen(stack, {});

      const readyz = await getJson(`${service.url}/readyz`);
      expect(readyz.status).toBe(503);
      expect(readyz.body).toMatchObject({ status: 'not_ready', reasons: ['last database round-trip failed (NJS-123)'] });
      expect((await getJson(`${service.url}/api/health`)).body.error).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
      expect(metricValue(await metrics(service), 'orapool_ready')).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );
});
