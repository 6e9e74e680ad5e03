// The processes the benchmark measures, each started with the bench-only
// probe (probe-preload.mjs) so CPU time, memory, a forced GC and CPU profiles
// are read the same way from all of them: the built service (node
// dist/main.js, as production runs it) and the yardsticks of bare-server.ts.
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import type { SimulatorProcess } from '@orapool/oracle-sim';
import ts from 'typescript';
import { freePort, projectRoot, startService } from '../../test/support/processes.js';
import { serviceEnv, type PoolConfig } from './scenarios.js';

const preload = pathToFileURL(fileURLToPath(new URL('./probe-preload.mjs', import.meta.url))).href;
const bareServerPath = fileURLToPath(new URL('./bare-server.ts', import.meta.url));

export interface ProbeReading {
  cpu: { user: number; system: number };
  memory: NodeJS.MemoryUsage;
  /** Committed (size) and used bytes per V8 heap space, by name (new_space, old_space, code_space, ...). */
  heapSpaces: Record<string, { size: number; used: number }>;
  /** From /proc/self/status; empty where there is no /proc. */
  proc: { threads?: number; rssAnonBytes?: number; rssFileBytes?: number };
}

/** Reads one process's CPU and memory, forces a GC, and records a CPU profile, through its probe port. */
export class Probe {
  constructor(private readonly port: number) {}

