// The real driver's pool against the simulator: load, sessions killed under
// it, and an orderly close.
import oracledb from 'oracledb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { credentials, eventually, sleep } from './harness.js';

describe('oracle-sim with a driver pool', () => {
  let sim: Simulator;
  let pool: oracledb.Pool | undefined;

  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    await pool?.close(0).catch(() => {});
    pool = undefined;
    await sim.close();
  });

  async function selectOne(p: oracledb.Pool): Promise<void> {
    const conn = await p.getConnection();
    try {
      const r = await conn.execute<[number]>('SELECT 1 FROM DUAL');
      if (r.rows?.[0]?.[0] !== 1) throw new Error(`unexpected rows ${JSON.stringify(r.rows)}`);
    } finally {
      await conn.close();
    }
  }

  it('serves 200 concurrent borrowers on a pool of 40 without errors or extra sessions', async () => {
    pool = await oracledb.createPool({ ...credentials(sim), poolMin: 0, poolMax: 40, queueTimeout: 20_000, queueMax: -1 });
    const p = pool;
    const errors: unknown[] = [];
    let remaining = 4000;
    await Promise.all(
      Array.from({ length: 200 }, async () => {
        while (remaining-- > 0) await selectOne(p).catch((e: unknown) => errors.push(e));
      }),
    );
    expect(errors).toEqual([]);
    const stats = sim.stats();
    expect(stats.statements).toBe(4000);
    expect(stats.sessionsPeak).toBeLessThanOrEqual(40);
    expect(stats.errorsSent).toBe(0);
  });

  it('recovers after every session is killed: later borrows succeed on new sessions', async () => {
    pool = await oracledb.createPool({ ...credentials(sim), poolMin: 0, poolMax: 5 });
    const p = pool;
    await Promise.all(Array.from({ length: 5 }, () => selectOne(p)));
    const logonsBefore = sim.stats().logons;
    expect(sim.faults.killSessions()).toBe(5);
    expect(sim.stats().sessionsOpen).toBe(0);
    // the pool notices a dead socket at checkout, once the driver has seen the close
    await sleep(200);
    for (let i = 0; i < 20; i++) await selectOne(p);
    await Promise.all(Array.from({ length: 10 }, () => selectOne(p)));
    expect(sim.stats().logons).toBeGreaterThan(logonsBefore);
  });

  it('kills only the requested number of sessions', async () => {
    pool = await oracledb.createPool({ ...credentials(sim), poolMin: 0, poolMax: 4 });
    const p = pool;
    const held = await Promise.all(Array.from({ length: 4 }, () => p.getConnection()));
    expect(sim.faults.killSessions(3)).toBe(3);
    expect(sim.stats().sessionsOpen).toBe(1);
    await Promise.all(held.map((c) => c.close().catch(() => {})));
  });

  it('sees every session logged off when the pool closes', async () => {
    pool = await oracledb.createPool({ ...credentials(sim), poolMin: 0, poolMax: 10 });
    const p = pool;
    await Promise.all(Array.from({ length: 30 }, () => selectOne(p)));
    const opened = sim.stats().logons;
    expect(opened).toBeGreaterThan(0);
    await p.close(0);
    pool = undefined;
    await eventually(() => sim.stats().sessionsOpen === 0);
    expect(sim.stats().logoffs).toBe(opened);
  });
});
