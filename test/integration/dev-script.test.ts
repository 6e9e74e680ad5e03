// `npm run dev`, run for real: npm, the pre-script that builds the simulator
// package, scripts/dev.ts, the simulator process and the service process.
// Without a database it must start the simulator and say so; with
// NODE_ENV=production it must refuse (exit 78, EX_CONFIG) instead.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, projectRoot } from '../support/processes.js';

interface Run {
  child: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** SIGTERM to npm run dev's whole process group. */
function terminate(run: Run): void {
  process.kill(-run.child.pid!, 'SIGTERM');
}

// DB_CONNECT_STRING is given empty, which dev.ts and the service read as unset:
// it keeps a developer's own .env (read from the project folder) from
// configuring a real database under the test.
function npmRunDev(env: Record<string, string>): Run {
  const child = spawn('npm', ['run', 'dev'], {
    cwd: projectRoot,
    // Its own process group, signalled as a whole the way a terminal or a
    // process manager stops a foreground job: a SIGTERM to npm alone is not
    // forwarded past npm's `sh -c`, which dies and leaves the dev stack running.
    detached: true,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DB_CONNECT_STRING: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, lines, exited };
}

async function until<T>(what: string, run: Run, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = await probe();
    if (found !== undefined) return found;
    if (run.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not seen; output:\n${run.lines.join('\n')}`);
}

function json(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function status(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(3000) })).status;
  } catch {
    return undefined;
  }
}

describe('npm run dev', () => {
  let run: Run | undefined;

  afterEach(async () => {
    // A failed test must not leave the dev stack running (the script stops the
    // service and the simulator on SIGTERM).
    if (run && run.child.exitCode === null) {
      terminate(run);
      const timer = setTimeout(() => run?.child.kill('SIGKILL'), 30_000);
      await run.exited;
      clearTimeout(timer);
    }
    run = undefined;
  });

  it.each([
    ['to its whole process group (a terminal\'s Ctrl-C, a process manager)', terminate],
    // npm's `sh -c` dies without passing it on: dev.ts notices it was orphaned.
    ['to npm alone (kill <pid>)', (r: Run) => r.child.kill('SIGTERM')],
  ])('starts the simulator and says so, serves /api/health through it, and stops everything on a SIGTERM %s', async (_, signal) => {
    const port = await freePort();
    // A shutdown that outlasts the orphan watcher's tick (500 ms): a second
    // SIGTERM sent while it runs would show as shutdown_forced, not complete.
    run = npmRunDev({ PORT: String(port), LOG_FORMAT: 'json', SHUTDOWN_DELAY_SECONDS: '1' });
    const current = run;

    const simLine = await until('the simulator line', current, () =>
      current.lines.find((l) => l.startsWith('[dev]') && l.includes('Oracle wire-protocol SIMULATOR')),
    );
    expect(simLine).toContain('DB_CONNECT_STRING unset');
    const where = await until('the simulator address', current, () =>
      current.lines.map((l) => /^\[dev\] not a real Oracle Database, at (127\.0\.0\.1:\d+\/FREEPDB1) \(control API: (http:\/\/127\.0\.0\.1:\d+)\/stats\)/.exec(l)).find((m) => m !== null) ?? undefined,
    );
    const controlUrl = where[2]!;

    await until('GET /api/health 200', current, async () => ((await status(`http://127.0.0.1:${port}/api/health`)) === 200 ? true : undefined));
    const health = (await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()) as { database?: { reachable?: boolean } };
    expect(health.database).toMatchObject({ reachable: true });
    // The health check's round-trip reached the simulator, not something else on the port.
    const stats = (await (await fetch(`${controlUrl}/stats`)).json()) as { logons: number; statements: number };
    expect(stats.logons).toBeGreaterThan(0);
    expect(stats.statements).toBeGreaterThan(0);

    signal(current);
    // npm re-raises the signal on itself, so its own status says nothing; the
    // service's log says how the stack behind it ended: one graceful shutdown.
    await current.exited;
    const events = current.lines.map(json).filter((e) => e !== undefined);
    expect(events.filter((e) => e.event === 'shutdown_started')).toHaveLength(1);
    expect(events.filter((e) => e.event === 'shutdown_forced')).toEqual([]);
    expect(events.find((e) => e.event === 'shutdown_complete')).toMatchObject({ exitCode: 0 });
    // Nothing left behind: the service no longer answers, the simulator is gone.
    expect(await status(`http://127.0.0.1:${port}/api/health`)).toBeUndefined();
    expect(await status(`${controlUrl}/stats`)).toBeUndefined();
    // Each wait is bounded by `until`; this covers them together on a busy machine.
  }, 180_000);

  it('refuses with exit code 78 under NODE_ENV=production without a database, and starts no simulator', async () => {
    run = npmRunDev({ NODE_ENV: 'production', PORT: String(await freePort()) });
    const { code } = await run.exited;
    expect(code).toBe(78);
    const output = run.lines.join('\n');
    expect(output).toContain('[dev] NODE_ENV=production and no DB_CONNECT_STRING: refusing to start the simulator.');
    expect(output).not.toContain('SIMULATOR');
    expect(output).not.toMatch(/"event":"listening"/);
  });
});
