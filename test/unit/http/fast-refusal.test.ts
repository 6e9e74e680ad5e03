import type { RequestListener } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { breakerOpenError } from '../../../src/db/breaker-database.js';
import { poolClosedError, queueFullError } from '../../../src/db/queue-errors.js';
import { withFastRefusal } from '../../../src/http/fast-refusal.js';
import { healthRefusalBody } from '../../../src/http/routes/health-refusal-body.js';
import { retryAfterSpread } from '../../../src/http/retry-after.js';
import { start, VERSION } from '../support/app-harness.js';
import { FakeDatabase } from '../support/fake-database.js';
import { listenEphemeral, type TestServer } from '../support/http.js';
import { memoryLogger } from '../support/memory-logger.js';
import { Readiness } from '../../../src/health/readiness.js';

// The door (fast-refusal.ts) must say exactly what Koa's route and error
// handler say for the same refusal: the Koa app alone is the reference.

const refusals = {
  'a full queue': () => queueFullError(50),
  'an open circuit breaker': () => breakerOpenError(4),
  'a pool refusing waits while shutting down': () => poolClosedError(),
};

/** Everything a client can see of an answer, minus what differs by nature (time, uptime). */
async function answer(url: string, requestId: string) {
  const response = await fetch(`${url}/api/health`, { headers: { 'X-Request-Id': requestId } });
  const text = await response.text();
  // Content-Length is checked against the body, not compared: the uptime in the body may differ by a digit.
  expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
  const body = JSON.parse(text) as Record<string, unknown>;
  const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== 'date' && name !== 'content-length'));
  return { status: response.status, headers, body: { ...body, uptimeSeconds: typeof body.uptimeSeconds } };
}

describe('the door: refusals answered before Koa', () => {
  for (const [name, refusal] of Object.entries(refusals)) {
    it(`answers ${name} with the status, headers and body the route gives`, async () => {
      const door = await start({ listener: 'server', retryAfterJitter: 0 });
      const koa = await start({ listener: 'koa', retryAfterJitter: 0 });
      door.db.refusalValue = refusal();
      koa.db.refusalValue = refusal();
      const viaDoor = await answer(door.url, 'req-door-1');
      const viaKoa = await answer(koa.url, 'req-door-1');
      expect(viaKoa.status).toBe(503);
      expect(viaKoa.headers['retry-after']).toMatch(/^\d+$/);
      expect(viaDoor).toEqual(viaKoa);
    });
  }

  it('writes the same request log line and HTTP metrics as the Koa path, once per refusal', async () => {
    const door = await start({ listener: 'server', logLevel: 'info' });
    door.db.refusalValue = queueFullError(50);
    const response = await door.get('/api/health', { 'X-Request-Id': 'trace-42' });
    expect(response.status).toBe(503);
    const lines = door.log.events('request');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', message: 'GET /api/health 503', method: 'GET', route: '/api/health', status: 503, requestId: 'trace-42', errorCode: 'POOL_QUEUE_FULL' }),
    ]);
    const text = await door.registry.metrics();
    expect(text).toContain('orapool_http_request_duration_seconds_count{route="/api/health",method="GET",status="503"} 1');
    expect(text).toMatch(/^orapool_http_requests_in_flight 0$/m);
  });

  it('tells a keep-alive client to reconnect elsewhere while the service drains', async () => {
    const door = await start({ listener: 'server' });
    door.db.refusalValue = queueFullError(50);
    door.readiness.markShuttingDown();
    const response = await door.get('/api/health');
    expect(response.status).toBe(503);
    expect(response.headers.get('connection')).toBe('close');
  });
});

describe('what the door leaves to Koa', () => {
  let servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  async function doorWithSpy(refusal: Error | undefined, body = healthRefusalBody(bodyDeps())) {
    const db = new FakeDatabase();
    db.refusalValue = refusal;
    const log = memoryLogger('info');
    const koaCalls: string[] = [];
    const koa: RequestListener = (req, res) => {
      koaCalls.push(`${req.method} ${req.url}`);
      res.writeHead(299).end();
    };
    const listener = withFastRefusal({ db, logger: log.logger, observers: [], body, retryAfterSeconds: () => 3, retryAfter: retryAfterSpread(0) }, koa);
    const server = await listenEphemeral(listener);
    servers.push(server);
    return { url: server.url, koaCalls, log };
  }

  it('answers the refusal itself for GET /api/health, with or without a query string', async () => {
    const { url, koaCalls } = await doorWithSpy(queueFullError(50));
    expect((await fetch(`${url}/api/health`)).status).toBe(503);
    const withQuery = await fetch(`${url}/api/health?verbose=1`);
    expect(withQuery.status).toBe(503);
    expect(withQuery.headers.get('retry-after')).toBe('3');
    expect(koaCalls).toEqual([]);
  });

  it('passes on every request the database layer does not refuse', async () => {
    const { url, koaCalls } = await doorWithSpy(undefined);
    expect((await fetch(`${url}/api/health`)).status).toBe(299);
    expect(koaCalls).toEqual(['GET /api/health']);
  });

  it('passes on other methods, other paths and other spellings of the path, even while refusing', async () => {
    const { url, koaCalls } = await doorWithSpy(queueFullError(50));
    for (const [method, path] of [['HEAD', '/api/health'], ['POST', '/api/health'], ['GET', '/api/health/'], ['GET', '/API/HEALTH'], ['GET', '/api/healthz'], ['GET', '/readyz']]) {
      expect((await fetch(`${url}${path}`, { method })).status).toBe(299);
    }
    expect(koaCalls).toEqual(['HEAD /api/health', 'POST /api/health', 'GET /api/health/', 'GET /API/HEALTH', 'GET /api/healthz', 'GET /readyz']);
  });

  it('logs a failure of its own and lets Koa answer, instead of taking the process down', async () => {
    const broken = () => {
      throw new Error('body exploded');
    };
    const { url, koaCalls, log } = await doorWithSpy(queueFullError(50), broken);
    expect((await fetch(`${url}/api/health`)).status).toBe(299);
    expect(koaCalls).toEqual(['GET /api/health']);
    expect(log.events('unhandled_error')).toEqual([expect.objectContaining({ level: 'error', message: 'Unhandled error', error: expect.objectContaining({ message: 'body exploded' }) })]);
  });
});

function bodyDeps() {
  const db = new FakeDatabase();
  return { db, readiness: new Readiness({ poolCreated: () => db.created, maxSuccessAgeSeconds: 60 }), version: VERSION, startedAtMs: Date.now(), serverMode: { serverType: 'dedicated' as const } };
}
