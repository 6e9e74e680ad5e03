/**
 * Shared plumbing for the deployment tests: the real tools (helm, kubectl,
 * promtool, prometheus, docker) and offline Kubernetes schema validation.
 * scripts/ensure-tools.sh installs the tools; a missing one fails the test
 * that needs it, loudly.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHART = join(ROOT, 'helm', 'orapool');
export const HELM = join(ROOT, '.tools', 'bin', 'helm');
export const KUBECTL = join(ROOT, '.tools', 'bin', 'kubectl');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion; never throws, the caller asserts on status. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): RunResult {
  if (command.startsWith('/') && !existsSync(command)) {
    throw new Error(`${command} is missing: run bash scripts/ensure-tools.sh`);
  }
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like run, but throws with the tool's own output when it fails. */
export function runOk(command: string, args: string[], options: Parameters<typeof run>[2] = {}): string {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.map(String).join('; ')}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/** helm template with the given values files and --set pairs; the Prometheus Operator CRDs are assumed present. */
// The same render is asked for by several tests; helm is a process start each
// time. Results are cached per argument list (the chart does not change during
// a run); callers parse their own copy, so no test sees another's mutations.
const renders = new Map<string, RunResult>();

export function helmTemplate(valuesFiles: string[], sets: string[] = [], extra: string[] = []): RunResult {
  const args = ['template', 'orapool', CHART, '--namespace', 'orapool'];
  for (const file of valuesFiles) args.push('-f', join(CHART, file));
  for (const set of sets) args.push('--set', set);
  args.push(...extra);
  const key = JSON.stringify(args);
  if (!renders.has(key)) renders.set(key, run(HELM, args));
  return renders.get(key)!;
}

export function helmRender(valuesFiles: string[], sets: string[] = [], extra: string[] = []): K8sObject[] {
  const result = helmTemplate(valuesFiles, sets, extra);
  if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return parseManifests(result.stdout);
}

export function byKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function one(objects: K8sObject[], kind: string, nameIncludes = ''): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name.includes(nameIncludes));
  if (found.length !== 1) throw new Error(`expected one ${kind} named *${nameIncludes}*, found ${found.length}`);
  return found[0]!;
}

/**
 * Validate one object against the Kubernetes OpenAPI schema shipped by
 * kubernetes-models (types, required fields, enums), ServiceMonitor and
 * PrometheusRule against the Prometheus Operator's CRD schemas from
 * @kubernetes-models/prometheus-operator, and ScaledObject against KEDA's
 * from @kubernetes-models/keda. Unknown fields are not rejected.
 * Returns an error message, or undefined when valid.
 */
export async function validateK8s(object: K8sObject): Promise<string | undefined> {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  // The Prometheus Operator's kinds come from its CRD schemas (types and required fields).
  const modulePath =
    group === 'monitoring.coreos.com'
      ? `@kubernetes-models/prometheus-operator/${group}/${version}/${object.kind}`
      : group === 'keda.sh'
        ? `@kubernetes-models/keda/${group}/${version}/${object.kind}`
        : group
        ? `kubernetes-models/${group}/${version}/${object.kind}`
        : `kubernetes-models/${version}/${object.kind}`;
  let Model: new (data: unknown) => { validate(): void };
  try {
    const module = (await import(modulePath)) as Record<string, new (data: unknown) => { validate(): void }>;
    Model = module[object.kind]!;
  } catch {
    return `no Kubernetes schema for ${object.apiVersion} ${object.kind}`;
  }
  try {
    new Model(object).validate();
    return undefined;
  } catch (error) {
    return `${object.kind}/${object.metadata.name}: ${(error as Error).message}`;
  }
}

export async function validateAll(objects: K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    const problem = await validateK8s(object);
    if (problem) problems.push(problem);
  }
  return problems;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

export const MAIN_JS = join(ROOT, 'dist', 'main.js');

export interface RunningService {
  port: number;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Start the built service (dist/main.js) against an unreachable database: it
 * stays up with /livez 200 and /metrics 200, which is all the metrics and
 * scrape tests need. Fails loudly when the build is missing.
 */
export async function startService(): Promise<RunningService> {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run npm run build (npm test does)`);
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [MAIN_JS], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DB_USER: 'x',
      DB_PASSWORD: 'y',
      // Port 9 (discard) on loopback: nothing listens, so connects fail fast.
      DB_CONNECT_STRING: '127.0.0.1:9/NONE',
      PORT: String(port),
      HOST: '127.0.0.1',
      SHUTDOWN_DELAY_SECONDS: '0',
      SHUTDOWN_DRAIN_SECONDS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor('orapool /livez', async () => {
      if (child.exitCode !== null) throw new Error(`orapool exited ${child.exitCode}: ${output}`);
      const response = await fetch(`http://127.0.0.1:${port}/livez`);
      return response.status === 200 ? true : undefined;
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- orapool output ---\n${output}`);
  }
  return {
    port,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
