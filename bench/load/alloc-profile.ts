// Bytes allocated per request, by package and by the project's own functions,
// at statement latency 0 with 100 connections: a check on allocation cuts that
// does not depend on how busy the shared machine is (unlike CPU time).
//
//   npx tsx bench/load/alloc-profile.ts [--main dist/main.js | --main koa] [--live 1000 | --promoted] [--out FILE.md]
//
// --promoted: only what survived a scavenge (promoted to the old generation,
// or still alive at the end), per request, at the same load: what costs a
// scavenge its time and the old generation its full collections. Requests
// that end in milliseconds should leave next to nothing here; bare Koa is the
// yardstick (results/profiles/promoted/).
//
// --live N: instead, N users at the load benchmark's statement latency
// (50 ms) against the pool of 40, and only what is still alive after a forced
// GC 3 s into the measured load, per in-flight request (divided by N): what a
// request holds while it waits for a connection. At 1000 users it waits
// about 1.3 s, so V8 promotes all of it to the old generation, whose peak is
// most of memory.ts's RSS growth.
// `--main koa` profiles the bare Koa + @koa/router server of the overhead
// comparison; any other value is a build of the service (another commit's
// dist/main.js, built as compare-builds.ts explains). Sampled with the V8
// heap profiler (alloc-preload.mjs), so figures carry sampling noise of a
// few percent; compare functions, not totals that differ by less.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatorProcess } from '@orapool/oracle-sim';
import { freePort, projectRoot } from '../../test/support/processes.js';
import { drive } from './drive.js';
import { afterConfig, serviceEnv } from './scenarios.js';
import { startBareServer, waitOk } from './servers.js';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const args = new Map<string, string>();
// --name value, or a bare --flag (value '').
for (let i = 2; i < process.argv.length; i++) {
  const name = process.argv[i]!.replace(/^--/, '');
  const next = process.argv[i + 1];
  const hasValue = next !== undefined && !next.startsWith('--');
  args.set(name, hasValue ? next : '');
  if (hasValue) i++;
}
const main = args.get('main') ?? join(projectRoot, 'dist/main.js');
const live = Number(args.get('live') ?? 0);
const promoted = args.has('promoted');
const dump = join(tmpdir(), `alloc-profile-${process.pid}.json`);
const [warmupSeconds, durationSeconds] = live > 0 ? [3, 5] : [4, 8];
const profiled = {
  NODE_OPTIONS: `--expose-gc --import ${new URL('./alloc-preload.mjs', import.meta.url).href}`,
  ALLOC_PROFILE_OUT: dump,
  ...(live > 0 ? { ALLOC_PROFILE_LIVE: '1' } : {}),
  ...(promoted ? { ALLOC_PROFILE_PROMOTED: '1' } : {}),
};
const connections = live > 0 ? live : 100;

const sim = await startSimulatorProcess(['--latency-ms', live > 0 ? '50' : '0']);
try {
  let url: string;
  let pid: number;
  let stop: () => Promise<void>;
  if (main === 'koa') {
    const server = await startBareServer('koa', sim, { min: 5, max: afterConfig.poolMax }, profiled);
    [url, pid, stop] = [server.url, server.pid!, server.stop];
  } else {
    const port = await freePort();
    const child = spawn(process.execPath, [main], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...serviceEnv(afterConfig, sim.connectString), ...profiled },
      stdio: 'ignore',
    });
    url = `http://127.0.0.1:${port}`;
    pid = child.pid!;
    stop = async () => void (child.kill('SIGTERM'), await new Promise((r) => child.once('exit', r)));
    await waitOk(url, '/readyz', () => `${main} did not start`);
  }
  // Live mode: SIGUSR2 starts sampling when the measured window opens (requests
  // in flight later began after it) and, 3 s on, takes the live profile.
  const signal = () => process.kill(pid, 'SIGUSR2');
  let liveTimer: NodeJS.Timeout | undefined;
  const onMeasureStart = () => {
    signal();
    liveTimer = setTimeout(signal, 3000);
  };
  await drive({ url, connections, durationSeconds, warmupSeconds, maxRequests: 1e7, timeoutSeconds: 10, ...(live > 0 ? { onMeasureStart } : {}) });
  clearTimeout(liveTimer);
  await stop();
} finally {
  await sim.stop();
}

const { responses, profile } = JSON.parse(readFileSync(dump, 'utf8')) as { responses: number; profile: { head: ProfileNode } };
rmSync(dump, { force: true });
const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
const anyFunction = new Map<string, number>();
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
(function walk(node: ProfileNode): void {
  const { url, functionName, lineNumber } = node.callFrame;
  const own = url.includes('/dist/') && !url.includes('node_modules/');
  const pkg = own ? `orapool ${url.split('/dist/')[1]!.split('/')[0]}` : url.includes('node_modules/') ? url.split('node_modules/').at(-1)!.split('/')[0]! : url.startsWith('node:') ? 'node:*' : '(native)';
  add(byPackage, pkg, node.selfSize);
  add(anyFunction, `${functionName || '(anonymous)'} ${own ? `dist/${url.split('/dist/')[1]}` : url.replace(/^.*node_modules\//, '')}:${lineNumber + 1}`, node.selfSize);
  if (own) add(byFunction, `${functionName || '(anonymous)'} dist/${url.split('/dist/')[1]}:${lineNumber + 1}`, node.selfSize);
  node.children.forEach(walk);
})(profile.head);
// Live mode: per request in flight (the users), not per response.
const perRequest = (bytes: number) => Math.round(bytes / Math.max(1, live > 0 ? live : responses));
const total = [...byPackage.values()].reduce((a, b) => a + b, 0);
const rows = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `| \`${k}\` | ${perRequest(v)} |`);
const report = [
  live > 0 ? `# Held per request in flight: ${main}` : promoted ? `# Survived a scavenge, per request: ${main}` : `# Allocation per request: ${main}`,
  '',
  live > 0
    ? `${live} users at statement latency 50 ms, pool 40: ${perRequest(total)} bytes per request in flight in all, still alive after a full GC under load (allocated in the 3 s before it; ${responses} responses in that time).`
    : `Sampled over ${responses} responses (statement latency 0, 100 connections): ${perRequest(total)} bytes per request in all${promoted ? ' allocated and not collected by a scavenge (promoted to the old generation, or alive at the end)' : ''}.`,
  '',
  '| Package | Bytes per request |',
  '|---|---|',
  ...rows(byPackage, 12),
  '',
  "| The project's own function (self) | Bytes per request |",
  '|---|---|',
  ...rows(byFunction, 25),
  '',
  ...(promoted ? ['| Any function (self) | Bytes per request |', '|---|---|', ...rows(anyFunction, 30), ''] : []),
].join('\n');
if (args.get('out')) writeFileSync(args.get('out')!, report);
process.stdout.write(report);
