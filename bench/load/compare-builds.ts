// A/B of two builds of the service at statement latency 0, to prove a change
// to the per-request path with profiles rather than by removing features:
//
//   git archive <commit> src tsconfig.json tsconfig.build.json package.json | tar -x -C /tmp/base
//   ln -s "$PWD/node_modules" /tmp/base/node_modules && (cd /tmp/base && npx tsc -p tsconfig.build.json)
//   npx tsx bench/load/compare-builds.ts --before /tmp/base/dist/main.js [--rounds 3] [--scenario burst] [--out DIR]
//
// Runs a yardstick, the "before" build and this worktree's dist/ in
// alternating rounds (fresh processes each), reads each one's CPU per request
// from the bench probe, profiles the last round, and writes a flame summary
// per server plus summary.md to --out. The default scenario is closed-loop
// load at statement latency 0 against bare Koa (out: bench/results/profiles/
// before-after); `--scenario burst` is burst.ts's burst (1000 new connections
// against pool 10 + queue 50, two warm-up bursts per process, then one
// measured) against a bare node:http 503 server (out: .../burst-before-after);
// `--scenario refusals` is closed-loop keep-alive load on a full queue (pool 1
// + queue 1 held by two slow statements), so every request is refused at the
// door, against the same bare 503 server: the refusal's own cost, without a
// burst's connection setup and its noise (out: .../refusals-before-after).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulatorProcess } from '@orapool/oracle-sim';
import { freePort, projectRoot } from '../../test/support/processes.js';
import { drive } from './drive.js';
import { BURST_STATEMENT_LATENCY_MS, BurstClient } from './burst.js';
import { flameMarkdown, summarizeProfile } from './flame.js';
import { afterConfig, serviceEnv } from './scenarios.js';
import { cpuMicrosPerRequest, median, Probe, startBareServer, waitOk, type MeasuredServer, type ProbeReading } from './servers.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const beforeMain = args.get('before');
if (!beforeMain) throw new Error('usage: compare-builds.ts --before /path/to/dist/main.js [--rounds 3] [--out DIR]');
const rounds = Number(args.get('rounds') ?? 3);
const scenario = args.get('scenario') ?? 'overhead';
if (!['overhead', 'burst', 'refusals'].includes(scenario)) throw new Error(`unknown --scenario ${scenario}: overhead, burst or refusals`);
const burst = scenario === 'burst';
const refusals = scenario === 'refusals';
const burstClient = burst ? new BurstClient() : undefined;
const out = args.get('out') ?? join(projectRoot, `bench/results/profiles/${scenario === 'overhead' ? '' : `${scenario}-`}before-after`);
const burstEnv = { DB_POOL_MIN: '10', DB_POOL_MAX: '10', DB_POOL_QUEUE_MAX: '50', HTTP_LISTEN_BACKLOG: '4096' };
// Two statements of REFUSALS_HOLD_MS hold the one connection and the one queue place; the call timeout ends them after the measurement.
const REFUSALS_HOLD_MS = 100_000;
const refusalsEnv = { DB_POOL_MIN: '1', DB_POOL_MAX: '1', DB_POOL_QUEUE_MAX: '1', DB_POOL_TIMEOUT: '30', DB_CALL_TIMEOUT: '10' };
const preload = new URL('./probe-preload.mjs', import.meta.url).href;