  async #get<T>(path: string): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${this.port}${path}`, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`probe ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  read = () => this.#get<ProbeReading>('/');
  /** Memory after a full garbage collection. */
  gc = () => this.#get<ProbeReading>('/gc');
  startProfile = () => this.#get<unknown>('/profile/start');
  /** The .cpuprofile JSON, as text. */
  stopProfile = async () => JSON.stringify(await this.#get<unknown>('/profile/stop'));
}

/** CPU microseconds between two readings, per request. */
export function cpuMicrosPerRequest(before: ProbeReading, after: ProbeReading, requests: number): number {
  const micros = after.cpu.user - before.cpu.user + (after.cpu.system - before.cpu.system);
  return requests > 0 ? Number((micros / requests).toFixed(1)) : 0;
}

export interface MeasuredServer {
  name: string;
  url: string;
  /** The measured process (for signals to a bench-only preload). */
  pid?: number;
  probe: Probe;
  stop(): Promise<void>;
}

async function probeEnv(): Promise<{ env: Record<string, string>; probe: Probe }> {
  const port = await freePort();
  // BENCH_PROFILE_INTERVAL_US (default 1000) samples finer, for a profile of something as short as one burst.
  const interval: Record<string, string> = process.env.BENCH_PROFILE_INTERVAL_US ? { BENCH_PROFILE_INTERVAL_US: process.env.BENCH_PROFILE_INTERVAL_US } : {};
  return { env: { NODE_OPTIONS: `--expose-gc --import ${preload}`, BENCH_PROBE_PORT: String(port), ...interval }, probe: new Probe(port) };
}

/** Poll `path` until it answers 200. */
export async function waitOk(url: string, path: string, describe: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url}${path} not ready within ${timeoutMs} ms; output:\n${describe()}`);
}

/** The built service with `config` (plus env overrides), ready once /readyz says so. */
export async function startMeasuredService(name: string, config: PoolConfig, sim: SimulatorProcess, env: Record<string, string> = {}): Promise<MeasuredServer> {
  const { env: probeVars, probe } = await probeEnv();
  const service = await startService({ ...serviceEnv(config, sim.connectString), ...probeVars, ...env }, { waitForListening: false });
  try {
    await waitOk(service.url, '/readyz', () => service.lines.join('\n'));
  } catch (error) {
    await service.stop();
    throw error;
  }
  return { name, url: service.url, pid: service.child.pid!, probe, stop: async () => void (await service.stop()) };
}

export type BareKind = 'node' | 'koa' | 'node-503';

let compiledBareServer: string | undefined;

/**
 * bare-server.ts and the project files it imports, compiled to plain
 * JavaScript once per benchmark process (about two seconds), so that the
 * yardsticks run as `node file.js` exactly like the service's `node
 * dist/main.js`. Run through tsx instead (`node --import tsx`), a yardstick
 * carried tsx's loader: a second V8 isolate on its own thread and what it
 * kept from transpiling, about 20 MiB more RSS at idle than the same code
 * compiled (bare Koa: 97 against 73-79 MiB, about the same V8 heap), none of
 * it the server's. It also made the yardstick's growth from idle to 1000
 * users smaller (memory.ts): about 50 MiB through tsx against 55-64 MiB
 * compiled, so the service's ratio to it read higher than the two servers'
 * own memory gives.
 *
 * Type errors are tsc's job (`npm run typecheck`); this only strips types.
 * Written under bench/results/tmp/ (git-ignored) so that `koa` and
 * `oracledb` resolve from the project's node_modules; each file is written
 * under a temporary name and renamed, so two benchmarks at once never read
 * a half-written file.
 */
export function bareServerScript(): string {
  if (compiledBareServer) return compiledBareServer;
  const outDir = join(projectRoot, 'bench/results/tmp/yardsticks');
  const program = ts.createProgram([bareServerPath], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    esModuleInterop: true,
    rootDir: projectRoot,
    outDir,
    noCheck: true,
    skipLibCheck: true,
    types: [],
    sourceMap: false,
    declaration: false,
  });
  const emitted = program.emit(undefined, (file, text) => {
    mkdirSync(dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, text);
    renameSync(partial, file);
  });
  if (emitted.emitSkipped || emitted.diagnostics.length > 0) {
    throw new Error(`compiling ${bareServerPath} failed: ${ts.formatDiagnostics(emitted.diagnostics, ts.createCompilerHost({}))}`);
  }
  compiledBareServer = join(outDir, relative(projectRoot, bareServerPath).replace(/\.ts$/, '.js'));
  return compiledBareServer;
}

/**
 * A yardstick from bare-server.ts: node:http or Koa doing the service's pool
 * round-trip, or node:http answering 503 at once. Run by node itself as
 * compiled JavaScript (bareServerScript: one process, no loader, so the
 * probe measures the server as it would measure the service), with the pool
 * shape of `pool`.
 */
export async function startBareServer(
  kind: BareKind,
  sim: SimulatorProcess,
  pool: { min: number; max: number; queueMax?: number },
  extraEnv: Record<string, string> = {},
): Promise<MeasuredServer> {
  const { env: probeVars, probe } = await probeEnv();
  const args = kind === 'koa' ? ['--koa'] : kind === 'node-503' ? ['--refuse'] : [];
  const child = spawn(process.execPath, [bareServerScript(), ...args], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      DB_USER: 'orapool',
      DB_PASSWORD: 'orapool-sim',
      DB_CONNECT_STRING: sim.connectString,
      DB_POOL_MIN: String(pool.min),
      DB_POOL_MAX: String(pool.max),
      ...(pool.queueMax !== undefined ? { DB_POOL_QUEUE_MAX: String(pool.queueMax) } : {}),
      PORT: '0',
      ...probeVars,
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (l) => lines.push(l));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      for (const line of lines) {
        try {
          const entry = JSON.parse(line) as { event?: string; port?: number };
          if (entry.event === 'listening' && entry.port) {
            clearInterval(timer);
            clearTimeout(giveUp);
            return resolve(entry.port);
          }
        } catch {
          // not JSON
        }
      }
      if (child.exitCode !== null) {
        clearInterval(timer);
        clearTimeout(giveUp);
        reject(new Error(`bare server exited:\n${lines.join('\n')}`));
      }
    }, 25);
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`bare server did not start:\n${lines.join('\n')}`));
    }, 30_000);
  });
  return {
    name: kind,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    probe,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(kill);
    },
  };
}

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
