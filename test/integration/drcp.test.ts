/**
 * DRCP and implicit connection pooling, end to end: the built service (and
 * OraclePool in-process) over the real oracledb thin driver, against the
 * simulator's connection broker (packages/oracle-sim, `pooledServers`). What
 * is shown: the mode is reported; connections give their pooled server back
 * to the broker; two service processes of one connection class share the
 * same pooled servers; what a client sees when every pooled server is busy,
 * and when the database has no DRCP pool; and a statement boundary that
 * hands the pooled server back while the connection stays borrowed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import oracledb from 'oracledb';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { OraclePool } from '../../src/db/pool.js';
import { memoryLogger } from '../unit/support/memory-logger.js';
import { dbEnv, getJson, needsSimulatorReason, realOracle, startDatabase, waitFor, waitUntilReady } from '../support/database-target.js';
import { startService, type ServiceProcess } from '../support/processes.js';
import { stackPerTest } from '../support/stack.js';
import { silentObserver } from '../support/silent-observer.js';

if (realOracle) process.stderr.write(`drcp.test.ts skipped: ${needsSimulatorReason} (and a DRCP pool of known size)\n`);

const CLASS = 'orapool-it';
/** Each case's database settings: pooled servers, a fixed class, a probe that never borrows during the case. */
const pooledEnv = { DB_SERVER_TYPE: 'pooled', DB_CONNECTION_CLASS: CLASS, DB_PROBE_INTERVAL: '3600', SHUTDOWN_DELAY_SECONDS: '0' };

async function healthOk(url: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) expect((await getJson(`${url}/api/health`)).status).toBe(200);
}

