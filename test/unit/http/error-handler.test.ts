import Router from '@koa/router';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { DbError, DbErrorCode } from '../../../src/db/db-error.js';
import { errorAnswers } from '../../../src/http/error-handler.js';
import { AppError, ErrorCode } from '../../../src/http/errors.js';
import { requestLog } from '../../../src/http/request-log.js';
import { driverError } from '../support/fake-database.js';
import { listenEphemeral, type TestServer } from '../support/http.js';
import { memoryLogger, type MemoryLogger } from '../support/memory-logger.js';

/**
 * The error answers as the app runs them (on the request log's frame), in a small Koa app of its own: routes that throw what real
 * routes may throw, and answer with empty bodies the way a route or the router
 * may, so each rule of the handler shows on the wire.
 */
let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function start(routes: (router: Router) => void, retryAfterSeconds = 7): Promise<{ url: string; log: MemoryLogger }> {
  const log = memoryLogger('debug');
  const app = new Koa();
  app.silent = true;
  app.use(requestLog(log.logger, [], errorAnswers(log.logger, () => retryAfterSeconds)));
  const router = new Router();
  routes(router);
  app.use(router.routes());
  app.use(router.allowedMethods());
  const server = await listenEphemeral(app.callback());
  servers.push(server);
  return { url: server.url, log };
}

async function call(url: string, init?: RequestInit) {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

describe('error answers: empty answers become JSON errors', () => {
  it('a 404 names the method and path in its message (4xx messages reach the client)', async () => {
    const { url } = await start(() => {});
    const { status, body } = await call(`${url}/no/such/path`);
    expect(status).toBe(404);
    expect(body!.error).toEqual({ code: ErrorCode.NOT_FOUND, message: 'no route for GET /no/such/path' });
  });

  it('a 405 names the method and path in its message', async () => {
    const { url } = await start((router) => router.get('/thing', (ctx) => (ctx.body = { ok: true })));
    const { status, body, headers } = await call(`${url}/thing`, { method: 'DELETE' });
    expect(status).toBe(405);
    expect(body!.error).toEqual({ code: ErrorCode.METHOD_NOT_ALLOWED, message: 'DELETE is not allowed on /thing' });
    expect(headers.get('allow')).toContain('GET');
  });

  it('a method the router does not implement at all (its 501) is answered as a JSON 405 too', async () => {
    const { url } = await start((router) => router.get('/thing', (ctx) => (ctx.body = { ok: true })));
    const { status, body } = await call(`${url}/thing`, { method: 'PURGE' });
    expect(status).toBe(405);
    expect(body!.error.code).toBe(ErrorCode.METHOD_NOT_ALLOWED);
  });

  it("keeps a route's own 404 answer when it has a body", async () => {
    const { url } = await start((router) =>
      router.get('/items/:id', (ctx) => {
        ctx.status = 404;
        ctx.body = { item: ctx.params.id, found: false };
      }),
    );
    const { status, body } = await call(`${url}/items/9`);
    expect(status).toBe(404);
    expect(body).toEqual({ item: '9', found: false });
  });

  it('leaves a deliberate empty answer (204) alone', async () => {
    const { url } = await start((router) =>
      router.get('/nothing', (ctx) => {
        ctx.status = 204;
      }),
    );
    const { status, text } = await call(`${url}/nothing`);
    expect(status).toBe(204);
    expect(text).toBe('');
  });
});

describe('error answers: thrown errors', () => {
  it('logs an unexpected error (500 INTERNAL) once, with the request id, and answers without its message', async () => {
    const { url, log } = await start((router) =>
      router.get('/bug', () => {
        throw new Error('secret detail of a bug');
      }),
    );
    const { status, body, text } = await call(`${url}/bug`, { headers: { 'X-Request-Id': 'bug-req-1' } });
    expect(status).toBe(500);
    expect(body!.error).toEqual({ code: ErrorCode.INTERNAL, message: 'Internal error.' });
    expect(text).not.toContain('secret detail');
    await log.flush();
    const logged = log.events('unhandled_error');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'error', message: 'Unhandled error', requestId: 'bug-req-1' });
  });

  it('does not log database trouble (a 503) as an unhandled error: it is load or an outage, not a bug', async () => {
    const { url, log } = await start((router) =>
      router.get('/db', () => {
        throw driverError('ORA-12541', 'TNS:no listener');
      }),
    );
    const { status, body } = await call(`${url}/db`);
    expect(status).toBe(503);
    expect(body!.error.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
    await log.flush();
    expect(log.events('unhandled_error')).toEqual([]);
  });

  it('does not log a 4xx AppError, and shows its message to the client', async () => {
    const { url, log } = await start((router) =>
      router.get('/gone', () => {
        throw new AppError(ErrorCode.NOT_FOUND, 404, 'item 9 does not exist');
      }),
    );
    const { status, body } = await call(`${url}/gone`);
    expect(status).toBe(404);
    expect(body!.error).toEqual({ code: ErrorCode.NOT_FOUND, message: 'item 9 does not exist' });
    await log.flush();
    expect(log.events('unhandled_error')).toEqual([]);
  });

  it('rounds Retry-After up to whole seconds, at least 1', async () => {
    const { url } = await start((router) => {
      router.get('/soon', () => {
        throw new AppError(ErrorCode.OVERLOADED, 503, 'shed', 0.2);
      });
      router.get('/later', () => {
        throw new AppError(ErrorCode.OVERLOADED, 503, 'shed', 2.1);
      });
    });
    expect((await call(`${url}/soon`)).headers.get('retry-after')).toBe('1');
    expect((await call(`${url}/later`)).headers.get('retry-after')).toBe('3');
  });

  it("uses the db layer's own retry estimate, else the one it was given", async () => {
    const { url } = await start((router) => {
      router.get('/creating', () => {
        throw DbError.fast(DbErrorCode.DATABASE_UNAVAILABLE, 'not created yet', { retryInSeconds: 15 });
      });
      router.get('/busy', () => {
        throw driverError('NJS-040', 'connection request timeout');
      });
    }, 7);
    expect((await call(`${url}/creating`)).headers.get('retry-after')).toBe('15');
    expect((await call(`${url}/busy`)).headers.get('retry-after')).toBe('7');
  });

  it("renders a route's details beside the error, never over the error or the request id", async () => {
    const { url } = await start((router) =>
      router.get('/detailed', () => {
        const error = new AppError(ErrorCode.DATABASE_UNAVAILABLE, 503, 'down');
        error.details = { status: 'unavailable', error: 'overridden?', requestId: 'overridden?' };
        throw error;
      }),
    );
    const { body } = await call(`${url}/detailed`, { headers: { 'X-Request-Id': 'detail-req-1' } });
    expect(body).toEqual({
      status: 'unavailable',
      error: { code: ErrorCode.DATABASE_UNAVAILABLE, message: 'The database is unavailable.' },
      requestId: 'detail-req-1',
    });
  });

  it('puts the error code on the request log line', async () => {
    const { url, log } = await start((router) =>
      router.get('/db', () => {
        throw driverError('NJS-076', 'pool queue full');
      }),
    );
    await call(`${url}/db`);
    await log.flush();
    expect(log.events('request')).toMatchObject([{ status: 503, errorCode: ErrorCode.POOL_QUEUE_FULL }]);
  });
});
