/**
 * A small interpreter of docker-compose.yml for the compose exercise: no
 * Compose v2 can be installed here and Debian's docker-compose 1.29 rejects
 * the file, so the test reads the file itself and turns each service into
 * the `docker build` / `docker run` calls Compose would make, on the private
 * engine (docker-engine.ts). Only what the file uses is implemented; anything
 * else in a service makes it throw rather than be silently ignored.
 *
 * Two departures from Compose, forced by the machine and kept visible:
 * - No bridge network here, so every container runs with --network host.
 *   A container then listens on its container port directly on the host, so
 *   a published port reproduces only when host and container port are equal
 *   (checked; all of ours are), and the port must be free before the start
 *   (checked, with the port named). Service names and aliases resolve to
 *   127.0.0.1 (--add-host), which is where every service listens.
 * - The Dockerfile's base image is a build argument (NODE_IMAGE): the caller
 *   passes the debootstrap stand-in, as the image test does.
 */
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { docker, dockerOk } from './docker-engine.js';

export type Healthcheck = { test: string[] | string; interval?: string; timeout?: string; retries?: number; start_period?: string; start_interval?: string };
export type ServiceSecret = string | { source: string; target?: string; uid?: string; gid?: string; mode?: number };
export type Service = {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[];
  profiles?: string[];
  env_file?: string;
  environment?: Record<string, string | number | boolean | null>;
  secrets?: ServiceSecret[];
  depends_on?: Record<string, { condition: 'service_started' | 'service_healthy' }> | string[];
  healthcheck?: Healthcheck;
  ports?: string[];
  volumes?: string[];
  tmpfs?: string[];
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  stop_grace_period?: string;
  restart?: string;
  networks?: Record<string, { aliases?: string[] } | null>;
};
export type ComposeFile = {
  name: string;
  services: Record<string, Service>;
  secrets?: Record<string, { environment?: string; file?: string }>;
  volumes?: Record<string, unknown>;
};

const SUPPORTED = new Set([
  'image', 'build', 'command', 'profiles', 'env_file', 'environment', 'secrets', 'depends_on', 'healthcheck', 'ports',
  'volumes', 'tmpfs', 'read_only', 'cap_drop', 'security_opt', 'stop_grace_period', 'restart', 'networks',
]);

/** A .env file as Compose reads it: KEY=VALUE lines, # comments, blank lines; no quoting is used in ours. */
export function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (match) env[match[1]!] = match[2]!.trim();
  }
  return env;
}

/**
 * Compose's interpolation of one string: $$ is a literal $, $VAR and ${VAR},
 * ${VAR:-default} (unset or empty), ${VAR-default} (unset), ${VAR:?error}
 * (unset or empty: fail with the message), ${VAR?error} (unset), ${VAR:+alt}
 * and ${VAR+alt}. A missing variable without a default becomes ''.
 */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$(?:\$|([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\})/g, (whole, bare?: string, name?: string, op?: string, arg?: string) => {
    if (whole === '$$') return '$';
    if (bare !== undefined) return env[bare] ?? '';
    const current = env[name!];
    const unset = current === undefined;
    const empty = unset || current === '';
    switch (op) {
      case undefined:
        return current ?? '';
      case ':-':
        return empty ? arg! : current!;
      case '-':
        return unset ? arg! : current!;
      case ':?':
        if (empty) throw new Error(`required variable ${name} is missing a value: ${arg}`);
        return current!;
      case '?':
        if (unset) throw new Error(`required variable ${name} is missing a value: ${arg}`);
        return current!;
      case ':+':
        return empty ? '' : arg!;
      case '+':
        return unset ? '' : arg!;
      default:
        throw new Error(`unsupported interpolation ${whole}`);
    }
  });
}

function interpolateTree<T>(node: T, env: Record<string, string | undefined>): T {
  if (typeof node === 'string') return interpolate(node, env) as T;
  if (Array.isArray(node)) return node.map((item) => interpolateTree(item, env)) as T;
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateTree(value, env)])) as T;
  }
  return node;
}

/**
 * A plain 0-prefixed integer is octal, as Compose's YAML parser (go-yaml,
 * integers read with base prefix detection) takes `mode: 0400`. Not YAML 1.1
 * as a whole: it would also read `context: .` as a float.
 */
const octalInt = {
  identify: (value: unknown) => typeof value === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:int',
  test: /^0[0-7]+$/,
  resolve: (source: string) => parseInt(source, 8),
};

/** Parse a compose file (`<<: *anchor` merge keys applied) and interpolate it. */
export function loadCompose(text: string, env: Record<string, string | undefined>): ComposeFile {
  const raw = parse(text, { merge: true, customTags: (tags) => [octalInt, ...tags] }) as ComposeFile;
  return interpolateTree(raw, env);
}

