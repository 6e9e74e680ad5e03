// The yardstick for the service's own overhead: a bare node:http server doing
// the same pool round-trip as GET /api/health (borrow from an oracledb thin
// pool, SELECT 1 FROM DUAL, release) with no Koa, no metrics, no logging, no
// admission control. Run as its own process by bench/load.ts; prints one JSON
// `listening` line on stdout once the pool has answered a first query.
import http from 'node:http';
import oracledb from 'oracledb';

const env = process.env;
const required = (name: string) => {
  const value = env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const pool = await oracledb.createPool({
  user: required('DB_USER'),
  password: required('DB_PASSWORD'),
  connectString: required('DB_CONNECT_STRING'),
  // The same pool shape as the service's "after" configuration.
  poolMin: Number(env.DB_POOL_MIN ?? 5),
  poolMax: Number(env.DB_POOL_MAX ?? 40),
  poolIncrement: 1,
  queueTimeout: Math.round(Number(env.DB_POOL_TIMEOUT ?? 30) * 1000),
  queueMax: Number(env.DB_POOL_QUEUE_MAX ?? 500),
});
const first = await pool.getConnection();
await first.execute('SELECT 1 FROM DUAL');
await first.close();

const server = http.createServer((req, res) => {
  if (req.url !== '/api/health') {
    res.writeHead(404).end();
    return;
  }
  void (async () => {
    let conn: oracledb.Connection | undefined;
    try {
      conn = await pool.getConnection();
      conn.callTimeout = 5000;
      const result = await conn.execute('SELECT 1 FROM DUAL', [], { outFormat: oracledb.OUT_FORMAT_ARRAY });
      const body = JSON.stringify({ status: 'ok', rows: result.rows?.length ?? 0 });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    } catch (error) {
      const body = JSON.stringify({ status: 'unavailable', error: { code: (error as { code?: string }).code ?? 'ERROR' } });
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end(body);
    } finally {
      await conn?.close().catch(() => {});
    }
  })();
});
server.keepAliveTimeout = 5000;
server.listen(Number(env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ event: 'listening', port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});

const stop = () => {
  server.close();
  void pool.close(1).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
