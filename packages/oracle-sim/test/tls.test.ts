// TCPS through the real driver: the simulator's generated wallet and
// tnsnames.ora work by Easy Connect and by alias, in one-way and mutual TLS,
// and each wallet/certificate failure gives the driver code an Autonomous
// Database would (docs/oracle-tls-drcp.md §1 table, §2).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import oracledb from 'oracledb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePki, startSimulator, writeTnsnames, writeWallet, type Simulator } from '../src/index.js';
import { DEFAULT_USER } from '../src/index.js';
import { expectCode } from './harness.js';

const PW = 'WalletPw1';
const user = { user: DEFAULT_USER.user, password: DEFAULT_USER.password };

async function selectOne(attrs: oracledb.ConnectionAttributes): Promise<unknown> {
  const conn = await oracledb.getConnection({ ...user, ...attrs });
  try {
    return (await conn.execute('SELECT 1 FROM DUAL')).rows;
  } finally {
    await conn.close();
  }
}

/**
 * Connects from a fresh Node process that trusts only `caFile` through
 * NODE_EXTRA_CA_CERTS (read at start-up, so it cannot be set in-process) and
 * has no wallet at all: the driver then presents no client certificate.
 */
async function connectWithoutWallet(connectString: string, caFile: string): Promise<{ ok: boolean; code?: string; message?: string }> {
  const driver = pathToFileURL(createRequire(import.meta.url).resolve('oracledb')).href;
  const script = `
    const { default: oracledb } = await import(${JSON.stringify(driver)});
    try {
      const c = await oracledb.getConnection(${JSON.stringify({ ...user, connectString })});
      await c.execute('SELECT 1 FROM DUAL'); await c.close();
      console.log(JSON.stringify({ ok: true }));
    } catch (e) { console.log(JSON.stringify({ ok: false, code: e.code, message: e.message })); }`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
  });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('oracle-sim over TCPS (mutual TLS, encrypted wallet)', () => {
  let sim: Simulator;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'orasim-tls-test-'));
    sim = await startSimulator({ tls: { walletDir: path.join(scratch, 'wallet'), walletPassword: PW } });
  });
  afterAll(async () => {
    await sim.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('announces a tcps:// connect string and a wallet, never the password', () => {
    expect(sim.connectString).toBe(`tcps://127.0.0.1:${sim.port}/FREEPDB1`);
    expect(sim.tls).toMatchObject({ mode: 'mutual', walletDir: path.join(scratch, 'wallet'), alias: 'freepdb1_tcps' });
    expect(JSON.stringify(sim.tls)).not.toContain(PW);
  });

  it('serves the driver by Easy Connect with walletLocation and walletPassword', async () => {
    expect(await selectOne({ connectString: sim.connectString, walletLocation: sim.tls!.walletDir, walletPassword: PW })).toEqual([[1]]);
  });

  it('serves the driver by the tnsnames.ora alias through configDir, with the DN match of an Autonomous Database wallet', async () => {
    const w = sim.tls!.walletDir;
    expect(await selectOne({ connectString: sim.tls!.alias, configDir: w, walletLocation: w, walletPassword: PW })).toEqual([[1]]);
  });

  it('serves a driver pool over TLS', async () => {
    const pool = await oracledb.createPool({
      ...user, connectString: sim.connectString, walletLocation: sim.tls!.walletDir, walletPassword: PW, poolMin: 0, poolMax: 4,
    });
    try {
      await Promise.all(Array.from({ length: 12 }, async () => {
        const c = await pool.getConnection();
        try { await c.execute('SELECT 1 FROM DUAL'); } finally { await c.close(); }
      }));
    } finally {
      await pool.close(0);
    }
  });

  it('wrong wallet password: NJS-505 (bad decrypt)', async () => {
    const err = await expectCode(selectOne({ connectString: sim.connectString, walletLocation: sim.tls!.walletDir, walletPassword: 'not-it' }), 'NJS-505');
    expect(err.message).toContain('bad decrypt');
  });

  it('no ewallet.pem in walletLocation: NJS-512 (ENOENT)', async () => {
    const empty = path.join(scratch, 'empty');
    await mkdir(empty, { recursive: true });
    const err = await expectCode(selectOne({ connectString: sim.connectString, walletLocation: empty, walletPassword: PW }), 'NJS-512');
    expect(err.message).toContain('ENOENT');
  });

  it('a wallet from another CA does not trust the server: NJS-506', async () => {
    const other = await writeWallet(await generatePki({ organization: 'Elsewhere' }), { dir: path.join(scratch, 'other'), password: PW });
    const err = await expectCode(selectOne({ connectString: sim.connectString, walletLocation: other.dir, walletPassword: PW }), 'NJS-506');
    // mutual TLS sends the CA with the chain ("self-signed ... in chain"); one-way only the leaf ("unable to verify the first certificate")
    expect(err.message).toMatch(/self-signed certificate in certificate chain|unable to verify the first certificate/);
  });

  it('an alias whose SSL_SERVER_CERT_DN differs from the certificate: NJS-506 caused by NJS-507', async () => {
    const dir = path.join(scratch, 'dn');
    await writeTnsnames(dir, [{ alias: 'wrong_dn', host: '127.0.0.1', port: sim.port, serviceName: 'FREEPDB1', serverCertDn: 'CN=adb.example.com,O=OraSim,C=US' }]);
    const err = await expectCode(
      selectOne({ connectString: 'wrong_dn', configDir: dir, walletLocation: sim.tls!.walletDir, walletPassword: PW }),
      'NJS-506',
    );
    expect(err.message).toContain('NJS-507');
  });

  it('a wallet holding only the CA (no client certificate or key): NJS-505, the driver cannot load it', async () => {
    const dir = path.join(scratch, 'ca-only');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'ewallet.pem'), sim.tls!.caCert);
    const err = await expectCode(selectOne({ connectString: sim.connectString, walletLocation: dir }), 'NJS-505');
    expect(err.message).toContain('DECODER routines::unsupported');
  });

  it('mutual TLS and a client certificate from a CA the server does not trust: the server drops the handshake, NJS-500 (NJS-521 end-of-file)', async () => {
    const other = await generatePki({ organization: 'Elsewhere' });
    const dir = path.join(scratch, 'foreign-client');
    await mkdir(dir, { recursive: true });
    // trusts our server, presents a foreign client certificate
    await writeFile(path.join(dir, 'ewallet.pem'), other.clientKey + other.clientCert + sim.tls!.caCert);
    const err = await expectCode(selectOne({ connectString: sim.connectString, walletLocation: dir }), 'NJS-500');
    expect(err.message).toContain('NJS-521');
  });

  it('mutual TLS and a driver with no wallet (server trusted through NODE_EXTRA_CA_CERTS): NJS-500 caused by NJS-501 certificate required', async () => {
    const caFile = path.join(scratch, 'ca.crt');
    await writeFile(caFile, sim.tls!.caCert);
    const result = await connectWithoutWallet(sim.connectString, caFile);
    expect(result.ok).toBe(false);
    expect(result.code).toBe('NJS-500');
    expect(result.message).toContain('NJS-501');
    expect(result.message).toContain('certificate required');
  });

  it('a plain TCP client on the TLS port: NJS-500 (NJS-521)', async () => {
    const err = await expectCode(selectOne({ connectString: sim.connectString.replace('tcps://', ''), connectTimeout: 5 }), 'NJS-500');
    expect(err.message).toContain('NJS-521');
  });
});

