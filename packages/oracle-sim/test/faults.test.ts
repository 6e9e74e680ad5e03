// Freeze: TCP stays up but nothing is answered, so the driver's own timeouts
// must fire (connectTimeout, poolPingTimeout, callTimeout); after unfreeze
// the simulator answers what it held, in order, and stays usable.
import oracledb from 'oracledb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { credentials, expectCode, sleep, withConnection } from './harness.js';

describe('oracle-sim freeze', () => {
  let sim: Simulator;
  let pool: oracledb.Pool | undefined;

  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    sim.faults.reset(); // a frozen simulator would also hold the logoffs of pool.close()
    await pool?.close(0).catch(() => {});
    pool = undefined;
    await sim.close();
  });

  it('lets connectTimeout fire (NJS-510): TCP is accepted but no ACCEPT packet comes', async () => {
    sim.faults.freeze();
    const started = Date.now();
    await expectCode(oracledb.getConnection({ ...credentials(sim), connectTimeout: 1 }), 'NJS-510');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    sim.faults.unfreeze();
    await withConnection(credentials(sim), (conn) => conn.ping());
  });

  it('lets poolPingTimeout drop the idle connection, then connectTimeout fail the borrow', async () => {
    pool = await oracledb.createPool({
      ...credentials(sim),
      poolMin: 0,
      poolMax: 2,
      poolPingInterval: 0, // ping at every checkout
      poolPingTimeout: 300,
      connectTimeout: 1,
      queueTimeout: 10_000,
    });
    const warm = await pool.getConnection();
    await warm.close();
    sim.faults.freeze();
    const started = Date.now();
    await expectCode(pool.getConnection(), 'NJS-510');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1200); // ping timeout + connect timeout
    sim.faults.unfreeze();
    const conn = await pool.getConnection();
    expect((await conn.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
    await conn.close();
  });

  it('holds a call past callTimeout until unfreeze, then reports NJS-123 and stays usable', async () => {
    await withConnection(credentials(sim), async (conn) => {
      conn.callTimeout = 200;
      sim.faults.freeze();
      const call = conn.execute('SELECT 1 FROM DUAL').then(
        () => 'answered',
        (e: { code?: string }) => e.code,
      );
      await sleep(600); // the break marker is on the wire; a frozen server answers nothing
      sim.faults.unfreeze();
      expect(await call).toBe('NJS-123');
      conn.callTimeout = 0;
      expect((await conn.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
      await conn.ping();
    });
  });
});
