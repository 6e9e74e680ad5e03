import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Real processes for integration tests and benchmarks: the built service
 * (node dist/main.js, as production runs it), keeping its output so a failing
 * test can show it. The simulator's own process comes from its package
 * (startSimulatorProcess in @orapool/oracle-sim).
 */
export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
export const tsxBin = `${projectRoot}node_modules/.bin/tsx`;

export interface ServiceProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Every stdout/stderr line so far. */
  lines: string[];
  /** Parsed JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  waitForLog(predicate: (entry: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function collect(child: ChildProcess): string[] {
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  }
  return lines;
}

function parse(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Start `node dist/main.js` with exactly `env` (plus PATH), wait until it listens. */
export async function startService(env: Record<string, string>, options: { waitForListening?: boolean } = {}): Promise<ServiceProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, [`${projectRoot}dist/main.js`], {
    // No inherited variables: the test states the whole configuration. The
    // working directory is one without a .env, so a developer's own .env in
    // the project cannot leak in either.
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = collect(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const logs = () => lines.map(parse).filter((e): e is Record<string, unknown> => e !== undefined);
  const waitForLog = async (predicate: (entry: Record<string, unknown>) => boolean, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = logs().find(predicate);
      if (found) return found;
      if (child.exitCode !== null || child.signalCode !== null) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`log line not seen within ${timeoutMs} ms; output:\n${lines.join('\n')}`);
  };
  const service: ServiceProcess = {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    lines,
    logs,
    waitForLog,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  if (options.waitForListening !== false) await waitForLog((e) => e.event === 'listening');
  return service;
}
