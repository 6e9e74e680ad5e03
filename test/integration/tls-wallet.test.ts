import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_USER, generatePki, startSimulator, writeTnsnames, writeWallet, type Simulator } from '@orapool/oracle-sim';
import { spawn } from 'node:child_process';
import { projectRoot, startService, type ServiceProcess } from '../support/processes.js';
import { getJson, needsSimulatorReason, realOracle, waitUntilReady } from '../support/database-target.js';

/**
 * The service over TCPS through the real driver, with the wallet mounted the
 * way the Helm chart mounts it: the wallet Secret's files (ewallet.pem,
 * tnsnames.ora) in a read-only directory that DB_WALLET_LOCATION and
 * DB_CONFIG_DIR both point at, and the credentials, wallet password included,
 * read from files (DB_*_FILE). Wallets are generated at test time.
 */
const WALLET_PASSWORD = 'Wa11et-Pw-never-logged';

interface Mount {
  walletDir: string;
  secretsDir: string;
}

describe.skipIf(realOracle)(`the service over TCPS with a mounted wallet (${realOracle ? needsSimulatorReason : 'simulator'})`, () => {
  let sim: Simulator;
  let scratch: string;
  let service: ServiceProcess | undefined;
  const sims: Simulator[] = [];

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'orapool-tls-'));
    sim = await startSimulator({ tls: { mode: 'mutual', walletDir: path.join(scratch, 'sim-wallet'), walletPassword: WALLET_PASSWORD } });
  });
  afterEach(async () => {
    await service?.stop('SIGKILL');
    service = undefined;
  });
  afterAll(async () => {
    for (const s of sims) await s.close();
    await sim.close();
    // The mounts are read-only: make them writable again so they can be removed.
    await chmodTree(scratch);
    await rm(scratch, { recursive: true, force: true });
  });

  async function chmodTree(dir: string): Promise<void> {
    const { readdir } = await import('node:fs/promises');
    await chmod(dir, 0o700).catch(() => {});
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await chmodTree(path.join(dir, entry.name));
    }
  }

  /**
   * A chart-like mount: wallet files mode 0440 in a read-only directory, the
   * credentials Secret as files (DB_WALLET_PASSWORD among them when given).
   */
  async function mount(files: { ewallet?: string; tnsnames?: string; connectString: string; walletPassword?: string }): Promise<Mount> {
    const root = await mkdtemp(path.join(scratch, 'pod-'));
    const walletDir = path.join(root, 'wallet');
    const secretsDir = path.join(root, 'secrets');
    await mkdir(walletDir);
    await mkdir(secretsDir);
    if (files.ewallet) await copyFile(files.ewallet, path.join(walletDir, 'ewallet.pem'));
    if (files.tnsnames) await copyFile(files.tnsnames, path.join(walletDir, 'tnsnames.ora'));
    const secrets: Record<string, string> = { DB_USER: DEFAULT_USER.user, DB_PASSWORD: DEFAULT_USER.password, DB_CONNECT_STRING: files.connectString };
    if (files.walletPassword !== undefined) secrets.DB_WALLET_PASSWORD = files.walletPassword;
    for (const [name, value] of Object.entries(secrets)) {
      await writeFile(path.join(secretsDir, name), `${value}\n`);
      await chmod(path.join(secretsDir, name), 0o440);
    }
    for (const name of ['ewallet.pem', 'tnsnames.ora']) await chmod(path.join(walletDir, name), 0o440).catch(() => {});
    await chmod(walletDir, 0o555);
    await chmod(secretsDir, 0o555);
    return { walletDir, secretsDir };
  }

  function env(m: Mount, extra: Record<string, string> = {}): Record<string, string> {
    const withPassword = extra.NO_WALLET_PASSWORD === undefined;
    delete extra.NO_WALLET_PASSWORD;
    return {
      DB_USER_FILE: path.join(m.secretsDir, 'DB_USER'),
      DB_PASSWORD_FILE: path.join(m.secretsDir, 'DB_PASSWORD'),
      DB_CONNECT_STRING_FILE: path.join(m.secretsDir, 'DB_CONNECT_STRING'),
      ...(withPassword ? { DB_WALLET_PASSWORD_FILE: path.join(m.secretsDir, 'DB_WALLET_PASSWORD') } : {}),
      DB_WALLET_LOCATION: m.walletDir,
      DB_CONFIG_DIR: m.walletDir,
      DB_RETRY_MAX_DELAY: '1',
      SHUTDOWN_DELAY_SECONDS: '0',
      ...extra,
    };
  }

  const simWallet = () => path.join(sim.tls!.walletDir, 'ewallet.pem');
  const simTnsnames = () => path.join(sim.tls!.walletDir, 'tnsnames.ora');

  /** Everything the service said or serves must not contain the wallet password. */
  async function expectNoPassword(s: ServiceProcess): Promise<void> {
    const readyz = await (await fetch(`${s.url}/readyz`)).text();
    const health = await (await fetch(`${s.url}/api/health`)).text();
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    for (const text of [s.lines.join('\n'), readyz, health, metrics]) expect(text).not.toContain(WALLET_PASSWORD);
  }

  it('serves /api/health 200 by Easy Connect with DB_WALLET_LOCATION and DB_WALLET_PASSWORD_FILE', async () => {
    const m = await mount({ ewallet: simWallet(), tnsnames: simTnsnames(), connectString: sim.connectString, walletPassword: WALLET_PASSWORD });
    service = await startService(env(m, { DB_CONFIG_DIR: '' }));
    await waitUntilReady(service);
    const health = await getJson(`${service.url}/api/health`);
    expect(health.status).toBe(200);
    expect(sim.sessions().length).toBeGreaterThan(0);
    await expectNoPassword(service);
  });

  it('serves /api/health 200 by the tnsnames.ora alias with DB_CONFIG_DIR (DN match on, as an Autonomous Database wallet)', async () => {
    const m = await mount({ ewallet: simWallet(), tnsnames: simTnsnames(), connectString: sim.tls!.alias, walletPassword: WALLET_PASSWORD });
    service = await startService(env(m));
    await waitUntilReady(service);
    expect((await getJson(`${service.url}/api/health`)).status).toBe(200);
    await expectNoPassword(service);
  });

  /**
   * Stops once with pool_create_stopped naming the code and the setting,
   * stays up (/livez 200) and not ready with a reason carrying both, and
   * never retries: within 2.5 x DB_RETRY_MAX_DELAY a retrying service would
   * have logged pool_create_retry at least twice.
   */
  async function expectStopped(s: ServiceProcess, code: RegExp, setting: RegExp): Promise<string> {
    const stopped = await s.waitForLog((e) => e.event === 'pool_create_stopped');
    expect(stopped.level).toBe('error');
    expect(String(stopped.message)).toMatch(code);
    expect(String(stopped.message)).toMatch(setting);
    await new Promise((r) => setTimeout(r, 2500));
    expect(s.logs().filter((e) => e.event === 'pool_create_retry')).toHaveLength(0);
    expect(s.logs().filter((e) => e.event === 'pool_create_stopped')).toHaveLength(1);
    expect((await fetch(`${s.url}/livez`)).status).toBe(200);
    const readyz = await getJson(`${s.url}/readyz`);
    expect(readyz.status).toBe(503);
    const reason = (readyz.body.reasons as string[]).join('; ');
    expect(reason).toMatch(code);
    expect(reason).toMatch(setting);
    expect(reason).toMatch(/not retrying: fix the TLS\/wallet settings/);
    const health = await getJson(`${s.url}/api/health`);
    expect(health.status).toBe(503);
    expect(health.body.error).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    await expectNoPassword(s);
    return reason;
  }

  it('wrong wallet password: NJS-505, names DB_WALLET_PASSWORD, stops retrying', async () => {
    const m = await mount({ ewallet: simWallet(), connectString: sim.connectString, walletPassword: 'not-the-wallet-password' });
    service = await startService(env(m, { DB_CONFIG_DIR: '' }));
    await expectStopped(service, /NJS-505/, /DB_WALLET_PASSWORD does not match/);
  });

  it('encrypted wallet and no DB_WALLET_PASSWORD: NJS-505, says the password is not set', async () => {
    const m = await mount({ ewallet: simWallet(), connectString: sim.connectString });
    service = await startService(env(m, { DB_CONFIG_DIR: '', NO_WALLET_PASSWORD: '1' }));
    await expectStopped(service, /NJS-505/, /DB_WALLET_PASSWORD is not set/);
  });

  it('no ewallet.pem in the mounted directory: NJS-512, names DB_WALLET_LOCATION', async () => {
    const m = await mount({ tnsnames: simTnsnames(), connectString: sim.tls!.alias, walletPassword: WALLET_PASSWORD });
    service = await startService(env(m));
    await expectStopped(service, /NJS-512/, /no ewallet\.pem in DB_WALLET_LOCATION/);
  });

  it('a wallet from another CA does not trust the server: NJS-506, names DB_WALLET_LOCATION', async () => {
    const other = await writeWallet(await generatePki({ organization: 'Elsewhere' }), { dir: path.join(scratch, 'other-ca'), password: WALLET_PASSWORD });
    const m = await mount({ ewallet: other.walletFile, connectString: sim.connectString, walletPassword: WALLET_PASSWORD });
    service = await startService(env(m, { DB_CONFIG_DIR: '' }));
    await expectStopped(service, /NJS-506/, /not signed by a CA in ewallet\.pem in DB_WALLET_LOCATION/);
  });

  it('the alias DN differs from the server certificate: NJS-506 caused by NJS-507, names SSL_SERVER_CERT_DN and DB_CONFIG_DIR', async () => {
    const dir = path.join(scratch, 'wrong-dn');
    const tnsnames = await writeTnsnames(dir, [
      { alias: sim.tls!.alias, host: '127.0.0.1', port: sim.port, serviceName: 'FREEPDB1', serverCertDn: 'CN=adb.example.com,O=Oracle,C=US' },
    ]);
    const m = await mount({ ewallet: simWallet(), tnsnames, connectString: sim.tls!.alias, walletPassword: WALLET_PASSWORD });
    service = await startService(env(m));
    const reason = await expectStopped(service, /NJS-506 caused by NJS-507/, /SSL_SERVER_CERT_DN/);
    expect(reason).toContain('DB_CONFIG_DIR');
  });

  it('the host is not in the server certificate: NJS-506 caused by NJS-508, names the host in DB_CONNECT_STRING', async () => {
    const localhostOnly = await startSimulator({
      tls: { walletDir: path.join(scratch, 'localhost-only'), walletPassword: WALLET_PASSWORD, certificateHosts: ['localhost'] },
    });
    sims.push(localhostOnly);
    const m = await mount({
      ewallet: path.join(localhostOnly.tls!.walletDir, 'ewallet.pem'),
      connectString: localhostOnly.connectString, // tcps://127.0.0.1:<port>/FREEPDB1: an address the certificate does not name
      walletPassword: WALLET_PASSWORD,
    });
    service = await startService(env(m, { DB_CONFIG_DIR: '' }));
    await expectStopped(service, /NJS-506 caused by NJS-508/, /host in DB_CONNECT_STRING/);
  });

  it('an alias with DB_CONFIG_DIR but no DB_WALLET_LOCATION: NJS-506, says DB_WALLET_LOCATION is not set (DB_CONFIG_DIR does not name the wallet)', async () => {
    const m = await mount({ ewallet: simWallet(), tnsnames: simTnsnames(), connectString: sim.tls!.alias, walletPassword: WALLET_PASSWORD });
    service = await startService(env(m, { DB_WALLET_LOCATION: '' }));
    await expectStopped(service, /NJS-506/, /DB_WALLET_LOCATION is not set: point it at the database's wallet \(usually DB_CONFIG_DIR\)/);
  });

  it('a wallet with only the CA certificate (no client key): NJS-505, says the wallet holds no client certificate', async () => {
    const dir = path.join(scratch, 'ca-only');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'ewallet.pem'), sim.tls!.caCert);
    const m = await mount({ ewallet: path.join(dir, 'ewallet.pem'), connectString: sim.connectString, walletPassword: WALLET_PASSWORD });
    service = await startService(env(m, { DB_CONFIG_DIR: '' }));
    await expectStopped(service, /NJS-505/, /holds no client key and certificate/);
  });

  it('mutual TLS and no wallet configured (CA trusted through NODE_EXTRA_CA_CERTS): NJS-500 caused by NJS-501, names DB_WALLET_LOCATION', async () => {
    const caFile = path.join(scratch, 'ca.crt');
    await writeFile(caFile, sim.tls!.caCert);
    const m = await mount({ connectString: sim.connectString });
    service = await startService(env(m, { DB_WALLET_LOCATION: '', DB_CONFIG_DIR: '', NO_WALLET_PASSWORD: '1', NODE_EXTRA_CA_CERTS: caFile }));
    await expectStopped(service, /NJS-500 caused by NJS-501/, /requires a client certificate.*DB_WALLET_LOCATION is not set/);
  });

  /** npm run check (node dist/cli/check.js) with the same environment. */
  function runCheck(e: Record<string, string>): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [`${projectRoot}dist/cli/check.js`], { env: { PATH: process.env.PATH ?? '', ...e }, cwd: '/' });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('exit', (code) => resolve({ code, output }));
    });
  }

  it.each([
    { failure: 'wrong wallet password', code: 'NJS-505', alias: false },
    { failure: 'DN mismatch', code: 'NJS-506', alias: true },
  ])('npm run check diagnoses a $failure in the words /readyz uses', async ({ code, alias }) => {
    let m: Mount;
    if (alias) {
      const tnsnames = await writeTnsnames(path.join(scratch, 'check-dn'), [
        { alias: sim.tls!.alias, host: '127.0.0.1', port: sim.port, serviceName: 'FREEPDB1', serverCertDn: 'CN=other,O=OraSim,C=US' },
      ]);
      m = await mount({ ewallet: simWallet(), tnsnames, connectString: sim.tls!.alias, walletPassword: WALLET_PASSWORD });
    } else {
      m = await mount({ ewallet: simWallet(), connectString: sim.connectString, walletPassword: 'not-the-wallet-password' });
    }
    const e = env(m, alias ? {} : { DB_CONFIG_DIR: '' });
    const check = await runCheck(e);
    expect(check.code).toBe(1);
    expect(check.output).toMatch(new RegExp(`FAIL {2}pool initializes: ${code}`));
    expect(check.output).not.toContain(WALLET_PASSWORD);
    service = await startService(e);
    await service.waitForLog((x) => x.event === 'pool_create_stopped');
    const reason = ((await getJson(`${service.url}/readyz`)).body.reasons as string[]).join();
    // The diagnosis between the code and "; not retrying" is the hint's sentence, word for word.
    const words = /, (.*); not retrying/.exec(reason)?.[1];
    expect(words).toBeTruthy();
    expect(check.output).toContain(`TLS/wallet: ${words}`);
  });

  it('keeps retrying an end-of-file after the handshake (NJS-500 caused by NJS-521): a restarting database gives the same', async () => {
    // A client certificate from a CA the server does not trust: the simulator, like Node's TLS server, drops the connection.
    const other = await generatePki({ organization: 'Elsewhere' });
    const dir = path.join(scratch, 'foreign-client');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'ewallet.pem'), other.clientKey + other.clientCert + sim.tls!.caCert);
    const m = await mount({ ewallet: path.join(dir, 'ewallet.pem'), connectString: sim.connectString });
    service = await startService(env(m, { DB_CONFIG_DIR: '', NO_WALLET_PASSWORD: '1' }));
    await service.waitForLog((e) => e.event === 'pool_create_retry' && Number(e.attempt) >= 2);
    expect(service.logs().filter((e) => e.event === 'pool_create_stopped')).toHaveLength(0);
    const readyz = await getJson(`${service.url}/readyz`);
    expect(readyz.status).toBe(503);
    expect((readyz.body.reasons as string[]).join()).toContain('NJS-500 caused by NJS-521');
  });
});
