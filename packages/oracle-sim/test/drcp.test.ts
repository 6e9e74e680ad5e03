// DRCP and implicit connection pooling through the real driver
// (docs/oracle-tls-drcp.md §5-6): SERVER=POOLED connections borrow one of N
// pooled servers per call and give it back with SESSION_RELEASE or at the
// POOL_BOUNDARY; SESS_RET keeps the driver's statement cache honest.
import { rm } from 'node:fs/promises';
import oracledb from 'oracledb';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_USER, startSimulator, type DrcpStats, type Simulator } from '../src/index.js';
import { eventually, expectCode } from './harness.js';

const user = { user: DEFAULT_USER.user, password: DEFAULT_USER.password };
const pooled = (sim: Simulator, query = '') => `${sim.host}:${sim.port}/${sim.serviceName}:pooled${query}`;
const drcp = (sim: Simulator): DrcpStats => sim.stats().drcp!;

describe('oracle-sim DRCP broker', () => {
  let sim: Simulator | undefined;
  const pools: oracledb.Pool[] = [];
  const conns: oracledb.Connection[] = [];

  afterEach(async () => {
    for (const c of conns.splice(0)) await c.close().catch(() => {});
    for (const p of pools.splice(0)) await p.close(0).catch(() => {});
    await sim?.close();
    sim = undefined;
  });

  async function pool(attrs: Partial<oracledb.PoolAttributes>): Promise<oracledb.Pool> {
    const p = await oracledb.createPool({ ...user, poolMin: 0, poolIncrement: 1, ...attrs });
    pools.push(p);
    return p;
  }

  async function connect(connectString: string): Promise<oracledb.Connection> {
    const c = await oracledb.getConnection({ ...user, connectString, ...(sim?.tls ? { walletLocation: sim.tls.walletDir } : {}) });
    conns.push(c);
    return c;
  }

  it('serves :pooled over TCPS too (an Autonomous Database offers DRCP on its TLS listener)', async () => {
    sim = await startSimulator({ pooledServers: 1, tls: { mode: 'one-way' } });
    try {
      const c = await connect(`${sim.connectString}:pooled`);
      expect(sim.connectString.startsWith('tcps://')).toBe(true);
      expect((await c.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
      expect(drcp(sim)).toMatchObject({ busy: 1, requests: 1 });
    } finally {
      await rm(sim.tls!.walletDir, { recursive: true, force: true });
    }
  });

  it('refuses SERVER=POOLED when DRCP is not started: NJS-511 caused by ORA-12520, as a listener does', async () => {
    sim = await startSimulator();
    const err = await expectCode(oracledb.getConnection({ ...user, connectString: pooled(sim) }), 'NJS-511');
    expect(err.message).toContain('12520');
    expect(sim.stats().drcp).toBeUndefined();
  });

  it('serves a standalone :pooled connection from a pooled server and gets it back on close', async () => {
    sim = await startSimulator({ pooledServers: 2 });
    const conn = await oracledb.getConnection({ ...user, connectString: pooled(sim) });
    expect((await conn.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
    expect(drcp(sim)).toMatchObject({ pooledServers: 2, busy: 1, requests: 1, misses: 1 });
    await conn.close();
    // SESSION_RELEASE is one-way: close() does not wait for the server to read it
    await eventually(() => drcp(sim!).releases === 1);
    expect(drcp(sim)).toMatchObject({ busy: 0, busyPeak: 1 });
  });

  it('a driver pool larger than the pooled servers: busy never exceeds them, calls wait, sessions of the pool class are reused', async () => {
    sim = await startSimulator({ pooledServers: 2 });
    const p = await pool({ connectString: pooled(sim), poolMax: 6 });
    const errors: unknown[] = [];
    let peakSeen = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        for (let i = 0; i < 5; i++) {
          const c = await p.getConnection();
          try {
            await c.execute('BEGIN DBMS_SESSION.SLEEP(0.01); END;');
            peakSeen = Math.max(peakSeen, drcp(sim!).busy);
            await c.execute('SELECT 1 FROM DUAL');
          } catch (e) {
            errors.push(e);
          } finally {
            await c.close();
          }
        }
      }),
    );
    expect(errors).toEqual([]);
    await eventually(() => drcp(sim!).busy === 0);
    const s = drcp(sim);
    expect(peakSeen).toBeLessThanOrEqual(2);
    expect(s.busyPeak).toBe(2);
    expect(s.waits).toBeGreaterThan(0);
    // one class (the pool's own NJS:... class), purity SELF: two sessions serve every borrow
    expect(s.misses).toBe(2);
    expect(s.hits).toBe(s.requests - 2);
    expect(Object.keys(s.classes)).toHaveLength(1);
    expect(Object.keys(s.classes)[0]).toMatch(/^NJS:/);
    expect(sim.stats().sessionsPeak).toBeGreaterThan(2); // more client connections than pooled servers
  });

  it('a call waiting for a pooled server is bounded by callTimeout (NJS-123) and the connection stays usable', async () => {
    sim = await startSimulator({ pooledServers: 1 });
    const holder = await connect(pooled(sim, '?pool_boundary=transaction'));
    await holder.execute('SELECT 1 FROM DUAL'); // holds the only server until commit
    const waiter = await connect(pooled(sim));
    waiter.callTimeout = 300;
    await expectCode(waiter.execute('SELECT 1 FROM DUAL'), 'NJS-123');
    expect(drcp(sim).waits).toBe(1);
    await holder.commit();
    expect((await waiter.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
  });

  it('a break (callTimeout) in the first call after an attach: SESS_RET comes with ORA-01013, later calls close their cursors', async () => {
    sim = await startSimulator({ pooledServers: 1 });
    const p = await pool({ connectString: pooled(sim), poolMax: 1 });
    for (let i = 0; i < 3; i++) {
      const c = await p.getConnection();
      try {
        c.callTimeout = 150;
        await expectCode(c.execute('BEGIN DBMS_SESSION.SLEEP(1); END;'), 'NJS-123');
        c.callTimeout = 0;
        for (let j = 0; j < 5; j++) expect((await c.execute(`SELECT ${j} FROM DUAL`)).rows).toEqual([[j]]);
      } finally {
        await c.close();
      }
    }
    // 5 SELECT cursors, reused across borrows, plus the one each break abandons (ORA-01013 carries no cursor id,
    // so the driver cannot close it: the same happens without DRCP)
    expect(drcp(sim).openCursors).toBeLessThanOrEqual(5 + 3);
  });

  it('reuses session state only within a connection class: another class gets its own session', async () => {
    sim = await startSimulator({ pooledServers: 1 });
    const a = await pool({ connectString: pooled(sim, '?pool_connection_class=APP_A'), poolMax: 1 });
    const b = await pool({ connectString: pooled(sim, '?pool_connection_class=APP_B'), poolMax: 1 });
    for (const p of [a, a, b, b, a]) {
      const c = await p.getConnection();
      await c.execute('SELECT 1 FROM DUAL');
      await c.close();
      await eventually(() => drcp(sim!).busy === 0); // the one-way release has arrived
    }
    const s = drcp(sim);
    expect(s.classes.APP_A).toMatchObject({ requests: 3, hits: 1, misses: 2, busy: 0, busyPeak: 1 });
    expect(s.classes.APP_B).toMatchObject({ requests: 2, hits: 1, misses: 1, busy: 0, busyPeak: 1 });
  });

  it('purity NEW (a standalone connection) gets a fresh session where purity SELF (a pool) reuses one', async () => {
    sim = await startSimulator({ pooledServers: 1 });
    for (let i = 0; i < 2; i++) {
      const c = await oracledb.getConnection({ ...user, connectString: pooled(sim, '?pool_connection_class=ONE') });
      await c.execute('SELECT 1 FROM DUAL');
      await c.close();
    }
    expect(drcp(sim).classes.ONE).toMatchObject({ requests: 2, hits: 0, misses: 2 });
    // the descriptor's POOL_PURITY wins over the driver's AUTH_KPPL_PURITY (NEW for standalone)
    for (let i = 0; i < 2; i++) {
      const c = await oracledb.getConnection({ ...user, connectString: pooled(sim, '?pool_connection_class=TWO&pool_purity=self') });
      await c.execute('SELECT 1 FROM DUAL');
      await c.close();
    }
    expect(drcp(sim).classes.TWO).toMatchObject({ requests: 2, hits: 1, misses: 1 });
  });

  it("takes the class from the driver's AUTH_KPPL_CONN_CLASS (oracledb.connectionClass) when the descriptor names none", async () => {
    sim = await startSimulator({ pooledServers: 1 });
    oracledb.connectionClass = 'FROM_DRIVER';
    try {
      const c = await connect(pooled(sim));
      await c.execute('SELECT 1 FROM DUAL');
    } finally {
      oracledb.connectionClass = '';
    }
    expect(Object.keys(drcp(sim).classes)).toEqual(['FROM_DRIVER']);
  });

  it('a cursor opened after a release is not leaked: the driver closes or forgets it, and the simulator drops what it forgets', async () => {
    sim = await startSimulator({ pooledServers: 2 });
    const a = await pool({ connectString: pooled(sim), poolMax: 3 });
    await Promise.all(
      Array.from({ length: 6 }, async (_, n) => {
        for (let i = 0; i < 30; i++) {
          const c = await a.getConnection();
          try {
            await c.execute(`SELECT ${n} FROM DUAL`);
            await c.execute('SELECT 1 FROM DUAL');
          } finally {
            await c.close();
          }
        }
      }),
    );
    // 6 distinct statements per session at most, whatever the number of borrows (360 executes)
    expect(drcp(sim).openCursors).toBeLessThanOrEqual(2 * 7);
    expect(sim.stats().statements).toBe(360);
  });
});

describe('oracle-sim implicit connection pooling (POOL_BOUNDARY)', () => {
  let sim: Simulator | undefined;
  const conns: oracledb.Connection[] = [];

  afterEach(async () => {
    for (const c of conns.splice(0)) await c.close().catch(() => {});
    await sim?.close();
    sim = undefined;
  });

  async function connect(connectString: string): Promise<oracledb.Connection> {
    const c = await oracledb.getConnection({ ...user, connectString });
    conns.push(c);
    return c;
  }

  it('STATEMENT: a held connection holds no pooled server between statements, so two held connections share one server', async () => {
    sim = await startSimulator({ pooledServers: 1 });
    const a = await connect(pooled(sim, '?pool_boundary=statement'));
    const b = await connect(pooled(sim, '?pool_boundary=statement'));
    for (let i = 0; i < 3; i++) {
      for (const c of [a, b]) {
        expect((await c.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
        expect(drcp(sim).busy).toBe(0);
      }
    }
    const s = drcp(sim);
    expect(s).toMatchObject({ requests: 6, waits: 0, releases: 6, busyPeak: 1 });
    // implicit pooling defaults to purity SELF: the one session is reused
    expect(s.misses).toBe(1);
    expect(s.openCursors).toBe(0); // released cursors are closed by the server
  });

  it('STATEMENT: an open result set keeps the server until it is fetched to the end', async () => {
    sim = await startSimulator({ pooledServers: 1 });
    const a = await connect(pooled(sim, '?pool_boundary=statement'));
    const r = await a.execute('SELECT LEVEL FROM DUAL CONNECT BY LEVEL <= 10', [], { resultSet: true, fetchArraySize: 2, prefetchRows: 2 });
    await r.resultSet!.getRows(3);
    expect(drcp(sim).busy).toBe(1);
    const rest = await r.resultSet!.getRows(100);
    expect(rest).toHaveLength(7);
    await r.resultSet!.close();
    expect(drcp(sim).busy).toBe(0);
  });

  it('TRANSACTION: the server stays attached across statements and goes back at commit and at rollback', async () => {
    sim = await startSimulator({ pooledServers: 1 });
    const a = await connect(pooled(sim, '?pool_boundary=transaction'));
    await a.execute('SELECT 1 FROM DUAL');
    await a.execute('BEGIN NULL; END;');
    expect(drcp(sim).busy).toBe(1);
    await a.commit();
    expect(drcp(sim).busy).toBe(0);
    await a.execute('SELECT 1 FROM DUAL');
    expect(drcp(sim).busy).toBe(1);
    await a.rollback();
    expect(drcp(sim)).toMatchObject({ busy: 0, requests: 2, releases: 2 });
  });
});
