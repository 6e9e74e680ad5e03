// npm run bench:breaker [-- --users 150] [--hold 10] [--out DIR]
//
// The database circuit breaker under load (issue 10, section 4): the
// simulator (statement latency 50 ms) and the built service (run `npm run
// build` first) as separate processes, 150 closed-loop users on GET
// /api/health, then the database frozen (TCP accepted, nothing answered) or
// refusing (every session killed, the listener refusing), held, and brought
// back. Judged, per fault, and printed as met / not met (never asserted):
//   - p99 of every response to a request sent after the breaker opened <= 50 ms;
//   - throughput back to >= 90% of the pool bound within 2 probe intervals of recovery.
// The baseline throughput measured in the same run, before the fault, is
// reported beside the bound. Writes bench/results/breaker-results.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulatorProcess, type SimulatorProcess } from '@orapool/oracle-sim';
import { metricValue } from '../../test/support/database-target.js';
import { projectRoot, startService, type ServiceProcess } from '../../test/support/processes.js';
import { describeMachine, loadAverage } from '../load/machine.js';
import { serviceIsBuilt } from '../load/run.js';
import { afterConfig, queueingBound, serviceEnv } from '../load/scenarios.js';
import { percentiles, type Percentiles } from '../load/stats.js';
import { startUsers, type Sample } from './users.js';

type Fault = 'freeze' | 'refuse';

const LATENCY_MS = 50;
const PROBE_INTERVAL_SECONDS = 5;
const WARMUP_MS = 3000;
const BASELINE_MS = 5000;

interface FaultResult {
  fault: Fault;
  users: number;
  boundPerSecond: number;
  baselinePerSecond: number;
  /** ms from the fault to the breaker's opening (seen on /metrics, polled every 100 ms). */
  faultToOpenMs: number | null;
  afterOpen: { latencyMs: Percentiles; codes: Record<string, number>; withoutRetryAfter: number } | null;
  /** ms from recovery until a 1 s window of 2xx reached 90% of the bound (null: never within the run). */
  recoveryToBoundMs: number | null;
  recoveryToBaselineMs: number | null;
  timeline: Array<{ second: number; ok: number; refused: number; other: number }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`[bench:breaker] ${line}\n`);

async function breakerState(service: ServiceProcess): Promise<number | undefined> {
  try {
    return metricValue(await (await fetch(`${service.url}/metrics`)).text(), 'orapool_database_breaker_state');
  } catch {
    return undefined;
  }
}

/** The first time (ms, samples' clock) from `fromMs` at which 2xx done in the last second reached `perSecond`. */
function reachedAt(samples: Sample[], fromMs: number, perSecond: number): number | null {
  const done = samples.filter((s) => s.code === 'OK' && s.doneMs >= fromMs).map((s) => s.doneMs).sort((a, b) => a - b);
  const needed = Math.ceil(perSecond);
  for (let i = needed - 1; i < done.length; i++) {
    if (done[i]! - done[i - needed + 1]! <= 1000) return done[i]! - fromMs;
  }
  return null;
}

async function runFault(sim: SimulatorProcess, fault: Fault, users: number, holdMs: number): Promise<FaultResult> {
  await sim.control('/reset', 'POST');
  const service = await startService(
    {
      ...serviceEnv(afterConfig, sim.connectString),
      DB_PROBE_INTERVAL: String(PROBE_INTERVAL_SECONDS),
      DB_BREAKER_ENABLED: 'true',
    },
    { waitForListening: false },
  );
  const bound = queueingBound(users, afterConfig.poolMax, LATENCY_MS).expectedThroughput!;
  try {
    for (let i = 0; i < 200 && (await fetch(`${service.url}/readyz`).catch(() => undefined))?.status !== 200; i++) await sleep(100);
    const load = startUsers(`${service.url}/api/health`, users);
    await sleep(WARMUP_MS + BASELINE_MS);
    const baseline = load.samples.filter((s) => s.code === 'OK' && s.doneMs >= WARMUP_MS && s.doneMs < WARMUP_MS + BASELINE_MS).length / (BASELINE_MS / 1000);

    const faultAt = load.now();
    if (fault === 'freeze') await sim.control('/faults/freeze', 'POST');
    else {
      await sim.control('/faults/refuse?on=1', 'POST');
      await sim.control('/faults/kill', 'POST');
    }
    log(`${fault}: fault injected after a baseline of ${baseline.toFixed(0)}/s (bound ${bound}/s)`);
    let openAt: number | undefined;
    while (openAt === undefined && load.now() - faultAt < 60_000) {
      if (((await breakerState(service)) ?? 0) !== 0) openAt = load.now();
      else await sleep(100);
    }
    log(openAt === undefined ? `${fault}: the breaker never opened` : `${fault}: breaker open ${(openAt - faultAt).toFixed(0)} ms after the fault`);
    await sleep(holdMs);

    const recoverAt = load.now();
    if (fault === 'freeze') await sim.control('/faults/unfreeze', 'POST');
    else await sim.control('/faults/refuse?on=0', 'POST');
    await sleep(2 * PROBE_INTERVAL_SECONDS * 1000 + 5000);
    await load.stop();

    const samples = load.samples;
    const afterOpen = openAt === undefined ? [] : samples.filter((s) => s.sentMs >= openAt! && s.sentMs < recoverAt);
    const codes: Record<string, number> = {};
    for (const s of afterOpen) codes[s.code] = (codes[s.code] ?? 0) + 1;
    const timeline: FaultResult['timeline'] = [];
    for (const s of samples) {
      const second = Math.floor(s.doneMs / 1000);
      while (timeline.length <= second) timeline.push({ second: timeline.length, ok: 0, refused: 0, other: 0 });
      const t = timeline[second]!;
      if (s.code === 'OK') t.ok += 1;
      else if (s.code === 'DATABASE_UNAVAILABLE') t.refused += 1;
      else t.other += 1;
    }
    return {
      fault,
      users,
      boundPerSecond: bound,
      baselinePerSecond: Number(baseline.toFixed(1)),
      faultToOpenMs: openAt === undefined ? null : Math.round(openAt - faultAt),
      afterOpen: openAt === undefined
        ? null
        : { latencyMs: percentiles(afterOpen.map((s) => s.doneMs - s.sentMs)), codes, withoutRetryAfter: afterOpen.filter((s) => s.status === 503 && !s.retryAfter).length },
      recoveryToBoundMs: reachedAt(samples, recoverAt, 0.9 * bound),
      recoveryToBaselineMs: reachedAt(samples, recoverAt, 0.9 * baseline),
      timeline,
    };
  } finally {
    await service.stop();
  }
}

