import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '@orapool/oracle-sim';
import { freePort, startService, type ServiceProcess } from '../support/processes.js';
import { dbEnv, getJson, metricValue, needsSimulatorReason, realOracle, startDatabase, waitFor, type DatabaseTarget, waitUntilReady } from '../support/database-target.js';

/** Database outages and session churn, injected with the simulator's faults. */
describe.skipIf(realOracle)(`resilience (${realOracle ? needsSimulatorReason : 'simulator'})`, () => {
  let db: DatabaseTarget | undefined;
  let service: ServiceProcess | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    await service?.stop('SIGKILL');
    await db?.close();
    for (const cleanup of cleanups.splice(0)) await cleanup();
    service = undefined;
    db = undefined;
  });

  it('stays up and not ready while the database is down at startup, then becomes ready without a restart', async () => {
    const port = await freePort();
    service = await startService({
      DB_USER: 'orapool',
      DB_PASSWORD: 'orapool-sim',
      DB_CONNECT_STRING: `127.0.0.1:${port}/FREEPDB1`,
      DB_RETRY_MAX_DELAY: '1',
      SHUTDOWN_DELAY_SECONDS: '0',
    });
    await service.waitForLog((e) => e.event === 'pool_create_retry');
    expect((await fetch(`${service.url}/livez`)).status).toBe(200);
    const readyz = await getJson(`${service.url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(readyz.body.reasons).toContain('database pool not initialized (last attempt: NJS-503)');
    const health = await getJson(`${service.url}/api/health`);
    expect(health.status).toBe(503);
    expect(health.body.error).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(health.body.reason).toBeTruthy();
    expect(health.headers.get('retry-after')).not.toBeNull();
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metricValue(metrics, 'orapool_pool_up')).toBe(0);
    expect(metricValue(metrics, 'orapool_pool_max_connections')).toBe(40);

    const sim = await startSimulator({ port });
    cleanups.push(() => sim.close());
    await waitFor('ready after the database came up', async () => (await fetch(`${service!.url}/readyz`)).status === 200, 15_000);
    expect((await getJson(`${service.url}/api/health`)).status).toBe(200);
    expect(service.logs().filter((e) => e.event === 'pool_create_retry').length).toBeGreaterThanOrEqual(1);
  });

  it('stops retrying when the database rejects the credentials, so failed logons cannot lock the account', async () => {
    db = await startDatabase();
    const retryMaxDelaySeconds = 1;
    service = await startService({ ...dbEnv(db), DB_PASSWORD: 'Wr0ng-Pa55word', DB_RETRY_MAX_DELAY: String(retryMaxDelaySeconds), SHUTDOWN_DELAY_SECONDS: '0' });
    const stopped = await service.waitForLog((e) => e.event === 'pool_create_stopped');
    expect(stopped.level).toBe('error');
    // The one wait for an absence (no event can say "no retry will come"): a
    // retrying service waits at most DB_RETRY_MAX_DELAY between attempts, so
    // within 2.5 x that it would have logged on again at least twice.
    await new Promise((r) => setTimeout(r, 2.5 * retryMaxDelaySeconds * 1000));
    expect(db.sim!.stats().logonFailures).toBe(1);
    expect(service.logs().filter((e) => e.event === 'pool_create_retry')).toHaveLength(0);

    expect((await fetch(`${service.url}/livez`)).status).toBe(200);
    const readyz = await getJson(`${service.url}/readyz`);
    expect(readyz.status).toBe(503);
    expect((readyz.body.reasons as string[]).join()).toMatch(/ORA-01017.*not retrying/);
    expect((await getJson(`${service.url}/api/health`)).status).toBe(503);
    expect(service.lines.join('\n')).not.toContain('Wr0ng-Pa55word');
  });

  it('survives every session being killed mid-load: clean 503s at worst, then recovery with no leaked connections', async () => {
    db = await startDatabase({ statementLatency: 20 });
    service = await startService({ ...dbEnv(db), DB_POOL_MIN: '4', DB_POOL_MAX: '8', SHUTDOWN_DELAY_SECONDS: '0' });
    await waitUntilReady(service!);

    const statuses: number[] = [];
    let killed = 0;
    const worker = async () => {
      for (let i = 0; i < 30; i++) {
        const response = await fetch(`${service!.url}/api/health`);
        await response.arrayBuffer();
        statuses.push(response.status);
      }
    };
    const load = Promise.all(Array.from({ length: 16 }, worker));
    await waitFor('load under way', () => statuses.length > 60 || undefined);
    killed = db.sim!.faults.killSessions();
    await load;
    expect(killed).toBeGreaterThan(0);
    expect(statuses).toHaveLength(480);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(service.child.exitCode).toBeNull();

    await waitFor('healthy again', async () => (await fetch(`${service!.url}/api/health`)).status === 200);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metricValue(metrics, 'orapool_pool_connections_in_use')).toBe(0);
    expect(metricValue(metrics, 'orapool_pool_requests_waiting')).toBe(0);
  });

  it('replaces sessions older than DB_POOL_RECYCLE without failing a request', async () => {
    db = await startDatabase({ statementLatency: 5 });
    service = await startService({ ...dbEnv(db), DB_POOL_MIN: '2', DB_POOL_MAX: '2', DB_POOL_RECYCLE: '1', SHUTDOWN_DELAY_SECONDS: '0' });
    await waitUntilReady(service!);
    const logonsBefore = db.sim!.stats().logons;
    const statuses: number[] = [];
    // Requests back to back until the pool has replaced both sessions (due
    // 1 s after their logon); the deadline only stops a broken recycle.
    const deadline = Date.now() + 15_000;
    while (db.sim!.stats().logons - logonsBefore < 2 && Date.now() < deadline) {
      statuses.push((await fetch(`${service.url}/api/health`)).status);
    }
    expect(db.sim!.stats().logons - logonsBefore).toBeGreaterThanOrEqual(2);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });
});