/** Active services for `--profile <profiles> up <requested>`: the requested ones and their depends_on, in start order. */
export function startOrder(file: ComposeFile, profiles: string[], requested: string[]): string[] {
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (order.includes(name)) return;
    if (visiting.has(name)) throw new Error(`depends_on cycle at ${name}`);
    const service = file.services[name];
    if (!service) throw new Error(`no service ${name}`);
    if (service.profiles && !service.profiles.some((p) => profiles.includes(p))) {
      throw new Error(`service ${name} is in profiles ${service.profiles.join(', ')}, none of which is active`);
    }
    visiting.add(name);
    for (const dependency of dependencies(service)) visit(dependency.name);
    visiting.delete(name);
    order.push(name);
  };
  for (const name of requested) visit(name);
  return order;
}

export function dependencies(service: Service): { name: string; condition: string }[] {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return deps.map((name) => ({ name, condition: 'service_started' }));
  return Object.entries(deps).map(([name, d]) => ({ name, condition: d.condition }));
}

export function durationSeconds(duration: string | undefined, fallback: number): number {
  if (duration === undefined) return fallback;
  const match = /^(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(duration);
  if (!match || duration === '') throw new Error(`unsupported duration ${duration}`);
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

export interface PublishedPort {
  hostIp?: string;
  host: number;
  container: number;
}

export function parsePort(spec: string): PublishedPort {
  const match = /^(?:(\d+\.\d+\.\d+\.\d+):)?(\d+):(\d+)$/.exec(spec);
  if (!match) throw new Error(`unsupported port ${spec}`);
  return { hostIp: match[1], host: Number(match[2]), container: Number(match[3]) };
}

export interface RunPlan {
  /** docker run arguments, up to and including the image; then the command. */
  args: string[];
  ports: PublishedPort[];
  /** Secret files written for the bind mounts, to remove afterwards. */
  secretDirs: string[];
  /** Named volumes the run needs (project-prefixed, as Compose names them). */
  volumes: string[];
}

export interface PlanContext {
  file: ComposeFile;
  projectDir: string;
  /** The variables Compose interpolates with and builds environment secrets from (the .env file). */
  env: Record<string, string>;
  /** What the service's env_file entry points at (here: .env.example as the .env the README makes). */
  envFiles: Record<string, string>;
  /** Images the file names that cannot be built or pulled here, replaced by a local stand-in. */
  imageStandIns?: Record<string, string>;
}

export const containerName = (file: ComposeFile, service: string) => `${file.name}-${service}-1`;

/** The docker run call Compose would make for one service (with the two departures in the header). */
export function planRun(name: string, ctx: PlanContext): RunPlan {
  const { file } = ctx;
  const service = file.services[name]!;
  const unknown = Object.keys(service).filter((key) => !SUPPORTED.has(key));
  if (unknown.length > 0) throw new Error(`service ${name}: the compose exercise does not implement ${unknown.join(', ')}`);
  const image = ctx.imageStandIns?.[service.image ?? ''] ?? service.image;
  if (!image) throw new Error(`service ${name} has no image`);

  const args = ['run', '-d', '--name', containerName(file, name), '--network', 'host',
    '--label', `com.docker.compose.project=${file.name}`, '--label', `com.docker.compose.service=${name}`];
  const hosts = new Set<string>();
  for (const [other, s] of Object.entries(file.services)) {
    hosts.add(other);
    for (const network of Object.values(s.networks ?? {})) for (const alias of network?.aliases ?? []) hosts.add(alias);
  }
  for (const host of [...hosts].sort()) args.push('--add-host', `${host}:127.0.0.1`);

  // env_file first, environment over it (Compose's precedence).
  const environment: Record<string, string> = {};
  if (service.env_file) {
    const path = ctx.envFiles[service.env_file];
    if (!path) throw new Error(`service ${name}: env_file ${service.env_file} has no stand-in`);
    Object.assign(environment, readEnvFile(path));
  }
  for (const [key, value] of Object.entries(service.environment ?? {})) {
    environment[key] = value === null ? (ctx.env[key] ?? '') : String(value);
  }
  for (const [key, value] of Object.entries(environment)) args.push('-e', `${key}=${value}`);

  const secretDirs: string[] = [];
  for (const entry of service.secrets ?? []) {
    const secret = typeof entry === 'string' ? { source: entry } : entry;
    const declared = file.secrets?.[secret.source];
    if (!declared) throw new Error(`service ${name}: secret ${secret.source} is not declared`);
    let content: string;
    if (declared.environment !== undefined) {
      const value = ctx.env[declared.environment];
      if (value === undefined) throw new Error(`secret ${secret.source}: ${declared.environment} is not set`);
      content = value;
    } else if (declared.file !== undefined) {
      content = readFileSync(resolve(ctx.projectDir, declared.file), 'utf8');
    } else {
      throw new Error(`secret ${secret.source}: neither environment nor file`);
    }
    // Compose puts the secret at /run/secrets/<source> unless a target says otherwise,
    // owned by uid/gid (default root) with mode (default 0444).
    const target = secret.target ? (isAbsolute(secret.target) ? secret.target : `/run/secrets/${secret.target}`) : `/run/secrets/${secret.source}`;
    const dir = mkdtempSync(join(tmpdir(), `orapool-compose-secret-${secret.source}-`));
    secretDirs.push(dir);
    const path = join(dir, secret.source);
    writeFileSync(path, content, { mode: 0o600 });
    chownSync(path, Number(secret.uid ?? 0), Number(secret.gid ?? 0));
    chmodSync(path, secret.mode ?? 0o444);
    args.push('-v', `${path}:${target}:ro`);
  }

  const volumes: string[] = [];
  for (const spec of service.volumes ?? []) {
    const [source, target, mode] = spec.split(':');
    if (!source || !target) throw new Error(`service ${name}: unsupported volume ${spec}`);
    if (source.startsWith('.') || source.startsWith('/')) {
      args.push('-v', `${resolve(ctx.projectDir, source)}:${target}${mode ? `:${mode}` : ''}`);
    } else {
      if (!(source in (file.volumes ?? {}))) throw new Error(`service ${name}: volume ${source} is not declared`);
      const volume = `${file.name}_${source}`;
      volumes.push(volume);
      args.push('-v', `${volume}:${target}${mode ? `:${mode}` : ''}`);
    }
  }

  const ports = (service.ports ?? []).map(parsePort);
  for (const port of ports) {
    if (port.host !== port.container) {
      throw new Error(`service ${name}: port ${port.host}:${port.container} cannot be reproduced with --network host (host and container port differ)`);
    }
  }

  if (service.read_only) args.push('--read-only');
  for (const tmpfs of service.tmpfs ?? []) args.push('--tmpfs', tmpfs);
  for (const cap of service.cap_drop ?? []) args.push('--cap-drop', cap);
  for (const opt of service.security_opt ?? []) args.push('--security-opt', opt);
  if (service.stop_grace_period) args.push('--stop-timeout', String(durationSeconds(service.stop_grace_period, 10)));
  if (service.restart) args.push('--restart', service.restart);

  args.push(image, ...(service.command ?? []));
  return { args, ports, secretDirs, volumes };
}

export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '0.0.0.0', () => server.close(() => done(true)));
  });
}

