// Session limits, listener refusal and capacity: the ways a database says
// "not now" or "slower", as the real driver reports them.
import oracledb from 'oracledb';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { credentials, expectCode, withConnection } from './harness.js';
import { latencySampler } from '../src/server/latency.js';

describe('oracle-sim limits', () => {
  let sim: Simulator | undefined;
  const open: oracledb.Connection[] = [];

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close().catch(() => {})));
    await sim?.close();
    sim = undefined;
  });

  it('fails the logon past maxSessions with ORA-00018 and admits again once a session ends', async () => {
    sim = await startSimulator({ maxSessions: 2 });
    open.push(await oracledb.getConnection(credentials(sim)), await oracledb.getConnection(credentials(sim)));
    const err = await expectCode(oracledb.getConnection(credentials(sim)), 'ORA-00018');
    expect(err.errorNum).toBe(18);
    expect(sim.stats()).toMatchObject({ sessionsOpen: 2, sessionsPeak: 2, logonFailures: 1 });
    await open.pop()!.close();
    open.push(await oracledb.getConnection(credentials(sim)));
    expect(sim.stats().sessionsPeak).toBe(2);
  });

  it.each(['ORA-12516', 'ORA-12519'] as const)(
    'refuses connects past maxSessions at the listener with %s (driver: NJS-511)',
    async (code) => {
      sim = await startSimulator({ maxSessions: 1, sessionLimitError: code });
      open.push(await oracledb.getConnection(credentials(sim)));
      const err = await expectCode(oracledb.getConnection(credentials(sim)), 'NJS-511');
      expect(err.message).toContain(code);
      expect(sim.stats()).toMatchObject({ connectionsRefused: 1, sessionsOpen: 1 });
    },
  );

  it('refuses every new connect while the refuse fault is on', async () => {
    sim = await startSimulator();
    sim.faults.refuseConnections(true);
    const err = await expectCode(oracledb.getConnection(credentials(sim)), 'NJS-511');
    expect(err.message).toContain('ORA-12528');
    sim.faults.refuseConnections(false);
    await withConnection(credentials(sim), (conn) => conn.ping());
  });

  it('saturates at capacity: 20 parallel 50 ms statements on 2 slots take about 500 ms', async () => {
    sim = await startSimulator({ capacity: 2, statementLatency: 50 });
    const conns = await Promise.all(Array.from({ length: 20 }, () => oracledb.getConnection(credentials(sim!))));
    open.push(...conns);
    const started = Date.now();
    await Promise.all(conns.map((c) => c.execute('SELECT 1 FROM DUAL')));
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(sim.stats().statements).toBe(20);
  });

  it('applies latency changed at runtime, and reset() restores it', async () => {
    sim = await startSimulator();
    await withConnection(credentials(sim), async (conn) => {
      sim!.faults.setStatementLatency(300);
      let started = Date.now();
      await conn.execute('SELECT 1 FROM DUAL');
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      await conn.ping(); // latency is for statements only
      sim!.faults.reset();
      // Timed after reset(): a statement still at 300 ms would fail this.
      started = Date.now();
      await conn.execute('SELECT 1 FROM DUAL');
      expect(Date.now() - started).toBeLessThan(250);
    });
  });
});

describe('latency distribution', () => {
  it('is fixed without a p99', () => {
    const sample = latencySampler({ meanMs: 40 });
    expect(new Set(Array.from({ length: 100 }, sample))).toEqual(new Set([40]));
  });

  it('has the requested mean and 99th percentile', () => {
    const sample = latencySampler({ meanMs: 50, p99Ms: 120 });
    const xs = Array.from({ length: 50_000 }, sample).sort((a, b) => a - b);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(47);
    expect(mean).toBeLessThan(53);
    const p99 = xs[Math.floor(xs.length * 0.99)]!;
    expect(p99).toBeGreaterThan(108);
    expect(p99).toBeLessThan(132);
    expect(xs[0]!).toBeGreaterThan(0);
  });
});
