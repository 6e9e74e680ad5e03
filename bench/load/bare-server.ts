// The yardsticks for the service's own overhead: the same pool round-trip as
// GET /api/health (borrow from an oracledb thin pool, SELECT 1 FROM DUAL,
// release) with no metrics, no logging, no admission control, served by
//   - a bare node:http handler (default): the target's yardstick;
//   - `--koa`: Koa + @koa/router with one route and no middleware, the floor
//     of the framework the service is built on, so the report can say how much
//     of the gap is Koa's and how much is ours.
//   - `--refuse`: node:http answering every request 503 + Retry-After at once,
//     no pool: the floor of a fast refusal, for the burst and overload scenarios.
// Run as its own process by the load benchmark, compiled to plain JavaScript
// first (servers.ts, bareServerScript), as the service runs; prints one JSON `listening` line on
// stdout once the pool has answered a first query. LISTEN_BACKLOG sets the
// listen backlog (default: Node's 511), so a comparison can give both servers the same one.
import http from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import oracledb from 'oracledb';
// The statement only, not orapool's code: the baseline must stay bare.
import { ROUND_TRIP_SQL } from '../../src/db/round-trip.js';

const env = process.env;
const required = (name: string) => {
  const value = env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const refuse = process.argv.includes('--refuse');
const pool = refuse ? undefined : await oracledb.createPool({
  user: required('DB_USER'),
  password: required('DB_PASSWORD'),
  connectString: required('DB_CONNECT_STRING'),
  // The same pool shape as the service's "after" configuration.
  poolMin: Number(env.DB_POOL_MIN ?? 5),
  poolMax: Number(env.DB_POOL_MAX ?? 40),
  poolIncrement: 1,
  queueTimeout: Math.round(Number(env.DB_POOL_TIMEOUT ?? 30) * 1000),
  queueMax: Number(env.DB_POOL_QUEUE_MAX ?? 1000),
});
if (pool) {
  const first = await pool.getConnection();
  await first.execute(ROUND_TRIP_SQL);
  await first.close();
}

/** One borrow, one round-trip, one release: what every request pays in all three servers. */
async function roundTrip(): Promise<{ status: number; body: object }> {
  let conn: oracledb.Connection | undefined;
  try {
    conn = await pool!.getConnection();
    conn.callTimeout = 5000;
    const result = await conn.execute(ROUND_TRIP_SQL, [], { outFormat: oracledb.OUT_FORMAT_ARRAY });
    return { status: 200, body: { status: 'ok', rows: result.rows?.length ?? 0 } };
  } catch (error) {
    return { status: 503, body: { status: 'unavailable', error: { code: (error as { code?: string }).code ?? 'ERROR' } } };
  } finally {
    await conn?.close().catch(() => {});
  }
}

function koaHandler(): http.RequestListener {
  const app = new Koa();
  const router = new Router();
  router.get('/api/health', async (ctx) => {
    const answer = await roundTrip();
    ctx.status = answer.status;
    ctx.body = answer.body;
  });
  app.use(router.routes());
  return app.callback();
}

const bareHandler: http.RequestListener = (req, res) => {
  if (req.url !== '/api/health') {
    res.writeHead(404).end();
    return;
  }
  void roundTrip().then(({ status, body }) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  });
};

/** The shape of the service's refusal: status, Retry-After, a small JSON body with a shed code. */
const refusal = JSON.stringify({ error: { code: 'OVERLOADED', message: 'The service is at capacity; retry later.' } });
const refuseHandler: http.RequestListener = (_req, res) => {
  res.writeHead(503, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(refusal), 'retry-after': '1' }).end(refusal);
};

const server = http.createServer(refuse ? refuseHandler : process.argv.includes('--koa') ? koaHandler() : bareHandler);
server.keepAliveTimeout = 5000;

const stop = () => {
  server.close();
  void (pool ? pool.close(1) : Promise.resolve()).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
server.listen({ port: Number(env.PORT ?? 0), host: '127.0.0.1', ...(env.LISTEN_BACKLOG ? { backlog: Number(env.LISTEN_BACKLOG) } : {}) }, () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ event: 'listening', port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
