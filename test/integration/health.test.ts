import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../support/processes.js';
import { startService, type ServiceProcess } from '../support/processes.js';
import { dbEnv, getJson, metricValue, startDatabase, type DatabaseTarget, waitUntilReady } from '../support/database-target.js';

describe('the service against the database, through the real driver', () => {
  let db: DatabaseTarget;
  let service: ServiceProcess;

  beforeAll(async () => {
    db = await startDatabase();
    service = await startService({ ...dbEnv(db), DB_POOL_MIN: '2', DB_POOL_MAX: '4', SHUTDOWN_DELAY_SECONDS: '0' });
    await waitUntilReady(service!);
  });
  afterAll(async () => {
    await service?.stop();
    await db?.close();
  });

  it('answers /api/health 200 with a real round-trip and the pool figures', async () => {
    const { status, body } = await getJson(`${service.url}/api/health`);
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.database).toMatchObject({ reachable: true });
    expect((body.database as { roundTripMs: number }).roundTripMs).toBeGreaterThanOrEqual(0);
    expect(body.pool).toMatchObject({ min: 2, max: 4, queueTimeoutSeconds: 30, queueMax: 1000 });
    const pool = body.pool as { open: number; inUse: number; idle: number };
    expect(pool.open).toBeGreaterThanOrEqual(1);
    expect(pool.inUse + pool.idle).toBe(pool.open);
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof body.uptimeSeconds).toBe('number');
  });

  it('logs the pool size at startup, once', () => {
    const lines = service.logs().filter((e) => e.event === 'pool_initialized');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.message).toMatch(/^Database pool initialized: min=2 max=4 increment=1 queueTimeout=30s queueMax=1000 recycle=3600s/);
  });

  it('counts borrows and requests in /metrics as they happen', async () => {
    const before = await (await fetch(`${service.url}/metrics`)).text();
    const n = 7;
    for (let i = 0; i < n; i++) expect((await fetch(`${service.url}/api/health`)).status).toBe(200);
    const after = await (await fetch(`${service.url}/metrics`)).text();
    const requests = (text: string) => metricValue(text, 'orapool_pool_connection_requests_total') ?? 0;
    expect(requests(after) - requests(before)).toBeGreaterThanOrEqual(n);
    const series = 'orapool_http_request_duration_seconds_count{route="/api/health",method="GET",status="200"}';
    expect((metricValue(after, series) ?? 0) - (metricValue(before, series) ?? 0)).toBe(n);
    expect(metricValue(after, 'orapool_pool_up')).toBe(1);
    expect(metricValue(after, 'orapool_database_up')).toBe(1);
    expect(metricValue(after, 'orapool_pool_max_connections')).toBe(4);
    expect(metricValue(after, 'orapool_pool_connections_in_use')).toBe(0);
  });

  it('keeps the password out of every output: logs, health, metrics', async () => {
    const health = await (await fetch(`${service.url}/api/health`)).text();
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    for (const output of [service.lines.join('\n'), health, metrics]) expect(output).not.toContain(db.password);
  });

  it('documents in docs/operations.md every orapool metric it exposes, and no other', async () => {
    const exposition = await (await fetch(`${service.url}/metrics`)).text();
    const exposed = new Set([...exposition.matchAll(/^# HELP (orapool_\w+)/gm)].map((m) => m[1]));
    const operations = readFileSync(`${projectRoot}docs/operations.md`, 'utf8');
    const metricsSection = operations.slice(operations.indexOf('## Metrics'), operations.indexOf('## Dashboard'));
    const documented = new Set([...metricsSection.matchAll(/^\| `(orapool_\w+)/gm)].map((m) => m[1]));
    expect(exposed.size).toBeGreaterThan(20);
    expect([...exposed].filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !exposed.has(name))).toEqual([]);
  });
});
