/**
 * The Dockerfile, built and run by a real Docker engine. The engine is
 * required: if it cannot start, this file fails (no silent skip). The image is
 * built once, on a debootstrap stand-in for the node base image (no registry
 * is reachable here), and run with the restrictions Kubernetes applies.
 */
import { mkdtempSync, rmSync, writeFileSync, chmodSync, chownSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '@orapool/oracle-sim';
import { docker, dockerOk, ensureStandInImage, startEngine, type Engine } from './docker-engine.js';
import { freePort, ROOT, waitFor } from './helpers.js';

const IMAGE = 'orapool-test:latest';
const SIM_IMAGE = 'orapool-sim-test:latest';
const UNREACHABLE_DB = ['-e', 'DB_USER=x', '-e', 'DB_PASSWORD=y', '-e', 'DB_CONNECT_STRING=127.0.0.1:9/NONE'];
/** What the Helm chart and k8s manifests enforce, so the image is known to run under them. */
const RESTRICTED = ['--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];

type Inspect = {
  Config: {
    User: string;
    Cmd: string[];
    Entrypoint: string[] | null;
    Env: string[];
    ExposedPorts: Record<string, object>;
    Healthcheck?: { Test: string[] };
    Labels: Record<string, string>;
  };
};

let engine: Engine | undefined;
let inspect: Inspect;
let simInspect: Inspect;
const containers: string[] = [];

async function http(port: number, path: string): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) })).status;
}

async function runApp(extra: string[], port: number): Promise<string> {
  const id = dockerOk(['run', '-d', '--network', 'host', ...RESTRICTED, '-e', `PORT=${port}`, '-e', 'HOST=127.0.0.1', '-e', 'SHUTDOWN_DELAY_SECONDS=1', '-e', 'SHUTDOWN_DRAIN_SECONDS=2', ...extra, IMAGE]);
  containers.push(id);
  await waitFor('the container to answer /livez', async () => {
    const state = dockerOk(['inspect', '-f', '{{.State.Status}}', id]);
    if (state === 'exited') throw new Error(`container exited:\n${docker(['logs', id]).stdout}${docker(['logs', id]).stderr}`);
    return (await http(port, '/livez')) === 200 ? true : undefined;
  }, 30_000, 300);
  return id;
}

beforeAll(async () => {
  engine = await startEngine();
  const base = ensureStandInImage();
  const build = (extra: string[]) => dockerOk(['build', '--network', 'host', '--build-arg', `NODE_IMAGE=${base}`, ...extra, ROOT], 600_000);
  build(['-t', IMAGE]);
  build(['--target', 'sim', '-t', SIM_IMAGE]);
  inspect = (JSON.parse(dockerOk(['image', 'inspect', IMAGE])) as Inspect[])[0]!;
  simInspect = (JSON.parse(dockerOk(['image', 'inspect', SIM_IMAGE])) as Inspect[])[0]!;
});

afterAll(async () => {
  for (const id of containers) docker(['rm', '-f', id]);
  await engine?.stop();
});

