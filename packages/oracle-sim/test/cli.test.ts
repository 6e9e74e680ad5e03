// The built `oracle-sim` CLI (what the bin, `npm run sim` and the image run) as
// a separate process: the listening line, the driver, the control port, SIGTERM.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import oracledb from 'oracledb';
import { afterEach, describe, expect, it } from 'vitest';
import { cliPath } from '@orapool/oracle-sim';
import { expectCode, withConnection } from './harness.js';

interface Listening {
  event: 'listening';
  port: number;
  controlPort: number;
  connectString: string;
}

function spawnCli(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [cliPath, ...args], {
    env: { ...process.env, SIM_VERBOSE: '' },
  });
}

function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (line) => {
      rl.close();
      resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code} before listening`)));
  });
}

function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function control(port: number, method: 'GET' | 'POST', path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('oracle-sim cli', () => {
  let child: ChildProcessWithoutNullStreams | undefined;

  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  it('prints the listening line, serves the driver and the control port, and exits 0 on SIGTERM', async () => {
    child = spawnCli(['--port', '0', '--control-port', '0', '--service', 'CLIPDB', '--user', 'cliuser', '--password', 'cli-pw']);
    const stdout: string[] = [];
    const line = await firstLine(child);
    child.stdout.on('data', (d: Buffer) => stdout.push(d.toString()));
    const listening = JSON.parse(line) as Listening;
    expect(listening).toMatchObject({ event: 'listening', connectString: `127.0.0.1:${listening.port}/CLIPDB` });

    const attrs = { user: 'cliuser', password: 'cli-pw', connectString: listening.connectString };
    await withConnection(attrs, async (conn) => {
      expect((await conn.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
      const stats = await control(listening.controlPort, 'GET', '/stats');
      expect(stats).toMatchObject({ status: 200, body: { logons: 1, sessionsOpen: 1, statements: 1 } });
      expect(await control(listening.controlPort, 'POST', '/faults/kill?count=1')).toEqual({ status: 200, body: { killed: 1 } });
    });

    expect((await control(listening.controlPort, 'POST', '/faults/refuse?on=1')).status).toBe(200);
    await expectCode(oracledb.getConnection(attrs), 'NJS-511');
    expect((await control(listening.controlPort, 'POST', '/reset')).status).toBe(200);
    expect((await control(listening.controlPort, 'POST', '/latency?ms=abc')).status).toBe(400);
    expect((await control(listening.controlPort, 'GET', '/faults/freeze')).status).toBe(405);
    expect((await control(listening.controlPort, 'POST', '/stats/reset')).body).toMatchObject({ logons: 0 });

    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
    expect(stdout.join('')).toBe(''); // the listening line is the only stdout output
  });

  it('reports every bad option at once and exits 2 without listening', async () => {
    child = spawnCli(['--port', 'x', '--capacity', '0', '--bogus']);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    expect(await exitCode(child)).toBe(2);
    expect(stderr).toContain('--port must be');
    expect(stderr).toContain('--capacity must be >= 1');
    expect(stderr).toContain('unknown argument "--bogus"');
  });
});
