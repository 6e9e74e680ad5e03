// Bytes allocated per request, by package and by the project's own functions,
// at statement latency 0 with 100 connections: a check on allocation cuts that
// does not depend on how busy the shared machine is (unlike CPU time).
//
//   npx tsx bench/load/alloc-profile.ts [--main dist/main.js | --main koa] [--out FILE.md]
//
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
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const main = args.get('main') ?? join(projectRoot, 'dist/main.js');
const dump = join(tmpdir(), `alloc-profile-${process.pid}.json`);
const profiled = { NODE_OPTIONS: `--import ${new URL('./alloc-preload.mjs', import.meta.url).href}`, ALLOC_PROFILE_OUT: dump };

const sim = await startSimulatorProcess(['--latency-ms', '0']);
try {
  let url: string;
  let stop: () => Promise<void>;
  if (main === 'koa') {
    const server = await startBareServer('koa', sim, { min: 5, max: afterConfig.poolMax }, profiled);
    [url, stop] = [server.url, server.stop];
  } else {
    const port = await freePort();
    const child = spawn(process.execPath, [main], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...serviceEnv(afterConfig, sim.connectString), ...profiled },
      stdio: 'ignore',
    });
    url = `http://127.0.0.1:${port}`;
    stop = async () => void (child.kill('SIGTERM'), await new Promise((r) => child.once('exit', r)));
    await waitOk(url, '/readyz', () => `${main} did not start`);
  }
  await drive({ url, connections: 100, durationSeconds: 8, warmupSeconds: 4, maxRequests: 1e7, timeoutSeconds: 10 });
  await stop();
} finally {
  await sim.stop();
}

const { responses, profile } = JSON.parse(readFileSync(dump, 'utf8')) as { responses: number; profile: { head: ProfileNode } };
rmSync(dump, { force: true });
const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
(function walk(node: ProfileNode): void {
  const { url, functionName, lineNumber } = node.callFrame;
  const own = url.includes('/dist/') && !url.includes('node_modules/');
  const pkg = own ? `orapool ${url.split('/dist/')[1]!.split('/')[0]}` : url.includes('node_modules/') ? url.split('node_modules/').at(-1)!.split('/')[0]! : url.startsWith('node:') ? 'node:*' : '(native)';
  add(byPackage, pkg, node.selfSize);
  if (own) add(byFunction, `${functionName || '(anonymous)'} dist/${url.split('/dist/')[1]}:${lineNumber + 1}`, node.selfSize);
  node.children.forEach(walk);
})(profile.head);
const perRequest = (bytes: number) => Math.round(bytes / Math.max(1, responses));
const total = [...byPackage.values()].reduce((a, b) => a + b, 0);
const rows = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `| \`${k}\` | ${perRequest(v)} |`);
const report = [
  `# Allocation per request: ${main}`,
  '',
  `Sampled over ${responses} responses (statement latency 0, 100 connections): ${perRequest(total)} bytes per request in all.`,
  '',
  '| Package | Bytes per request |',
  '|---|---|',
  ...rows(byPackage, 12),
  '',
  "| The project's own function (self) | Bytes per request |",
  '|---|---|',
  ...rows(byFunction, 25),
  '',
].join('\n');
if (args.get('out')) writeFileSync(args.get('out')!, report);
process.stdout.write(report);
