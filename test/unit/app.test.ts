import { request } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { DbError, DbErrorCode } from '../../src/db/db-error.js';
import { breakerOpenError } from '../../src/db/breaker-database.js';
import { ErrorCode } from '../../src/http/errors.js';
import { driverError } from './support/fake-database.js';
import type { ServerModeReport } from '../../src/db/connect-data.js';
import { start, VERSION } from './support/app-harness.js';

const DRIVER_DETAIL = 'host secret-db-17.corp.internal port 1521';

describe('GET /api/health', () => {
  it('answers 200 with status ok, pool figures, version and uptime after one database round-trip', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const h = await start({ startedAtMs: Date.now() - 12_345 });
    const { status, headers, body } = await h.json('/api/health');
    expect(status).toBe(200);
    // Exactly what Koa's ctx.type = 'json' writes, and what the door's refusals carry.
    expect(headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(body.status).toBe('ok');
    expect(body.database.reachable).toBe(true);
    expect(body.pool).toEqual({ open: 7, inUse: 3, idle: 4, waiting: 0, min: 5, max: 40, queueMax: 500, queueTimeoutSeconds: 30 });
    expect(body.version).toBe(VERSION);
    expect(body.uptimeSeconds).toBe(12.3);
    expect(h.db.withConnectionCalls).toBe(1);
    expect(h.db.executed).toEqual(['SELECT 1 FROM DUAL']);
    expect(h.db.borrows[0]).toMatchObject({ route: '/api/health' });
    expect(body.database).toEqual({ reachable: true, roundTripMs: expect.any(Number), serverType: 'dedicated' });
  });

  it('says the DRCP mode beside reachability, in success and in failure', async () => {
    const serverMode: ServerModeReport = { serverType: 'pooled', connectionClass: 'orapool-prod', purity: 'default', poolBoundary: 'statement' };
    const h = await start({ serverMode });
    const ok = await h.json('/api/health');
    expect(ok.body.database).toMatchObject({ reachable: true, ...serverMode });
    h.db.failWith = new DbError(DbErrorCode.DATABASE_UNAVAILABLE, 'database pool is not initialized yet');
    const failed = await h.json('/api/health');
    expect(failed.status).toBe(503);
    expect(failed.body.database).toEqual({ reachable: false, ...serverMode });
    const metrics = await (await h.get('/metrics')).text();
    expect(metrics).toContain('orapool_database_server_info{server_type="pooled",connection_class="orapool-prod",pool_boundary="statement"} 1');
  });

  it('turns readiness on after a successful round-trip', async () => {
    const h = await start();
    expect((await h.get('/readyz')).status).toBe(503);
    await h.get('/api/health');
    expect((await h.get('/readyz')).status).toBe(200);
  });

  it('returns 503 POOL_QUEUE_TIMEOUT with Retry-After when the pool queue times out (NJS-040)', async () => {
    const h = await start();
    h.db.figuresValue.waiting = 20;
    h.db.meanHold = 2; // expected wait (20 + 1) * 2 / 40 = 1.05 s, below the 30 s queue timeout
    h.db.failWith = Object.assign(new Error('NJS-040: connection request timeout. Request exceeded "queueTimeout" of 1000'), { code: 'NJS-040' });
    const { status, headers, body } = await h.json('/api/health');
    expect(status).toBe(503);
    expect(body.error.code).toBe(ErrorCode.POOL_QUEUE_TIMEOUT);
    expect(headers.get('retry-after')).toBe('2');
    expect(body.database.reachable).toBeNull();
    expect(body.pool.waiting).toBe(20);
    expect(JSON.stringify(body)).not.toContain('Request exceeded');
  });

  it('returns 503 POOL_QUEUE_FULL with Retry-After when the pool queue is full (NJS-076)', async () => {
    const h = await start();
    h.db.failWith = Object.assign(new Error('NJS-076: connection request rejected. Pool queue length "queueMax" 500 reached'), {
      code: 'NJS-076',
    });
    const { status, headers, body } = await h.json('/api/health');
    expect(status).toBe(503);
    expect(body.error.code).toBe(ErrorCode.POOL_QUEUE_FULL);
    expect(Number(headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(body)).not.toContain('queueMax" 500');
  });

  it('does not take the replica out of service when the pool is only busy', async () => {
    const h = await start();
    await h.get('/api/health');
    h.db.failWith = driverError('NJS-040', 'connection request timeout');
    expect((await h.get('/api/health')).status).toBe(503);
    expect((await h.get('/readyz')).status).toBe(200);
  });

  it('returns 503 DATABASE_TIMEOUT when the round-trip exceeds the call timeout (NJS-123), and readiness turns off', async () => {
    const h = await start();
    await h.get('/api/health');
    h.db.failWith = driverError('NJS-123', `call timeout of 5000 ms exceeded on ${DRIVER_DETAIL}`);
    const { status, headers, body } = await h.json('/api/health');
    expect(status).toBe(503);
    expect(body.error.code).toBe(ErrorCode.DATABASE_TIMEOUT);
    expect(headers.get('retry-after')).not.toBeNull();
    expect(body.database.reachable).toBe(false);
    expect(JSON.stringify(body)).not.toContain(DRIVER_DETAIL);
    expect((await h.get('/readyz')).status).toBe(503);
  });

  it('returns 503 DATABASE_UNAVAILABLE with the readiness reason when the pool is not created', async () => {
    const h = await start();
    h.db.created = false;
    h.db.failWith = new DbError(DbErrorCode.DATABASE_UNAVAILABLE, 'database pool is not initialized yet', { retryInSeconds: 15 });
    const { status, headers, body } = await h.json('/api/health');
    expect(status).toBe(503);
    expect(body.error.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
    expect(headers.get('retry-after')).toBe('15');
    expect(body.reason).toContain('database pool not initialized');
    expect(body.database.reachable).toBe(false);
    expect(JSON.stringify(body)).not.toContain('not initialized yet');
  });

  it('joins every readiness reason into the reason of a DATABASE_UNAVAILABLE answer', async () => {
    const h = await start();
    h.db.created = false;
    h.readiness.setMemoryPressure(true);
    h.db.failWith = new DbError(DbErrorCode.DATABASE_UNAVAILABLE, 'database pool is not initialized yet');
    const { body } = await h.json('/api/health');
    expect(body.status).toBe('unavailable');
    expect(body.reason).toBe('database pool not initialized; memory above MEMORY_HIGH_WATERMARK');
  });

  it('names the database failure in a DATABASE_UNAVAILABLE answer under READINESS_DATABASE=startup, where it is a note, not a reason', async () => {
    const h = await start({ databaseReadiness: 'startup' });
    h.readiness.recordSuccess(0.002);
    h.db.failWith = new DbError(DbErrorCode.DATABASE_UNAVAILABLE, 'database pool is not initialized yet');
    const { status, body } = await h.json('/api/health');
    expect(status).toBe(503);
    // The failed round-trip of this very request, recorded in readiness.
    expect(body).toMatchObject({ status: 'unavailable', reason: 'last database round-trip failed (DATABASE_UNAVAILABLE)' });
    expect((await h.json('/readyz')).status).toBe(200);
  });

  it('gives a busy pool its public message as the reason, not the readiness reasons', async () => {
    const h = await start();
    h.db.created = false;
    h.db.failWith = driverError('NJS-040', 'connection request timeout');
    const { body } = await h.json('/api/health');
    expect(body).toMatchObject({ status: 'unavailable', reason: 'All database connections stayed busy; retry later.' });
  });

  it('reports the round-trip in milliseconds', async () => {
    const h = await start();
    const borrow = h.db.withConnection.bind(h.db);
    // A database that takes 30 ms per statement.
    h.db.withConnection = (fn, context) =>
      borrow(
        (conn) =>
          fn({
            execute: async (sql, binds) => {
              await new Promise((resolve) => setTimeout(resolve, 30));
              return conn.execute(sql, binds);
            },
          }),
        context,
      );
    const { body } = await h.json('/api/health');
    expect(body.database.roundTripMs).toBeGreaterThanOrEqual(25);
    expect(body.database.roundTripMs).toBeLessThan(5000);
  });

  it('returns 503 DATABASE_UNAVAILABLE without the driver message when the database refuses (ORA-12541)', async () => {
    const h = await start();
    h.db.failWith = driverError('ORA-12541', `Cannot connect. No listener at ${DRIVER_DETAIL}.`);
    const response = await h.get('/api/health');
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(JSON.parse(text).error.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
    expect(text).not.toContain(DRIVER_DETAIL);
    expect(text).not.toContain('No listener');
  });

  it('returns 503 SHUTTING_DOWN when the pool is closing (the driver refuses a borrow with NJS-065)', async () => {
    const h = await start();
    h.db.failWith = driverError('NJS-065', 'connection pool was closed');
    const { status, headers, body } = await h.json('/api/health');
    expect(status).toBe(503);
    expect(body.error.code).toBe(ErrorCode.SHUTTING_DOWN);
    expect(body.status).toBe('unavailable');
    expect(headers.get('retry-after')).not.toBeNull();
  });

  it('answers 500 INTERNAL without the error message for an unexpected error, and logs it once', async () => {
    const h = await start();
    h.db.failWith = new Error(`TypeError-ish bug at ${DRIVER_DETAIL}`);
    const response = await h.get('/api/health');
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(JSON.parse(text).error).toEqual({ code: ErrorCode.INTERNAL, message: 'Internal error.' });
    // A bug gets no route details (pool figures, reachability) beside the error.
    expect(Object.keys(JSON.parse(text)).sort()).toEqual(['error', 'requestId']);
    expect(text).not.toContain(DRIVER_DETAIL);
    expect(response.headers.get('retry-after')).toBeNull();
    await h.log.flush();
    expect(h.log.events('unhandled_error')).toHaveLength(1);
  });

  it('sheds with 503 OVERLOADED and Retry-After before borrowing when the expected wait exceeds the queue timeout', async () => {
    const h = await start();
    h.db.figuresValue.waiting = 399;
    h.db.meanHold = 4; // (399 + 1) * 4 / 40 = 40 s > 30 s
    const { status, headers, body } = await h.json('/api/health');
    expect(status).toBe(503);
    expect(body.error.code).toBe(ErrorCode.OVERLOADED);
    expect(headers.get('retry-after')).toBe('40');
    // Shed before borrowing: nothing is known about the database.
    expect(body.database.reachable).toBeNull();
    expect(h.db.withConnectionCalls).toBe(0);
  });

  it('spreads Retry-After with RETRY_AFTER_JITTER: every whole second from the expected wait to base + ceil(base x jitter), once each', async () => {
    const h = await start({ retryAfterJitter: 0.5, random: Math.random });
    h.db.figuresValue.waiting = 399;
    h.db.meanHold = 4; // expected wait 40 s: Retry-After from 40 to 40 + ceil(20) = 60
    const answers = [];
    for (let i = 0; i < 21; i++) answers.push(await h.json('/api/health'));
    expect(answers.map((a) => a.status)).toEqual(Array(21).fill(503));
    const seconds = answers.map((a) => Number(a.headers.get('retry-after'))).sort((a, b) => a - b);
    expect(seconds).toEqual(Array.from({ length: 21 }, (_, i) => 40 + i));
  });
});

describe('GET /api/health while the circuit breaker is open', () => {
  it('answers 503 DATABASE_UNAVAILABLE with the breaker\'s Retry-After before admission control and without borrowing', async () => {
    const h = await start();
    h.db.refusalValue = breakerOpenError(4);
    // Admission control alone would shed this one as OVERLOADED.
    h.db.figuresValue.waiting = 399;
    h.db.meanHold = 4;
    const { status, headers, body } = await h.json('/api/health');
    expect(status).toBe(503);
    expect(body.error.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
    expect(headers.get('retry-after')).toBe('4');
    expect(body.database.reachable).toBe(false);
    expect(h.db.withConnectionCalls).toBe(0);
  });
});

describe('errors outside routes', () => {
  it('answers an unknown path with 404 JSON NOT_FOUND', async () => {
    const h = await start();
    const response = await h.get('/no/such/path');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(((await response.json()) as any).error.code).toBe(ErrorCode.NOT_FOUND);
  });

  it('answers POST /livez with 405 JSON METHOD_NOT_ALLOWED', async () => {
    const h = await start();
    const response = await fetch(`${h.url}/livez`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(((await response.json()) as any).error.code).toBe(ErrorCode.METHOD_NOT_ALLOWED);
  });

  it('answers POST /api/health with 405 without borrowing a connection', async () => {
    const h = await start();
    const response = await fetch(`${h.url}/api/health`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(h.db.withConnectionCalls).toBe(0);
  });

  it('a 405 names the allowed methods in an Allow header (RFC 9110 15.5.6)', async () => {
    const h = await start();
    const response = await fetch(`${h.url}/livez`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow') ?? '(no Allow header)').toContain('GET');
  });
});

describe('probes', () => {
  it('answers /livez 200 without ever calling the database', async () => {
    const h = await start();
    h.db.created = false;
    h.db.failWith = driverError('ORA-12541', 'no listener');
    for (let i = 0; i < 10; i++) {
      const { status, body } = await h.json('/livez');
      expect(status).toBe(200);
      expect(body.status).toBe('alive');
    }
    expect(h.db.withConnectionCalls).toBe(0);
  });

  it('answers /readyz 503 with reasons before any successful round-trip', async () => {
    const h = await start();
    const { status, headers, body } = await h.json('/readyz');
    expect(status).toBe(503);
    expect(body).toEqual({ status: 'not_ready', reasons: ['no recent successful database round-trip'] });
    expect(headers.get('cache-control')).toBe('no-store');
  });

  it('answers /readyz 200 after a recorded success, and 503 once shutting down', async () => {
    const h = await start();
    h.readiness.recordSuccess(0.002);
    expect(await h.json('/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    h.readiness.markShuttingDown();
    const after = await h.json('/readyz');
    expect(after.status).toBe(503);
    expect(after.body.reasons).toContain('shutting down');
  });

  it('answers /readyz 200 with the database reported down under READINESS_DATABASE=startup, and the exact body once it is up', async () => {
    const h = await start({ databaseReadiness: 'startup' });
    h.readiness.recordSuccess(0.002);
    h.readiness.recordFailure('NJS-123');
    const down = await h.json('/readyz');
    expect(down).toMatchObject({ status: 200 });
    expect(down.body).toEqual({ status: 'ready', notes: ['last database round-trip failed (NJS-123)'], database: { up: false, lastError: 'NJS-123' } });
    h.readiness.recordSuccess(0.002);
    expect((await h.json('/readyz')).body).toEqual({ status: 'ready' });
  });

  it('asks keep-alive clients to reconnect elsewhere once shutting down', async () => {
    const h = await start();
    expect((await h.get('/livez')).headers.get('connection')).not.toBe('close');
    h.readiness.markShuttingDown();
    expect((await h.get('/livez')).headers.get('connection')).toBe('close');
  });

  it('closes the keep-alive socket of a request that was already in flight when shutdown began', async () => {
    // Otherwise its idle socket keeps server.close() waiting until the drain window ends.
    const h = await start();
    let release!: () => void;
    h.db.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const inFlight = h.get('/api/health');
    await vi.waitFor(() => expect(h.db.withConnectionCalls).toBe(1));
    h.readiness.markShuttingDown();
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.headers.get('connection')).toBe('close');
  });

  it('serves 100 /readyz calls without a single withConnection call', async () => {
    const h = await start();
    h.readiness.recordSuccess(0.001);
    const statuses = await Promise.all(Array.from({ length: 100 }, () => h.get('/readyz').then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(h.db.withConnectionCalls).toBe(0);
  });
});

describe('request ids', () => {
  it('echoes a sane X-Request-Id and puts it in error bodies', async () => {
    const h = await start();
    const response = await h.get('/nowhere', { 'X-Request-Id': 'lb-trace.42:abc-DEF_9' });
    expect(response.headers.get('x-request-id')).toBe('lb-trace.42:abc-DEF_9');
    expect(((await response.json()) as any).requestId).toBe('lb-trace.42:abc-DEF_9');
  });

  it('generates a request id when none is sent, different for each request', async () => {
    const h = await start();
    const first = (await h.get('/livez')).headers.get('x-request-id');
    const second = (await h.get('/livez')).headers.get('x-request-id');
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toMatch(/^[0-9a-f-]{36}$/);
    expect(first).not.toBe(second);
  });

  it('replaces an X-Request-Id that is too long or has odd characters', async () => {
    const h = await start();
    for (const bad of ['a'.repeat(129), 'id with spaces', 'id"<script>']) {
      const echoed = (await h.get('/livez', { 'X-Request-Id': bad })).headers.get('x-request-id');
      expect(echoed).not.toBe(bad);
      expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('replaces an X-Request-Id sent twice (node:http joins the two into one value, which is not a sane id)', async () => {
    const h = await start();
    const echoed = await new Promise<string | undefined>((resolve, reject) => {
      request(`${h.url}/livez`, { headers: { 'X-Request-Id': ['first-id', 'second-id'] } }, (res) => {
        res.resume();
        resolve(res.headers['x-request-id'] as string | undefined);
      })
        .on('error', reject)
        .end();
    });
    expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('passes the request id to the database borrow, for slow-hold logs', async () => {
    const h = await start();
    await h.get('/api/health', { 'X-Request-Id': 'req-borrow-1' });
    expect(h.db.borrows[0]).toEqual({ route: '/api/health', requestId: 'req-borrow-1' });
  });
});

/**
 * Every line of the exposition format is a comment or `name{labels} value`.
 * prom-client writes NaN as "Nan"; Prometheus parses floats case-insensitively.
 */
function parseMetrics(text: string): Array<{ name: string; labels: string; value: number }> {
  const samples: Array<{ name: string; labels: string; value: number }> = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/i.exec(line);
    expect(match, `malformed metrics line: ${line}`).not.toBeNull();
    samples.push({ name: match![1]!, labels: match![2] ?? '', value: Number(match![3]) });
  }
  return samples;
}

describe('GET /metrics', () => {
  it('answers in the Prometheus text format with every line well formed', async () => {
    const h = await start();
    const response = await h.get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseMetrics(await response.text());
    expect(samples.length).toBeGreaterThan(20);
  });

  it('reads the pool gauges from the pool at scrape time', async () => {
    const h = await start();
    h.db.figuresValue = { ...h.db.figuresValue, inUse: 11, waiting: 6, max: 40 };
    const samples = parseMetrics(await (await h.get('/metrics')).text());
    const value = (name: string) => samples.find((s) => s.name === name)?.value;
    expect(value('orapool_pool_connections_in_use')).toBe(11);
    expect(value('orapool_pool_requests_waiting')).toBe(6);
    expect(value('orapool_pool_max_connections')).toBe(40);
    h.db.figuresValue = { ...h.db.figuresValue, inUse: 2 };
    const later = parseMetrics(await (await h.get('/metrics')).text());
    expect(later.find((s) => s.name === 'orapool_pool_connections_in_use')?.value).toBe(2);
  });

  it('labels request durations by route template, and every unknown path as route="unmatched", never the raw path', async () => {
    const h = await start();
    await h.get('/api/health');
    await h.get('/wp-admin/scanner-probe-8c1e');
    await h.get('/another/random/path-55aa');
    const text = await (await h.get('/metrics')).text();
    const buckets = parseMetrics(text).filter((s) => s.name === 'orapool_http_request_duration_seconds_bucket');
    expect(buckets.some((s) => s.labels.includes('route="/api/health"') && s.labels.includes('status="200"'))).toBe(true);
    const unmatched = parseMetrics(text).find(
      (s) => s.name === 'orapool_http_request_duration_seconds_count' && s.labels.includes('route="unmatched"'),
    );
    expect(unmatched?.value).toBe(2);
    expect(text).not.toContain('scanner-probe-8c1e');
    expect(text).not.toContain('path-55aa');
  });

  it('never calls the database to answer a scrape', async () => {
    const h = await start();
    await h.get('/metrics');
    expect(h.db.withConnectionCalls).toBe(0);
  });
});

describe('request log', () => {
  it('writes exactly one JSON line per /api/health request with method, route, status, duration and request id', async () => {
    const h = await start({ logLevel: 'info' });
    await h.get('/api/health', { 'X-Request-Id': 'log-req-1' });
    await h.get('/api/health', { 'X-Request-Id': 'log-req-2' });
    await h.log.flush();
    const requests = h.log.events('request');
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ level: 'info', method: 'GET', route: '/api/health', status: 200, requestId: 'log-req-1' });
    expect(typeof requests[0]?.durationMs).toBe('number');
    expect(requests[0]?.durationMs as number).toBeGreaterThanOrEqual(0);
    expect(requests[1]?.requestId).toBe('log-req-2');
  });

  it('adds the error code to the line of a failed request', async () => {
    const h = await start({ logLevel: 'info' });
    h.db.failWith = driverError('NJS-040', 'timeout');
    await h.get('/api/health');
    await h.log.flush();
    expect(h.log.events('request')[0]).toMatchObject({ status: 503, errorCode: ErrorCode.POOL_QUEUE_TIMEOUT });
  });

  it('logs unknown paths under route "unmatched", not the raw path', async () => {
    const h = await start({ logLevel: 'info' });
    await h.get('/secret/raw/path-123');
    await h.log.flush();
    expect(h.log.events('request')[0]).toMatchObject({ route: 'unmatched', status: 404 });
    expect(h.log.lines().join('\n')).not.toContain('path-123');
  });

  it('logs /livez at debug only, so it is silent at info', async () => {
    const quiet = await start({ logLevel: 'info' });
    await quiet.get('/livez');
    await quiet.get('/readyz');
    await quiet.get('/metrics');
    await quiet.log.flush();
    expect(quiet.log.events('request')).toHaveLength(0);

    const verbose = await start({ logLevel: 'debug' });
    await verbose.get('/livez');
    await verbose.log.flush();
    const lines = verbose.log.events('request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'debug', route: '/livez' });
  });
});
