// npm run bench:load [-- --quick] [--latency-ms 50] [--latency-p99-ms N]
//   [--users 50,100,150,300,1000] [--configs before,after] [--duration S]
//   [--warmup S] [--overload-users 3000] [--no-overload] [--no-storm]
//   [--no-ab] [--no-overhead] [--no-burst] [--no-memory] [--overhead-rounds N]
//   [--profile] [--out DIR]
//
// Starts the Oracle wire-protocol simulator and the built service (run
// `npm run build` first) as separate processes, drives GET /api/health with
// autocannon (and the team's `ab -n 1000 -c 100` command), then the overload
// (Retry-After spread and exact, and a bare 503 server), the burst of new
// connections, memory and the leak check, and the overhead comparison
// (median of 3 alternating rounds; --profile adds flame summaries under
// results/profiles/). Prints a table and every target as met / not met, and
// writes load-results.json, load-results.md and SVG charts. Full mode: about
// 12 minutes on 2 cores, never more than 18 (scenarios past the budget are
// skipped and reported).
import { join } from 'node:path';
import { projectRoot } from '../../test/support/processes.js';
import { writeCharts } from './charts.js';
import { consoleReport, writeReport } from './report.js';
import { runLoadBenchmark, serviceIsBuilt, type LoadBenchOptions } from './run.js';
import type { PoolConfigName } from './scenarios.js';

function parseArgs(argv: string[]): { options: LoadBenchOptions; outDir: string } {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) throw new Error(`unknown argument "${argv[i]}"`);
    const boolean = ['quick', 'no-ab', 'no-overhead', 'no-overload', 'no-storm', 'no-burst', 'no-memory', 'profile', 'help'].includes(m[1]!);
    flags.set(m[1]!, m[2] ?? (boolean ? 'true' : (argv[++i] ?? '')));
  }
  if (flags.has('help')) {
    process.stdout.write(`${usage()}\n`);
    process.exit(0);
  }
  const quick = flags.has('quick');
  const number = (name: string, fallback: number) => {
    const raw = flags.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number >= 0 (got "${raw}")`);
    return value;
  };
  const configs = (flags.get('configs') ?? 'before,after').split(',') as PoolConfigName[];
  for (const c of configs) if (c !== 'before' && c !== 'after') throw new Error(`--configs takes before and/or after (got "${c}")`);
  const users = (flags.get('users') ?? '50,100,150,300,1000').split(',').map(Number);
  if (users.some((u) => !Number.isInteger(u) || u < 1)) throw new Error('--users takes whole numbers >= 1');
  const durationSeconds = number('duration', quick ? 3 : 12);
  const outDir = flags.get('out') ?? join(projectRoot, 'bench/results', quick ? 'quick' : '');
  const options: LoadBenchOptions = {
    mode: quick ? 'quick' : 'full',
    statementLatencyMs: number('latency-ms', 50),
    ...(flags.has('latency-p99-ms') ? { statementLatencyP99Ms: number('latency-p99-ms', 0) } : {}),
    configs,
    users,
    durationSeconds,
    warmupSeconds: number('warmup', quick ? 1 : 3),
    clientTimeoutSeconds: 10,
    // Far above what 2 cores can answer in the duration; a bound, not a target.
    maxRequestsPerRun: Math.ceil(20_000 * (durationSeconds + 5)),
    // 3x the 1000 users against the shipped defaults: 40 + 1000 are
    // held at once, the rest get deliberate 503s and come back after Retry-After.
    // Polite clients are measured from 10 s on in full mode: all 3000 start within one second, so their first
    // requests wait while the pool grows from its minimum, and the first refusals return together. With a 3 s
    // warm-up both leaked into the window (admitted p99 1.4 to 2.9 s run to run: the slow ones were first
    // requests, sent in the first second); the targets are about the steady state, which the exact-Retry-After
    // run shows keeps its lockstep and the spread run loses within about three retry rounds. The 503 latency
    // against a bare 503 server is the median of 3 alternating rounds (one run's ratio swung from 1.4 to 1.9).
    overload: flags.has('no-overload')
      ? false
      : { config: 'after', users: number('overload-users', 3000), storm: !flags.has('no-storm'), ...(quick ? {} : { politeWarmupSeconds: 10, shedRounds: 5 }) },
    // Median of 6 alternating rounds of 6 s per server (1 round in quick mode). On these shared cores the whole
    // machine slows by up to 2x for tens of seconds at a time (every process's CPU per request doubles, steal
    // near 0): with 3 rounds of 12 s one such spell decided a run's median, so more, shorter rounds sample
    // more spells. --profile adds CPU profiles of the last round.
    overhead: flags.has('no-overhead')
      ? false
      : { connections: 100, rounds: number('overhead-rounds', quick ? 1 : 6), ...(quick ? {} : { windowSeconds: 6 }), ...(flags.has('profile') ? { profileDir: join(outDir, 'profiles') } : {}) },
    burst: flags.has('no-burst')
      ? false
      : { connections: 1000, rounds: quick ? 1 : 21, backlogRounds: quick ? 1 : 5, warmupRounds: quick ? 1 : 2, backlog: 4096, ...(flags.has('profile') ? { profileDir: join(outDir, 'profiles') } : {}) },
    memory: flags.has('no-memory') ? false : { users: [150, 1000], durationSeconds: quick ? 2 : 5, cycles: 5, cycleSeconds: quick ? 1 : 3 },
    ab: flags.has('no-ab') ? false : { requests: 1000, concurrency: 100, port: 5001, installAb: true },
    budgetSeconds: quick ? 420 : 1080,
    quietWaitSeconds: quick ? 0 : 45,
    log: (line) => process.stderr.write(`[bench] ${line}\n`),
  };
  return { options, outDir };
}

function usage(): string {
  return 'usage: npm run bench:load -- [--quick] [--latency-ms 50] [--latency-p99-ms N] [--users 50,100,150,300,1000] [--configs before,after] [--duration S] [--warmup S] [--overload-users 3000] [--no-overload] [--no-storm] [--no-ab] [--no-overhead] [--no-burst] [--no-memory] [--overhead-rounds N] [--profile] [--out DIR]';
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench:load: ${(error as Error).message}\n${usage()}\n`);
    process.exit(2);
  }
  if (!serviceIsBuilt()) {
    process.stderr.write('bench:load: dist/main.js is missing; run `npm run build` first.\n');
    process.exit(2);
  }
  const results = await runLoadBenchmark(parsed.options);
  const charts = await writeCharts(results, parsed.outDir);
  const files = writeReport(results, parsed.outDir, charts);
  process.stdout.write(consoleReport(results));
  process.stdout.write(`\nwrote ${[...files, ...charts.map((c) => join(parsed.outDir, c))].join(', ')}\n`);
}

await main();