describe('the orapool image', () => {
  it('runs node dist/main.js directly as PID 1, as numeric non-root user 1000, in production mode', () => {
    expect(inspect.Config.User).toBe('1000:1000');
    expect(inspect.Config.Cmd).toEqual(['node', 'dist/main.js']);
    expect(inspect.Config.Entrypoint ?? []).toEqual([]);
    expect(inspect.Config.Env).toContain('NODE_ENV=production');
    expect(Object.keys(inspect.Config.ExposedPorts)).toEqual(['5001/tcp']);
  });

  it('has a HEALTHCHECK on /livez that needs no curl, and OCI labels', () => {
    expect(inspect.Config.Healthcheck?.Test[0]).toBe('CMD');
    expect(inspect.Config.Healthcheck?.Test.slice(1, 3)).toEqual(['node', '-e']);
    expect(inspect.Config.Healthcheck?.Test[3]).toContain('/livez');
    for (const label of ['title', 'description', 'licenses', 'source', 'version', 'revision']) {
      expect(inspect.Config.Labels[`org.opencontainers.image.${label}`], label).toBeTruthy();
    }
  });

  it('holds production dependencies and dist/ only: no dev dependencies, sources, tests or .env', () => {
    const script = `
      const fs = require('fs'), path = require('path');
      const found = [];
      const walk = (dir) => { for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (/^\\.env/.test(e.name) || /\\.test\\.[jt]s$/.test(e.name)) found.push(p);
        if (e.isDirectory() && !e.isSymbolicLink()) walk(p);
      } };
      walk('/app');
      for (const d of ['/home', '/root', '/tmp']) { try { walk(d); } catch {} }
      // lstat: a workspace link left dangling (its folder is not in the image) counts too.
      const has = (m) => { try { fs.lstatSync('/app/node_modules/' + m); return true; } catch { return false; } };
      console.log(JSON.stringify({ top: fs.readdirSync('/app').sort(), found,
        dev: ['typescript', 'vitest', 'tsx', '@types/node', 'dclint', 'autocannon', 'kubernetes-models', '@aws-cdk/lambda-layer-kubectl-v35', '@orapool/oracle-sim'].filter(has),
        prod: ['koa', '@koa/router', 'oracledb', 'prom-client', 'envalid', 'winston', 'dotenv'].filter(has) }));`;
    const out = JSON.parse(dockerOk(['run', '--rm', '--network', 'host', '--entrypoint', 'node', IMAGE, '-e', script])) as {
      top: string[];
      found: string[];
      dev: string[];
      prod: string[];
    };
    expect(out.top).toEqual(['dist', 'node_modules', 'package.json']);
    expect(out.dev).toEqual([]);
    expect(out.prod).toEqual(['koa', '@koa/router', 'oracledb', 'prom-client', 'envalid', 'winston', 'dotenv']);
    expect(out.found).toEqual([]);
  });

  it('bakes no secret into any layer', () => {
    const history = dockerOk(['history', '--no-trunc', '--format', '{{.CreatedBy}}', IMAGE]);
    expect(history).not.toMatch(/PASSWORD|SECRET|TOKEN/i);
    for (const variable of inspect.Config.Env) expect(variable).not.toMatch(/PASSWORD|SECRET|TOKEN/i);
  });

  describe('running restricted (read-only root, no capabilities) with an unreachable database', () => {
    let port = 0;
    let id = '';
    beforeAll(async () => {
      port = await freePort();
      id = await runApp(UNREACHABLE_DB, port);
    });

    it('serves /livez 200 and /readyz 503', async () => {
      expect(await http(port, '/livez')).toBe(200);
      expect(await http(port, '/readyz')).toBe(503);
    });

    it('runs PID 1 as uid 1000: node itself, not a shell or npm', () => {
      const status = dockerOk(['exec', id, 'cat', '/proc/1/status']);
      expect(status).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
      expect(dockerOk(['exec', id, 'cat', '/proc/1/cmdline']).split('\0').filter(Boolean)).toEqual(['node', 'dist/main.js']);
    });

    it('passes its own HEALTHCHECK command', () => {
      const result = docker(['exec', id, ...inspect.Config.Healthcheck!.Test.slice(1)]);
      expect(result.status, result.stderr).toBe(0);
    });

    it('stops on docker stop with exit code 0, well within the grace period', () => {
      const started = Date.now();
      dockerOk(['stop', '-t', '30', id], 60_000);
      const seconds = (Date.now() - started) / 1000;
      const state = JSON.parse(dockerOk(['inspect', '-f', '{{json .State}}', id])) as { ExitCode: number; OOMKilled: boolean };
      expect(state.ExitCode).toBe(0);
      // SHUTDOWN_DELAY_SECONDS=1 + a short drain: a SIGKILL would have taken the full 30 s and exited 137.
      expect(seconds).toBeLessThan(15);
    });
  });

  it('reaches the database through the simulator image, with the password as a mounted file (DB_PASSWORD_FILE)', async () => {
    const simPort = await freePort();
    const sim = dockerOk(['run', '-d', '--network', 'host', ...RESTRICTED, '-e', 'SIM_PASSWORD=sim-secret', SIM_IMAGE, 'node', 'dist/cli/main.js', '--host', '127.0.0.1', '--port', String(simPort)]);
    containers.push(sim);
    await waitFor('the simulator to listen', async () => (/"event":"listening"/.test(docker(['logs', sim]).stdout) ? true : undefined), 60_000, 500);

    const dir = mkdtempSync(join(tmpdir(), 'orapool-secret-'));
    try {
      writeFileSync(join(dir, 'db_password'), 'sim-secret\n');
      chmodSync(join(dir, 'db_password'), 0o444);
      const port = await freePort();
      await runApp(['-e', 'DB_USER=orapool', '-e', `DB_CONNECT_STRING=127.0.0.1:${simPort}/FREEPDB1`, '-e', 'DB_PASSWORD_FILE=/run/secrets/db_password', '-v', `${dir}/db_password:/run/secrets/db_password:ro`], port);
      await waitFor('/readyz 200 through the simulator', async () => ((await http(port, '/readyz')) === 200 ? true : undefined), 30_000, 500);
      // A round-trip of its own through the pool. Waited for, not taken once: on a CI machine running
      // other suites a first request may get a clean 503 with Retry-After (a slow first call), which is
      // an answer, not a failure to reach the database.
      await waitFor('/api/health 200 through the simulator', async () => ((await http(port, '/api/health')) === 200 ? true : undefined), 30_000, 500);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reaches the database over TCPS by the wallet alias, the wallet mounted read-only as the chart mounts it, as uid 1000', async () => {
    // The simulator in-process on the host (the container shares its network), mutual TLS, a wallet generated now.
    const walletPassword = 'Image-Wallet-Pw-1';
    const dir = mkdtempSync(join(tmpdir(), 'orapool-pod-'));
    const sim = await startSimulator({ tls: { mode: 'mutual', walletDir: join(dir, 'generated'), walletPassword } });
    try {
      // The chart: the wallet Secret's files at /etc/orapool/wallet, the credentials Secret's at
      // /etc/orapool/secrets, both read-only, files 0440 owned by fsGroup 1000, read through DB_*_FILE.
      const wallet = join(dir, 'wallet');
      const secrets = join(dir, 'secrets');
      mkdirSync(wallet);
      mkdirSync(secrets);
      for (const name of ['ewallet.pem', 'tnsnames.ora']) copyFileSync(join(sim.tls!.walletDir, name), join(wallet, name));
      const values = { DB_USER: 'orapool', DB_PASSWORD: 'orapool-sim', DB_CONNECT_STRING: sim.tls!.alias, DB_WALLET_PASSWORD: walletPassword };
      for (const [name, value] of Object.entries(values)) writeFileSync(join(secrets, name), `${value}\n`);
      for (const [d, names] of [[wallet, ['ewallet.pem', 'tnsnames.ora']], [secrets, Object.keys(values)]] as const) {
        for (const name of names) {
          chownSync(join(d, name), 0, 1000);
          chmodSync(join(d, name), 0o440);
        }
        chownSync(d, 0, 1000);
        chmodSync(d, 0o550);
      }
      const port = await freePort();
      const id = await runApp([
        '--user', '1000:1000',
        '-v', `${wallet}:/etc/orapool/wallet:ro`,
        '-v', `${secrets}:/etc/orapool/secrets:ro`,
        '-e', 'DB_USER_FILE=/etc/orapool/secrets/DB_USER',
        '-e', 'DB_PASSWORD_FILE=/etc/orapool/secrets/DB_PASSWORD',
        '-e', 'DB_CONNECT_STRING_FILE=/etc/orapool/secrets/DB_CONNECT_STRING',
        '-e', 'DB_WALLET_PASSWORD_FILE=/etc/orapool/secrets/DB_WALLET_PASSWORD',
        '-e', 'DB_WALLET_LOCATION=/etc/orapool/wallet',
        '-e', 'DB_CONFIG_DIR=/etc/orapool/wallet',
      ], port);
      await waitFor('/readyz 200 over TCPS', async () => ((await http(port, '/readyz')) === 200 ? true : undefined), 30_000, 500);
      expect(await http(port, '/api/health')).toBe(200);
      expect(sim.sessions().length).toBeGreaterThan(0);
      const logs = docker(['logs', id]);
      expect(`${logs.stdout}${logs.stderr}`).not.toContain(walletPassword);
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the simulator image (--target sim)', () => {
  it('runs the built CLI with node as numeric user 1000, in production mode', () => {
    expect(simInspect.Config.User).toBe('1000:1000');
    expect(simInspect.Config.Cmd).toEqual(['node', 'dist/cli/main.js', '--host', '0.0.0.0', '--port', '1521']);
    expect(simInspect.Config.Entrypoint ?? []).toEqual([]);
    expect(simInspect.Config.Env).toContain('NODE_ENV=production');
    expect(Object.keys(simInspect.Config.ExposedPorts)).toEqual(['1521/tcp']);
  });

  it('holds the built JavaScript and package.json only: no node_modules, no tsx, no TypeScript sources or tests', () => {
    const script = `
      const fs = require('fs'), path = require('path');
      const files = [];
      const walk = (dir) => { for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p); else files.push(p);
      } };
      walk('/app');
      const tsx = ['/usr/local/lib/node_modules/tsx', '/usr/local/bin/tsx'].filter((p) => fs.existsSync(p));
      console.log(JSON.stringify({ top: fs.readdirSync('/app').sort(), files, tsx }));`;
    const out = JSON.parse(dockerOk(['run', '--rm', '--network', 'host', '--entrypoint', 'node', SIM_IMAGE, '-e', script])) as {
      top: string[];
      files: string[];
      tsx: string[];
    };
    expect(out.top).toEqual(['dist', 'package.json']);
    expect(out.files).toContain('/app/dist/cli/main.js');
    expect(out.files).toContain('/app/dist/index.js');
    expect(out.files.filter((f) => /node_modules|\.test\.|(?<!\.d)\.ts$/.test(f))).toEqual([]);
    expect(out.tsx).toEqual([]);
  });

  it('starts with its default command, and stops on docker stop with exit code 0', async () => {
    // Its own network namespace: the default command listens on port 1521, which the host may be using.
    const id = dockerOk(['run', '-d', '--network', 'none', ...RESTRICTED, SIM_IMAGE]);
    containers.push(id);
    await waitFor('the simulator to listen', async () => (/"event":"listening","port":1521/.test(docker(['logs', id]).stdout) ? true : undefined), 60_000, 500);
    const started = Date.now();
    dockerOk(['stop', '-t', '30', id], 60_000);
    expect(JSON.parse(dockerOk(['inspect', '-f', '{{json .State.ExitCode}}', id]))).toBe(0);
    expect((Date.now() - started) / 1000).toBeLessThan(15);
  });
});
