// `oracle-sim --tls --wallet-dir DIR --wallet-password PW` as its own process
// (what `npm run sim -- --tls ...` runs): the announcement gives the tcps://
// connect string and the alias, never the password, and the real driver
// connects with the wallet it wrote, by Easy Connect and by alias.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_USER, startSimulatorProcess, type SimulatorProcess } from '@orapool/oracle-sim';
import { withConnection } from './harness.js';

describe('oracle-sim --tls (process)', () => {
  let sim: SimulatorProcess | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes ewallet.pem and tnsnames.ora, announces tcps:// and the alias without the password, and serves the driver both ways', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orasim-cli-tls-'));
    const walletDir = path.join(dir, 'w');
    const password = 'Cli-Wallet-Pw-9';
    sim = await startSimulatorProcess(['--tls', '--wallet-dir', walletDir, '--wallet-password', password, '--verbose']);
    expect(sim.connectString).toBe(`tcps://127.0.0.1:${sim.port}/FREEPDB1`);
    expect(sim.tls).toEqual({ mode: 'mutual', walletDir, configDir: walletDir, alias: 'freepdb1_tcps', serverCertDn: 'CN=localhost,O=OraSim,C=US' });
    expect((await readdir(walletDir)).sort()).toEqual(['ewallet.pem', 'tnsnames.ora']);
    const pem = await readFile(path.join(walletDir, 'ewallet.pem'), 'utf8');
    // layout the driver needs (§2): encrypted key, then the client certificate first, then the CA
    expect(pem.match(/-----BEGIN [A-Z ]+-----/g)).toEqual([
      '-----BEGIN ENCRYPTED PRIVATE KEY-----',
      '-----BEGIN CERTIFICATE-----',
      '-----BEGIN CERTIFICATE-----',
    ]);
    const tns = await readFile(path.join(walletDir, 'tnsnames.ora'), 'utf8');
    expect(tns).toContain(`freepdb1_tcps = (description=`);
    expect(tns).toContain(`(protocol=tcps)(port=${sim.port})(host=127.0.0.1)`);
    expect(tns).toContain('(security=(ssl_server_dn_match=yes)(ssl_server_cert_dn="CN=localhost,O=OraSim,C=US"))');

    const creds = { user: DEFAULT_USER.user, password: DEFAULT_USER.password, walletLocation: walletDir, walletPassword: password };
    for (const connectString of [sim.connectString, sim.tls!.alias]) {
      await withConnection({ ...creds, connectString, configDir: walletDir }, async (conn) => {
        expect((await conn.execute('SELECT 1 FROM DUAL')).rows).toEqual([[1]]);
      });
    }
    expect(await sim.control('/stats', 'GET')).toMatchObject({ logons: 2 });
    // the password is in no output line (announcement or verbose log)
    expect(sim.lines.length).toBeGreaterThan(1);
    expect(sim.lines.join('\n')).not.toContain(password);
  });

  it('refuses wallet options without --tls and a bad --tls value, all at once, exit code 2', async () => {
    await expect(startSimulatorProcess(['--wallet-dir', '/tmp/x', '--tls=two-way'])).rejects.toThrow(
      /exited \(code 2\)[\s\S]*--tls must be given alone/,
    );
    await expect(startSimulatorProcess(['--wallet-password', 'x'])).rejects.toThrow(/--wallet-dir and --wallet-password need --tls/);
  });
});