const sim = await startSimulatorProcess(['--latency-ms', burst ? String(BURST_STATEMENT_LATENCY_MS) : '0']);
async function startBuild(name: string, main: string): Promise<MeasuredServer> {
  const [port, probePort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [main], {
    cwd: '/tmp',
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...serviceEnv(afterConfig, sim.connectString), ...(burst ? burstEnv : {}), ...(refusals ? refusalsEnv : {}), NODE_OPTIONS: `--expose-gc --import ${preload}`, BENCH_PROBE_PORT: String(probePort) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitOk(url, '/readyz', () => `${name} did not start`);
  return { name, url, probe: new Probe(probePort), stop: async () => void (child.kill('SIGTERM'), await new Promise((r) => child.once('exit', r))) };
}
const servers: Array<[string, () => Promise<MeasuredServer>]> = [
  burst || refusals
    ? ['bare-503', () => startBareServer('node-503', sim, { min: 0, max: 1 }, { LISTEN_BACKLOG: burstEnv.HTTP_LISTEN_BACKLOG })]
    : ['koa', () => startBareServer('koa', sim, { min: 5, max: afterConfig.poolMax })],
  ['before', () => startBuild('before', beforeMain)],
  ['after', () => startBuild('after', join(projectRoot, 'dist/main.js'))],
];
const results = new Map<string, { throughput: number[]; cpu: number[]; busy?: number }>();
mkdirSync(out, { recursive: true });
try {
  for (let round = 0; round < rounds; round++) {
    const profiling = round === rounds - 1;
    for (const [name, start] of servers) {
      const server = await start();
      try {
        let atStart: Promise<ProbeReading> | undefined;
        const onMeasureStart = () => (atStart = (profiling ? server.probe.startProfile() : Promise.resolve()).then(() => server.probe.read()));
        if (refusals && name !== 'bare-503') await fillQueue(server.url);
        const d = burst
          ? await measuredBurst(server.url, onMeasureStart)
          : await drive({ url: server.url, connections: refusals ? 50 : 100, durationSeconds: refusals ? 4 : 6, warmupSeconds: refusals ? 1 : 2, maxRequests: 1e7, timeoutSeconds: 10, onMeasureStart });
        if (refusals) await sim.control('/latency?ms=0');
        const atEnd = await server.probe.read();
        const r = results.get(name) ?? { throughput: [], cpu: [] };
        // Under refusals autocannon's throughput (2xx per second) is 0: the column is answers per second.
        r.throughput.push(refusals ? Math.round(d.responses / 4) : d.throughput);
        r.cpu.push(cpuMicrosPerRequest(await atStart!, atEnd, d.responses));
        if (profiling) {
          const summary = summarizeProfile(await server.probe.stopProfile(), projectRoot);
          r.busy = Number(((summary.busyMs * 1000) / Math.max(1, d.responses)).toFixed(1));
          const what = burst ? 'one burst of 1000 new connections against pool 10 + queue 50' : refusals ? 'every request refused (pool 1 + queue 1 held), 50 keep-alive connections' : 'statement latency 0, 100 connections';
          writeFileSync(join(out, `${name}.md`), flameMarkdown(`CPU profile: ${name}, ${what}, last of ${rounds} alternating rounds`, summary, d.responses));
        }
        results.set(name, r);
        process.stderr.write(`round ${round + 1} ${name}: ${d.throughput}/s, ${r.cpu.at(-1)} µs CPU per request\n`);
      } finally {
        await server.stop();
      }
    }
  }
} finally {
  await burstClient?.stop();
  await sim.stop();
}
const yardstick = results.get(servers[0]![0])!;
const lines = [
  burst
    ? '# Before / after: a burst of 1000 new connections, 503 p99 and CPU per request'
    : refusals
      ? '# Before / after: CPU per refusal, every request refused at the door'
      : '# Before / after: CPU per request at statement latency 0',
  '',
  `Made by \`bench/load/compare-builds.ts\` on ${new Date().toISOString()}, before = \`${beforeMain}\`, ${rounds} alternating rounds; 1-minute load average at the end ${(await import('node:os')).loadavg()[0]!.toFixed(2)}.`,
  '',
  `| Server | ${burst ? '503 p99 ms' : refusals ? '503s/s' : 'req/s'} (median) | Rounds | CPU µs/request (median) | Rounds | Of ${servers[0]![0]} (median of per-round ratios) | Profiled busy µs/request |`,
  '|---|---|---|---|---|---|---|',
  ...[...results].map(([name, r]) => `| ${name} | ${median(r.throughput)} | ${r.throughput.join(', ')} | ${median(r.cpu)} | ${r.cpu.join(', ')} | ${(median(r.throughput.map((t, i) => t / yardstick.throughput[i]!)) * 100).toFixed(1)}% | ${r.busy ?? '-'} |`),
  '',
];
writeFileSync(join(out, 'summary.md'), lines.join('\n'));
process.stdout.write(lines.join('\n'));

/** Hold the one connection and the one queue place with two slow statements, so every further request is refused. */
async function fillQueue(url: string): Promise<void> {
  await sim.control(`/latency?ms=${REFUSALS_HOLD_MS}`);
  for (let i = 0; i < 2; i++) void fetch(`${url}/api/health`).then((r) => r.text(), () => undefined);
  await new Promise((r) => setTimeout(r, 500));
}

/** Two unmeasured bursts (JIT warm-up, as burst.ts does), then one measured: its 503 p99 stands in the throughput column. */
async function measuredBurst(url: string, onMeasureStart: () => unknown): Promise<{ throughput: number; responses: number }> {
  for (let i = 0; i < 2; i++) {
    await burstClient!.burst(url, 1000, 10);
    await new Promise((r) => setTimeout(r, 500));
  }
  await onMeasureStart();
  const b = await burstClient!.burst(url, 1000, 10);
  return { throughput: b.latencyMs.shed.p99, responses: b.latencyMs.all.count };
}