describe('oracle-sim over TCPS (one-way TLS)', () => {
  let sim: Simulator;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'orasim-tls1-test-'));
    sim = await startSimulator({ tls: { mode: 'one-way', walletDir: path.join(scratch, 'wallet') } });
  });
  afterAll(async () => {
    await sim.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('serves a driver with an unencrypted wallet (its client certificate is never requested)', async () => {
    expect(sim.tls!.mode).toBe('one-way');
    expect(await selectOne({ connectString: sim.connectString, walletLocation: sim.tls!.walletDir })).toEqual([[1]]);
  });

  it('serves a driver with no wallet that trusts the test CA through NODE_EXTRA_CA_CERTS', async () => {
    const caFile = path.join(scratch, 'ca.crt');
    await writeFile(caFile, sim.tls!.caCert);
    expect(await connectWithoutWallet(sim.connectString, caFile)).toEqual({ ok: true });
  });

  it('a driver trusting only the default roots rejects the test CA: NJS-506', async () => {
    // walletLocation 'SYSTEM' means no wallet (§2)
    const err = await expectCode(selectOne({ connectString: sim.connectString, walletLocation: 'SYSTEM' }), 'NJS-506');
    expect(err.message).toMatch(/self-signed|unable to verify/);
  });
});

describe('oracle-sim over TCPS with a certificate for another host name', () => {
  it('Easy Connect to an address the certificate does not name: NJS-506 caused by NJS-508', async () => {
    const sim = await startSimulator({ tls: { mode: 'one-way', certificateHosts: ['db.example.com'] } });
    try {
      const err = await expectCode(selectOne({ connectString: sim.connectString, walletLocation: sim.tls!.walletDir }), 'NJS-506');
      expect(err.message).toContain('NJS-508');
      expect(err.message).toContain('127.0.0.1');
      // the same certificate passes once the DN is matched instead of the host (tnsnames SECURITY, §1)
      expect(await selectOne({ connectString: sim.tls!.alias, configDir: sim.tls!.walletDir, walletLocation: sim.tls!.walletDir })).toEqual([[1]]);
    } finally {
      await sim.close();
    }
    // a wallet directory the simulator chose itself goes with it
    expect(existsSync(sim.tls!.walletDir)).toBe(false);
  });
});