function verdicts(r: FaultResult): Array<{ target: string; met: boolean | null; detail: string }> {
  const limitMs = 2 * PROBE_INTERVAL_SECONDS * 1000;
  const p99 = r.afterOpen?.latencyMs.p99;
  return [
    {
      target: `${r.fault}@${r.users}: p99 of all responses after the breaker opened <= 50 ms`,
      met: p99 === undefined ? null : p99 <= 50,
      detail: r.afterOpen
        ? `p50 ${r.afterOpen.latencyMs.p50} ms, p99 ${p99} ms, max ${r.afterOpen.latencyMs.max} ms over ${r.afterOpen.latencyMs.count} responses; ` +
          `codes ${JSON.stringify(r.afterOpen.codes)}; ${r.afterOpen.withoutRetryAfter} 503s without Retry-After; opened ${r.faultToOpenMs} ms after the fault`
        : 'the breaker never opened',
    },
    {
      target: `${r.fault}@${r.users}: throughput >= 90% of the bound (${r.boundPerSecond}/s) within 2 probe intervals (${limitMs / 1000} s) of recovery`,
      met: r.recoveryToBoundMs !== null && r.recoveryToBoundMs <= limitMs,
      detail:
        `${r.recoveryToBoundMs === null ? 'never reached in the run' : `reached after ${r.recoveryToBoundMs.toFixed(0)} ms`}; ` +
        `for reference, 90% of this run's own baseline (${r.baselinePerSecond}/s): ` +
        `${r.recoveryToBaselineMs === null ? 'never reached' : `after ${r.recoveryToBaselineMs.toFixed(0)} ms`}`,
    },
  ];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
  };
  const users = Number(flag('users', '150'));
  const holdMs = Number(flag('hold', '10')) * 1000;
  const outDir = flag('out', join(projectRoot, 'bench/results'));
  if (!serviceIsBuilt()) {
    process.stderr.write('bench:breaker: dist/main.js is missing; run `npm run build:sim && npm run build` first\n');
    process.exit(2);
  }
  const machine = describeMachine();
  const sim = await startSimulatorProcess(['--latency-ms', String(LATENCY_MS)]);
  const results: FaultResult[] = [];
  try {
    for (const fault of ['freeze', 'refuse'] as const) results.push(await runFault(sim, fault, users, holdMs));
  } finally {
    await sim.stop();
  }
  machine.loadAverageAtEnd = loadAverage();
  const judged = results.flatMap(verdicts);
  for (const v of judged) process.stdout.write(`${v.met === null ? 'NOT MEASURED' : v.met ? 'met' : 'NOT MET'}: ${v.target}\n    ${v.detail}\n`);
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'breaker-results.json');
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        machine: { ...machine, note: `${machine.note} Other work on the machine shares them too (a shared CI box): one run, not a distribution.` },
        settings: { users, statementLatencyMs: LATENCY_MS, probeIntervalSeconds: PROBE_INTERVAL_SECONDS, holdOpenSeconds: holdMs / 1000, pool: afterConfig.summary, breaker: 'defaults (DB_BREAKER_FAILURES=5, DB_BREAKER_OPEN_SECONDS=5)' },
        targets: judged,
        results,
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${file}`);
}

await main();