/** The healthcheck's test as a command for docker exec. */
export function healthcheckCommand(healthcheck: Healthcheck): string[] {
  const test = healthcheck.test;
  if (typeof test === 'string') return ['sh', '-c', test];
  if (test[0] === 'CMD') return test.slice(1);
  if (test[0] === 'CMD-SHELL') return ['sh', '-c', test.slice(1).join(' ')];
  throw new Error(`unsupported healthcheck test ${JSON.stringify(test)}`);
}

/**
 * Run the declared healthcheck in the container the way the engine would:
 * every start_interval (else interval) during start_period, where failures do
 * not count, then every interval until `retries` consecutive failures make
 * it unhealthy. Each run is bounded by timeout. Resolves with the number of
 * runs it took; throws with the last output when unhealthy.
 */
export async function waitHealthy(container: string, healthcheck: Healthcheck): Promise<number> {
  const command = healthcheckCommand(healthcheck);
  const interval = durationSeconds(healthcheck.interval, 30);
  const timeout = durationSeconds(healthcheck.timeout, 30);
  const startPeriod = durationSeconds(healthcheck.start_period, 0);
  const startInterval = durationSeconds(healthcheck.start_interval, 5);
  const retries = healthcheck.retries ?? 3;
  const started = Date.now();
  let failures = 0;
  let runs = 0;
  for (;;) {
    runs += 1;
    const result = docker(['exec', container, ...command], (timeout + 5) * 1000);
    if (result.status === 0) return runs;
    const inStartPeriod = (Date.now() - started) / 1000 < startPeriod;
    if (!inStartPeriod) failures += 1;
    if (failures >= retries) {
      throw new Error(`${container} is unhealthy after ${runs} runs of ${command.join(' ')}:\n${result.stdout}\n${result.stderr}`);
    }
    const state = dockerOk(['inspect', '-f', '{{.State.Status}}', container]);
    if (state !== 'running') throw new Error(`${container} is ${state}:\n${docker(['logs', container]).stdout}${docker(['logs', container]).stderr}`);
    await new Promise((r) => setTimeout(r, (inStartPeriod ? startInterval : interval) * 1000));
  }
}

/** Remove what a project run created: its containers (by label), named volumes and secret files. */
export function removeAll(file: ComposeFile, plans: RunPlan[]): void {
  const ids = docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${file.name}`]).stdout.split('\n').filter(Boolean);
  if (ids.length > 0) docker(['rm', '-f', '-v', ...ids], 120_000);
  for (const plan of plans) {
    for (const volume of plan.volumes) docker(['volume', 'rm', '-f', volume]);
    for (const dir of plan.secretDirs) rmSync(dir, { recursive: true, force: true });
  }
}
