/**
 * A private Docker engine for the image test, and a stand-in Node base image
 * built with debootstrap, because no registry (Docker Hub included) is
 * reachable from our machines. Recipe: shared/docs/machine-recipes.md.
 *
 * The engine keeps its data root under /tmp between runs, so the stand-in
 * image and the build cache survive: a warm rerun skips debootstrap and most
 * of the build.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, appendFileSync, cpSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, waitFor } from './helpers.js';

const SOCKET = '/tmp/orapool-docker.sock';
const DATA_ROOT = '/tmp/orapool-docker';
const EXEC_ROOT = '/tmp/orapool-docker-exec';
const PIDFILE = '/tmp/orapool-dockerd.pid';
const LOGFILE = '/tmp/orapool-dockerd.log';
/**
 * One file per test process using the engine (named by its pid). The image
 * test and the compose exercise run in parallel workers and share one engine:
 * the last user out stops it, whoever started it, so neither pulls the engine
 * from under the other.
 */
const USERS_DIR = '/tmp/orapool-docker-users';
const START_LOCK = '/tmp/orapool-dockerd.start.lock';
/** Present while the running engine is one a test started: an engine found running otherwise is never stopped. */
const STARTED_BY_TESTS = '/tmp/orapool-dockerd.started-by-tests';
/** The docker.io client, matched to its engine (a newer client elsewhere on PATH may not speak to 20.10 the same way). */
export const DOCKER = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export const dockerEnv: NodeJS.ProcessEnv = {
  ...process.env,
  DOCKER_HOST: `unix://${SOCKET}`,
  // The classic builder: BuildKit would need the buildx plugin and network entitlements for --network host.
  DOCKER_BUILDKIT: '0',
};

export function docker(args: string[], timeoutMs = 120_000) {
  return run(DOCKER, args, { env: dockerEnv, timeoutMs });
}

export function dockerOk(args: string[], timeoutMs = 120_000): string {
  const result = docker(args, timeoutMs);
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  return result.stdout.trim();
}

const engineAnswers = () => docker(['info', '--format', '{{.ServerVersion}}'], 10_000).status === 0;

export interface Engine {
  /** Leave the engine; the last test process out stops it, if a test started it. */
  stop: () => Promise<void>;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Other live processes registered as engine users (stale files of dead ones are removed). */
function otherUsers(): number[] {
  if (!existsSync(USERS_DIR)) return [];
  const others: number[] = [];
  for (const name of readdirSync(USERS_DIR)) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    if (alive(pid)) others.push(pid);
    else rmSync(join(USERS_DIR, name), { force: true });
  }
  return others;
}

/**
 * Start dockerd on a private socket (or reuse one already answering there),
 * shared by every test process that asks; stop() stops it only when no other
 * live process still uses it. Throws, loudly, when it cannot start.
 */
