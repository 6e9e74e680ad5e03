// The one way to run the simulator as its own process (`npm run dev`, load
// tests, benchmarks): in-process it would compete with its client for the
// event loop. Spawns the built CLI beside this file with the running node,
// waits for its one-line announcement on stdout and returns where it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The CLI entry point, `oracle-sim` (dist/cli/main.js once built). */
export const cliPath = fileURLToPath(new URL('./main.js', import.meta.url));

export interface SimulatorProcessOptions {
  /** Own process group (default true): a terminal's Ctrl-C must not stop the database before its client has drained; the owner stops it. */
  detached?: boolean;
  /** Also copy the simulator's stderr to this process's stderr (default false; it is always kept in `lines`). */
  inheritStderr?: boolean;
  /** Environment of the child (default: this process's). SIM_* variables here are read as options. */
  env?: NodeJS.ProcessEnv;
  /** Give up if the announcement has not come by then (default 30 s). */
  startTimeoutMs?: number;
}

export interface SimulatorProcess {
  port: number;
  controlPort: number;
  connectString: string;
  /** with --tls: the wallet directory (walletLocation and configDir), the tnsnames alias, the server DN */
  tls?: AnnouncedTls;
  child: ChildProcess;
  /** Every stdout/stderr line so far, for a failing caller to show. */
  lines: string[];
  /** One request to the control server; resolves to its JSON answer. */
  control(path: string, method?: 'GET' | 'POST'): Promise<unknown>;
  /** SIGTERM, then wait for the exit (the CLI closes every socket and exits 0). */
  stop(): Promise<void>;
}

export interface AnnouncedTls {
  mode: 'mutual' | 'one-way';
  walletDir: string;
  configDir: string;
  alias: string;
  serverCertDn: string;
}

interface Announcement {
  event: 'listening';
  port: number;
  controlPort: number;
  connectString: string;
  tls?: AnnouncedTls;
}

function announcement(line: string): Announcement | undefined {
  try {
    const value = JSON.parse(line) as Partial<Announcement> | null;
    return value?.event === 'listening' ? (value as Announcement) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Start `oracle-sim` with `args` (CLI flags; `--port 0` and `--control-port 0`
 * unless given, so parallel callers never collide) and resolve once it listens.
 * Rejects with the simulator's output if it exits or stays silent first.
 */
export async function startSimulatorProcess(args: string[] = [], options: SimulatorProcessOptions = {}): Promise<SimulatorProcess> {
  const defaults = [...(args.includes('--port') ? [] : ['--port', '0']), ...(args.includes('--control-port') ? [] : ['--control-port', '0'])];
  const child = spawn(process.execPath, [cliPath, ...defaults, ...args], {
    detached: options.detached ?? true,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = await new Promise<Announcement>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`oracle-sim ${why}:\n${lines.join('\n')}`));
    };
    const timer = setTimeout(() => fail('did not announce itself in time'), options.startTimeoutMs ?? 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const found = announcement(line);
      if (found && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve(found);
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      lines.push(line);
      if (options.inheritStderr) process.stderr.write(`${line}\n`);
    });
    child.once('error', (err) => fail(`could not be started (${err.message})`));
    // 'close', not 'exit': by then every output line has been read.
    child.once('close', (code, signal) => fail(`exited (${signal ?? `code ${code}`}) before listening`));
  });
  const { port, controlPort, connectString, tls } = listening;
  return {
    port,
    controlPort,
    connectString,
    ...(tls ? { tls } : {}),
    child,
    lines,
    async control(path, method = 'POST') {
      const response = await fetch(`http://127.0.0.1:${controlPort}${path}`, { method });
      return response.json();
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