describe.skipIf(realOracle)('DRCP through the service', () => {
  const stack = stackPerTest();
  const extra: ServiceProcess[] = [];
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((s) => s.stop('SIGKILL')));
  });

  it('reports the mode, sends its own connection class, and gives each pooled server back to the broker after every request', async () => {
    stack.db = await startDatabase({ pooledServers: 2 });
    const sim = stack.db.sim!;
    stack.service = await startService({ ...dbEnv(stack.db), ...pooledEnv, DB_POOL_MIN: '3', DB_POOL_MAX: '3' });
    await waitUntilReady(stack.service);

    const listening = await stack.service.waitForLog((e) => e.event === 'listening');
    expect(listening.message).toContain(`server=pooled (DRCP) class=${CLASS}`);
    expect(listening.database).toEqual({ serverType: 'pooled', connectionClass: CLASS, purity: 'default', poolBoundary: 'none' });
    const health = await getJson(`${stack.service.url}/api/health`);
    expect(health.body.database).toMatchObject({ reachable: true, serverType: 'pooled', connectionClass: CLASS, poolBoundary: 'none' });
    const metrics = await (await fetch(`${stack.service.url}/metrics`)).text();
    expect(metrics).toContain(`orapool_database_server_info{server_type="pooled",connection_class="${CLASS}",pool_boundary="none"} 1`);

    // What the database saw at logon: the configured class from the driver (never its random NJS:...), purity SELF.
    await waitFor('three pooled connections', () => sim.sessions().filter((s) => s.username === 'ORAPOOL').length === 3 || undefined);
    for (const session of sim.sessions().filter((s) => s.username === 'ORAPOOL')) expect(session).toMatchObject({ connectionClass: CLASS, purity: 'SELF' });

    const before = sim.stats().drcp!;
    await healthOk(stack.service.url, 10);
    const after = sim.stats().drcp!;
    expect(after.requests - before.requests).toBe(10);
    expect(after.releases - before.releases).toBe(10); // each request's close() released its server (SESSION_RELEASE)
    expect(after.busy).toBe(0); // three connections open, idle, holding no pooled server
    expect(after.busyPeak).toBeLessThanOrEqual(2);
    expect(Object.keys(after.classes)).toEqual([CLASS]);
  });

  it('shares the pooled servers between two service processes of one connection class', async () => {
    stack.db = await startDatabase({ pooledServers: 2 });
    const sim = stack.db.sim!;
    stack.service = await startService({ ...dbEnv(stack.db), ...pooledEnv, DB_POOL_MIN: '2', DB_POOL_MAX: '4' });
    await waitUntilReady(stack.service);
    // Two requests at once, so both pooled servers get a session of this class.
    await Promise.all([healthOk(stack.service.url, 5), healthOk(stack.service.url, 5)]);
    const first = sim.stats().drcp!.classes[CLASS]!;
    expect(first.misses).toBeLessThanOrEqual(2);

    const second = await startService({ ...dbEnv(stack.db), ...pooledEnv, DB_POOL_MIN: '2', DB_POOL_MAX: '4' });
    extra.push(second);
    await waitUntilReady(second);
    await Promise.all([healthOk(second.url, 5), healthOk(second.url, 5)]);
    const shared = sim.stats().drcp!.classes[CLASS]!;
    // Every call of the second process, its startup round-trip included, ran on a session the first one created.
    expect(shared.requests).toBeGreaterThan(first.requests + 10);
    expect(shared.misses).toBe(first.misses);
    expect(shared.busyPeak).toBeLessThanOrEqual(2);
    // Eight connections open against the database, which holds two pooled sessions.
    expect(sim.sessions().filter((s) => s.username === 'ORAPOOL').length).toBeGreaterThanOrEqual(4);
  });

  it('answers a clean 503 DATABASE_TIMEOUT with Retry-After when every pooled server stays busy, and recovers when one comes back', async () => {
    stack.db = await startDatabase({ pooledServers: 1 });
    stack.service = await startService({ ...dbEnv(stack.db), ...pooledEnv, DB_POOL_MIN: '1', DB_POOL_MAX: '2', DB_CALL_TIMEOUT: '0.5' });
    await waitUntilReady(stack.service);
    // Another client of the broker takes the only pooled server and keeps it: a call that
    // attached and a connection never closed (no implicit boundary).
    const hog = await oracledb.getConnection({ user: stack.db.user, password: stack.db.password, connectString: `${stack.db.connectString}:pooled` });
    try {
      await hog.execute('SELECT 1 FROM DUAL');
      expect(stack.db.sim!.stats().drcp!.busy).toBe(1);
      // The local pool has a free connection at once; its call waits at the broker, as on Oracle (no ORA error),
      // until DB_CALL_TIMEOUT breaks it (NJS-123).
      const busy = await getJson(`${stack.service.url}/api/health`);
      expect(busy.status).toBe(503);
      expect((busy.body.error as { code: string }).code).toBe('DATABASE_TIMEOUT');
      expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(stack.db.sim!.stats().drcp!.waits).toBeGreaterThan(0);
    } finally {
      await hog.close();
    }
    await healthOk(stack.service.url, 2);
  });

  it('stays up and not ready, with 503 DATABASE_UNAVAILABLE, when the database has no DRCP pool started (ORA-12520)', async () => {
    stack.db = await startDatabase(); // no broker: SERVER=POOLED is refused by the listener
    stack.service = await startService({ ...dbEnv(stack.db), ...pooledEnv });
    const log = await stack.service.waitForLog((e) => e.event === 'pool_create_retry');
    expect(log.error).toMatchObject({ code: 'NJS-511', cause: 'ORA-12520' });
    const ready = await getJson(`${stack.service.url}/readyz`);
    expect(ready.status).toBe(503);
    const health = await getJson(`${stack.service.url}/api/health`);
    expect(health.status).toBe(503);
    expect((health.body.error as { code: string }).code).toBe('DATABASE_UNAVAILABLE');
    expect(health.body.database).toMatchObject({ reachable: false, serverType: 'pooled' });
  });

  it('takes the server type of a TNS alias from its entry, and stops, not ready, when the entry says otherwise', async () => {
    stack.db = await startDatabase({ pooledServers: 1 });
    const port = new URL(`tcp://${stack.db.connectString}`).port;
    const dir = mkdtempSync(join(tmpdir(), 'orapool-tns-'));
    try {
      const entry = (server: string) =>
        `(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=127.0.0.1)(PORT=${port}))(CONNECT_DATA=${server}(SERVICE_NAME=FREEPDB1)))`;
      writeFileSync(join(dir, 'tnsnames.ora'), `drcp_pooled = ${entry('(SERVER=POOLED)')}\ndrcp_dedicated = ${entry('')}\n`);
      const env = { ...dbEnv(stack.db), ...pooledEnv, DB_CONFIG_DIR: dir };
      stack.service = await startService({ ...env, DB_CONNECT_STRING: 'drcp_pooled' });
      await waitUntilReady(stack.service);
      expect(stack.db.sim!.sessions().filter((s) => s.username === 'ORAPOOL').every((s) => s.connectionClass === CLASS)).toBe(true);

      const wrong = await startService({ ...env, DB_CONNECT_STRING: 'drcp_dedicated' });
      extra.push(wrong);
      const stopped = await wrong.waitForLog((e) => e.event === 'pool_create_stopped');
      expect(stopped.error).toMatchObject({ code: 'SERVER_TYPE_MISMATCH', fix: 'server-type' });
      expect(stopped.message).toContain('add (SERVER=POOLED) to the tnsnames.ora entry');
      const ready = await getJson(`${wrong.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(JSON.stringify(ready.body.reasons)).toContain('SERVER_TYPE_MISMATCH');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start when the connect string contradicts DB_SERVER_TYPE, before listening (exit 78)', async () => {
    stack.db = await startDatabase({ pooledServers: 1 });
    stack.service = await startService({ ...dbEnv(stack.db), DB_CONNECT_STRING: `${stack.db.connectString}:pooled`, DB_POOL_BOUNDARY: 'statement' }, { waitForListening: false });
    expect((await stack.service.exited).code).toBe(78);
    const output = stack.service.lines.join('\n');
    expect(output).toContain('DB_SERVER_TYPE: DB_CONNECT_STRING asks for SERVER=POOLED');
    expect(output).toContain('DB_POOL_BOUNDARY: needs DB_SERVER_TYPE=pooled');
    expect(output).not.toContain(stack.db.connectString);
  });
});

describe.skipIf(realOracle)('implicit connection pooling (DB_POOL_BOUNDARY) in OraclePool', () => {
  const stack = stackPerTest();
  let pool: OraclePool | undefined;
  afterEach(async () => {
    await pool?.close(0);
    pool = undefined;
  });

  /** Borrow A, run a statement on it and keep it borrowed; meanwhile B, another connection, runs a statement. */
  async function secondCallWhileFirstHeld(boundary: 'statement' | 'none'): Promise<unknown> {
    stack.db = await startDatabase({ pooledServers: 1 });
    const config = loadConfig(
      { ...dbEnv(stack.db), ...pooledEnv, DB_POOL_BOUNDARY: boundary, DB_POOL_MIN: '0', DB_POOL_MAX: '2', DB_CALL_TIMEOUT: '0.5' },
      () => {
        throw new Error('no files');
      },
    );
    pool = new OraclePool({ config, logger: memoryLogger('error').logger, observer: silentObserver });
    pool.start();
    await pool.whenCreated();
    const p = pool;
    return p.withConnection(async (a) => {
      await a.execute('SELECT 1 FROM DUAL');
      return p.withConnection((b) => b.execute('SELECT 2 FROM DUAL')).then(
        (result) => result.rows,
        (error: unknown) => error,
      );
    });
  }

  it('with a statement boundary, a borrowed connection holds no pooled server between statements', async () => {
    const rows = await secondCallWhileFirstHeld('statement');
    expect(rows).toEqual([[2]]);
    const drcp = stack.db!.sim!.stats().drcp!;
    expect(drcp.waits).toBe(0);
    expect(drcp.busy).toBe(0);
  });

  it('without one, the borrowed connection keeps its pooled server and the other call times out at the broker', async () => {
    const error = (await secondCallWhileFirstHeld('none')) as { code?: string };
    expect(error.code).toBe('DATABASE_TIMEOUT');
    expect(stack.db!.sim!.stats().drcp!.waits).toBeGreaterThan(0);
  });
});
