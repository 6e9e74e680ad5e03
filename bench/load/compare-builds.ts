// A/B of two builds of the service at statement latency 0, to prove a change
// to the per-request path with profiles rather than by removing features:
//
//   git archive <commit> src tsconfig.json tsconfig.build.json package.json | tar -x -C /tmp/base
//   ln -s "$PWD/node_modules" /tmp/base/node_modules && (cd /tmp/base && npx tsc -p tsconfig.build.json)
//   npx tsx bench/load/compare-builds.ts --before /tmp/base/dist/main.js [--rounds 3] [--out DIR]
//
// Runs bare Koa, the "before" build and this worktree's dist/ in alternating
// rounds (fresh processes each), reads each one's CPU per request from the
// bench probe, profiles the last round, and writes a flame summary per
// server plus summary.md to --out (default bench/results/profiles/before-after).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulatorProcess } from '@orapool/oracle-sim';
import { freePort, projectRoot } from '../../test/support/processes.js';
import { drive } from './drive.js';
import { flameMarkdown, summarizeProfile } from './flame.js';
import { afterConfig, serviceEnv } from './scenarios.js';
import { cpuMicrosPerRequest, median, Probe, startBareServer, waitOk, type MeasuredServer, type ProbeReading } from './servers.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const beforeMain = args.get('before');
if (!beforeMain) throw new Error('usage: compare-builds.ts --before /path/to/dist/main.js [--rounds 3] [--out DIR]');
const rounds = Number(args.get('rounds') ?? 3);
const out = args.get('out') ?? join(projectRoot, 'bench/results/profiles/before-after');
const preload = new URL('./probe-preload.mjs', import.meta.url).href;

const sim = await startSimulatorProcess(['--latency-ms', '0']);
async function startBuild(name: string, main: string): Promise<MeasuredServer> {
  const [port, probePort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [main], {
    cwd: '/tmp',
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...serviceEnv(afterConfig, sim.connectString), NODE_OPTIONS: `--expose-gc --import ${preload}`, BENCH_PROBE_PORT: String(probePort) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitOk(url, '/readyz', () => `${name} did not start`);
  return { name, url, probe: new Probe(probePort), stop: async () => void (child.kill('SIGTERM'), await new Promise((r) => child.once('exit', r))) };
}
const servers: Array<[string, () => Promise<MeasuredServer>]> = [
  ['koa', () => startBareServer('koa', sim, { min: 5, max: afterConfig.poolMax })],
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
        const d = await drive({
          url: server.url, connections: 100, durationSeconds: 6, warmupSeconds: 2, maxRequests: 1e7, timeoutSeconds: 10,
          onMeasureStart: () => (atStart = (profiling ? server.probe.startProfile() : Promise.resolve()).then(() => server.probe.read())),
        });
        const atEnd = await server.probe.read();
        const r = results.get(name) ?? { throughput: [], cpu: [] };
        r.throughput.push(d.throughput);
        r.cpu.push(cpuMicrosPerRequest(await atStart!, atEnd, d.responses));
        if (profiling) {
          const summary = summarizeProfile(await server.probe.stopProfile(), projectRoot);
          r.busy = Number(((summary.busyMs * 1000) / Math.max(1, d.responses)).toFixed(1));
          writeFileSync(join(out, `${name}.md`), flameMarkdown(`CPU profile: ${name}, statement latency 0, 100 connections, last of ${rounds} alternating rounds`, summary, d.responses));
        }
        results.set(name, r);
        process.stderr.write(`round ${round + 1} ${name}: ${d.throughput}/s, ${r.cpu.at(-1)} µs CPU per request\n`);
      } finally {
        await server.stop();
      }
    }
  }
} finally {
  await sim.stop();
}
const koa = results.get('koa')!;
const lines = [
  '# Before / after: CPU per request at statement latency 0',
  '',
  `Made by \`bench/load/compare-builds.ts\` on ${new Date().toISOString()}, before = \`${beforeMain}\`, ${rounds} alternating rounds; 1-minute load average at the end ${(await import('node:os')).loadavg()[0]!.toFixed(2)}.`,
  '',
  '| Server | req/s (median) | Rounds | CPU µs/request (median) | Rounds | Of bare Koa (median of per-round ratios) | Profiled busy µs/request |',
  '|---|---|---|---|---|---|---|',
  ...[...results].map(([name, r]) => `| ${name} | ${median(r.throughput)} | ${r.throughput.join(', ')} | ${median(r.cpu)} | ${r.cpu.join(', ')} | ${(median(r.throughput.map((t, i) => t / koa.throughput[i]!)) * 100).toFixed(1)}% | ${r.busy ?? '-'} |`),
  '',
];
writeFileSync(join(out, 'summary.md'), lines.join('\n'));
process.stdout.write(lines.join('\n'));