export async function startEngine(): Promise<Engine> {
  mkdirSync(USERS_DIR, { recursive: true });
  writeFileSync(join(USERS_DIR, String(process.pid)), '');
  const release = async () => {
    rmSync(join(USERS_DIR, String(process.pid)), { force: true });
    if (otherUsers().length > 0 || !existsSync(STARTED_BY_TESTS) || !existsSync(PIDFILE)) return;
    rmSync(STARTED_BY_TESTS, { force: true });
    const pid = Number(readFileSync(PIDFILE, 'utf8').trim());
    if (!alive(pid)) return;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 20_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  };
  // One process starts the engine; one arriving meanwhile waits for it to answer.
  let lock = -1;
  const lockDeadline = Date.now() + 90_000;
  while (lock < 0) {
    try {
      lock = openSync(START_LOCK, 'wx');
    } catch {
      if (engineAnswers()) return { stop: release };
      if (Date.now() > lockDeadline) rmSync(START_LOCK, { force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    await startOrReuse();
  } catch (error) {
    rmSync(join(USERS_DIR, String(process.pid)), { force: true });
    throw error;
  } finally {
    closeSync(lock);
    rmSync(START_LOCK, { force: true });
  }
  return { stop: release };
}

async function startOrReuse(): Promise<void> {
  if (!existsSync('/usr/sbin/dockerd')) throw new Error('dockerd is missing: run bash scripts/ensure-tools.sh (Debian docker.io)');
  if (engineAnswers()) return;
  if (existsSync(PIDFILE)) {
    const pid = Number(readFileSync(PIDFILE, 'utf8').trim());
    if (alive(pid)) throw new Error(`dockerd pid ${pid} (${PIDFILE}) is running but does not answer on ${SOCKET}`);
    rmSync(PIDFILE, { force: true });
  }
  const log = openSync(LOGFILE, 'a');
  const child = spawn(
    '/usr/sbin/dockerd',
    [
      '--host', `unix://${SOCKET}`,
      '--data-root', DATA_ROOT,
      '--exec-root', EXEC_ROOT,
      '--pidfile', PIDFILE,
      // No bridge or NAT on these machines: containers and builds use --network host.
      '--iptables=false',
      '--bridge=none',
    ],
    { stdio: ['ignore', log, log], detached: true },
  );
  closeSync(log);
  child.unref();
  try {
    await waitFor('dockerd to answer', async () => {
      if (child.exitCode !== null) throw new Error(`dockerd exited ${child.exitCode}`);
      return engineAnswers() ? true : undefined;
    }, 60_000, 500);
  } catch (error) {
    child.kill('SIGKILL');
    const tail = existsSync(LOGFILE) ? readFileSync(LOGFILE, 'utf8').split('\n').slice(-30).join('\n') : '';
    throw new Error(`the Docker engine did not start: ${(error as Error).message}\n--- ${LOGFILE} ---\n${tail}`);
  }
  writeFileSync(STARTED_BY_TESTS, String(child.pid));
}

/**
 * A Debian bookworm image holding this machine's node and npm, a uid-1000
 * user and this machine's CA bundle (so npm inside a build trusts the
 * registry path). A test artefact only: users build on the real node image.
 * Tagged by a hash of what went into it, so a change rebuilds it.
 */
export function ensureStandInImage(): string {
  const nodeVersion = process.version;
  const npmVersion = JSON.parse(readFileSync('/usr/lib/node_modules/npm/package.json', 'utf8')).version as string;
  const key = createHash('sha256')
    .update(['recipe-1', nodeVersion, npmVersion, createHash('sha256').update(readFileSync(CA_BUNDLE)).digest('hex')].join('\n'))
    .digest('hex')
    .slice(0, 12);
  const tag = `orapool-standin-node:${key}`;
  if (docker(['image', 'inspect', tag], 20_000).status === 0) return tag;

  if (!existsSync('/usr/sbin/debootstrap')) throw new Error('debootstrap is missing: run bash scripts/ensure-tools.sh');
  const work = mkdtempSync(join(tmpdir(), 'orapool-standin-'));
  const rootfs = join(work, 'rootfs');
  try {
    const boot = run('/usr/sbin/debootstrap', ['--variant=minbase', 'bookworm', rootfs, 'http://deb.debian.org/debian'], { timeoutMs: 600_000 });
    if (boot.status !== 0) throw new Error(`debootstrap failed:\n${boot.stdout.slice(-2000)}\n${boot.stderr.slice(-2000)}`);
    mkdirSync(join(rootfs, 'usr/local/bin'), { recursive: true });
    mkdirSync(join(rootfs, 'usr/local/lib/node_modules'), { recursive: true });
    cpSync(process.execPath, join(rootfs, 'usr/local/bin/node'));
    cpSync('/usr/lib/node_modules/npm', join(rootfs, 'usr/local/lib/node_modules/npm'), { recursive: true });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/local/bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(rootfs, 'usr/local/bin/npx'));
    mkdirSync(join(rootfs, 'etc/ssl/certs'), { recursive: true });
    cpSync(CA_BUNDLE, join(rootfs, 'etc/ssl/certs/ca-certificates.crt'));
    // The official node images' `node` user: uid/gid 1000.
    appendFileSync(join(rootfs, 'etc/passwd'), 'node:x:1000:1000::/home/node:/bin/sh\n');
    appendFileSync(join(rootfs, 'etc/group'), 'node:x:1000:\n');
    mkdirSync(join(rootfs, 'home/node'), { recursive: true });
    spawnSync('chown', ['1000:1000', join(rootfs, 'home/node')]);
    rmSync(join(rootfs, 'var/cache/apt/archives'), { recursive: true, force: true });
    writeFileSync(join(work, 'import.sh'), `tar -C '${rootfs}' -c . | '${DOCKER}' import --change 'ENV NODE_EXTRA_CA_CERTS=${CA_BUNDLE}' --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin' --change 'CMD ["node"]' - ${tag}\n`);
    const imported = run('bash', [join(work, 'import.sh')], { env: dockerEnv, timeoutMs: 300_000 });
    if (imported.status !== 0) throw new Error(`docker import failed: ${imported.stderr}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return tag;
}
