// startSimulatorProcess, the one launcher that `npm run dev`, the load
// benchmark and the throughput benchmark share: it must hand back a
// simulator the real driver reaches, report a failed start with the
// simulator's own words, and stop it cleanly.
import oracledb from 'oracledb';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_USER, startSimulatorProcess, type SimulatorProcess } from '@orapool/oracle-sim';
import { withConnection } from './harness.js';

describe('startSimulatorProcess', () => {
  let sim: SimulatorProcess | undefined;

  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it('starts the built CLI on ephemeral ports, serves the driver and the control API, and stops with exit code 0', async () => {
    sim = await startSimulatorProcess(['--service', 'LAUNCHPDB', '--latency-ms', '1']);
    expect(sim.connectString).toBe(`127.0.0.1:${sim.port}/LAUNCHPDB`);
    expect(sim.port).toBeGreaterThan(0);
    expect(sim.controlPort).toBeGreaterThan(0);

    const attrs = { user: DEFAULT_USER.user, password: DEFAULT_USER.password, connectString: sim.connectString };
    await withConnection(attrs, async (conn) => {
      expect((await conn.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
    });
    expect(await sim.control('/stats', 'GET')).toMatchObject({ logons: 1, logoffs: 1, statements: 1 });

    const exit = new Promise<number | null>((resolve) => sim!.child.once('exit', (code) => resolve(code)));
    await sim.stop();
    expect(await exit).toBe(0);
    await expect(oracledb.getConnection({ ...attrs, connectTimeout: 2 })).rejects.toThrow();
  });

  it('rejects with the simulator output when the CLI refuses its options', async () => {
    const started = startSimulatorProcess(['--capacity', '0']);
    await expect(started).rejects.toThrow(/exited \(code 2\) before listening[\s\S]*--capacity must be >= 1/);
  });
});
