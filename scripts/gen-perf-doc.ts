/**
 * Generates every figure of docs/performance.md from the committed benchmark
 * results (bench/results/load-results.json, written by npm run bench:load), so
 * the document cannot quote a number the last run did not measure. The prose
 * around the generated blocks explains; it quotes no figures.
 *
 *   npm run gen:perf-doc            rewrite after a new benchmark run
 *   npm run gen:perf-doc -- --check exit 1 on drift (test/docs/figures.test.ts)
 *
 * Blocks: perf-run, perf-scenarios, perf-derived, perf-overload, perf-ab, perf-overhead, perf-burst, perf-waves, perf-memory, perf-targets.
 */
import type { BurstResult, BurstSide } from '../bench/load/burst.js';
import type { MemoryPoint, MemoryResult, MemorySide } from '../bench/load/memory.js';
import { readRepo, replaceBlock, runGenerator, stamp } from './doc-blocks.js';

export const PERF_DOC = 'docs/performance.md';
export const RESULTS = 'bench/results/load-results.json';

/* The parts of load-results.json this page reads (schema orapool-load-bench/1; bench/load/types.ts has the whole). */
interface Latency { p50: number; p95: number; p99: number; mean: number }
interface Drive {
  ok: number;
  timeouts: number;
  otherNon2xx: number;
  shedWithoutRetryAfter: number;
  successRate: number;
  throughput: number;
  responseRate: number;
  byStatus: Record<string, number>;
  shed: Record<string, number>;
  latencyMs: { ok: Latency; shed?: Latency };
  retryAfterValues?: Record<string, number>;
  durationSeconds?: number;
  warmupSeconds?: number;
}
interface Scenario {
  name: string;
  config: string;
  users: number;
  statementLatencyMs: number;
  poolMax: number;
  bound: { maxThroughput: number; expectedThroughput: number; expectedLatencyMs: number };
  achievedToBound: number | null;
  measurement?: Drive;
}
interface ServerFigures { throughput: number; perRound: number[]; cpuMicrosPerRequest?: number; profile?: { busyMicrosPerRequest: number; file: string } }
interface Waves { wMs: number | null; admittedP99OverW: number | null; exactAdmittedP99OverW: number | null; shedPerSecondCv: number | null; exactShedPerSecondCv: number | null; shedP99ToBare: number | null }
export interface Results {
  schema: string;
  startedAt: string;
  mode: string;
  machine: { cpuModel: string; cores: number; node: string; platform: string; loadAverageAtStart: number; loadAverageAtEnd: number };
  settings: { statementLatencyMs: number; durationSeconds: number; warmupSeconds: number; clientTimeoutSeconds: number; serviceLogLevel: string; configs: Record<string, string> };
  scenarios: Scenario[];
  overload: {
    users: number;
    admittedAtOnce: number;
    bound: { expectedThroughput: number; expectedLatencyMs: number };
    polite: Drive & { achievedToBound: number; service503: { p50Ms: number; p99Ms: number } | null };
    storm: Drive & { achievedToBound: number };
    politeExactRetryAfter?: Drive & { achievedToBound: number };
    bare503?: Drive;
    waves?: Waves;
    shedRounds?: Array<{ serviceMs: number; bareMs: number; ratio: number | null }>;
  };
  overhead: {
    statementLatencyMs: number;
    connections: number;
    rounds: number;
    windowSeconds?: number;
    bare: ServerFigures;
    koa: ServerFigures;
    service: ServerFigures;
    serviceInfo?: ServerFigures;
    ratio: number;
    koaRatio: number;
    serviceToKoa?: number;
    serviceInfoToKoa?: number;
  };
  // The benchmark's own result types: the file is what bench/load wrote.
  burst?: BurstResult;
  memory?: MemoryResult;
  ab: { mapping: string; result?: { command: string; complete: number; failed: number; lengthMismatches: number; successRate: number; requestsPerSecond: number; latencyMs: { p50: number; p95: number; p99: number } } };
  targets: { id: string; target: string; met: boolean; detail: string }[];
}

export const results = (): Results => JSON.parse(readRepo(RESULTS)) as Results;

// --- formatting (the same rules as bench/load/report.ts) ---------------------

export const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`);
export const pct = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
export const count = (n: number) => Math.round(n).toLocaleString('en-US');
const perSecond = (n: number) => count(n);
const retryAfter = (d: Drive) =>
  Object.entries(d.retryAfterValues ?? {})
    .map(([seconds, n]) => `${count(n)} × \`Retry-After: ${seconds}\``)
    .join(', ') || '-';

/** The "after" configuration's queue timeout, read from the bench's own description of it. */
function afterQueueTimeoutSeconds(r: Results): number {
  const m = /DB_POOL_TIMEOUT=([\d.]+)/.exec(r.settings.configs.after ?? '');
  if (!m) throw new Error(`${RESULTS}: settings.configs.after does not name DB_POOL_TIMEOUT`);
  return Number(m[1]);
}

const STAMP = stamp('scripts/gen-perf-doc.ts', RESULTS, 'npm run gen:perf-doc');

function runBlock(r: Results): string {
  const m = r.machine;
  const s = r.settings;
  return [
    STAMP,
    '',
    `- **Run:** ${r.mode} mode, started ${r.startedAt}; statement latency ${s.statementLatencyMs} ms; ${s.warmupSeconds} s warm-up and ${s.durationSeconds} s measured per scenario; clients give up after ${s.clientTimeoutSeconds} s; the service logs at \`${s.serviceLogLevel}\`.`,
    `- **Machine:** ${m.cpuModel}, **${m.cores} cores** shared by the load generator, the service and the simulator; Node ${m.node}, ${m.platform}; 1-minute load average ${m.loadAverageAtStart} at the start, ${m.loadAverageAtEnd} at the end.`,
    ...Object.entries(s.configs).map(([name, desc]) => `- **${name}:** ${desc}.`),
  ].join('\n');
}

function scenariosBlock(r: Results): string {
  const rows = r.scenarios.map((sc) => {
    const d = sc.measurement;
    if (!d) return `| ${sc.config} | ${sc.users} | skipped | | | | | | | | | | |`;
    const shed = Object.values(d.shed).reduce((a, b) => a + b, 0);
    const b = (t: string) => (sc.config === 'after' ? `**${t}**` : t);
    return `| ${b(sc.config)} | ${sc.users} | ${b(pct(d.successRate))} | ${perSecond(d.throughput)} | ${sc.bound.expectedThroughput} | ${sc.achievedToBound === null ? '-' : pct(sc.achievedToBound)} | ${ms(d.latencyMs.ok.p50)} | ${ms(d.latencyMs.ok.p95)} | ${ms(d.latencyMs.ok.p99)} | ${ms(sc.bound.expectedLatencyMs)} | ${count(shed)} | ${d.latencyMs.shed && shed > 0 ? ms(d.latencyMs.shed.p99) : '-'} | ${count(d.timeouts)} |`;
  });
  return [
    STAMP,
    '',
    "| Pool | Users | Success | 2xx/s | Bound | Achieved | p50 | p95 | p99 | Little's W | 503s | 503 p99 | Timeouts |",
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function derivedBlock(r: Results): string {
  const after = r.scenarios.filter((s) => s.config === 'after' && s.measurement);
  const before = r.scenarios.filter((s) => s.config === 'before' && s.measurement);
  const poolMax = after[0]!.poolMax;
  const beforePool = before[0]?.poolMax;
  const latency = r.settings.statementLatencyMs;
  const queueMax = r.overload.admittedAtOnce - poolMax;
  const timeout = afterQueueTimeoutSeconds(r);
  const achieved = after.map((s) => s.achievedToBound ?? 0);
  const from100 = after.filter((s) => s.users >= 100);
  const p95OverW = from100.map((s) => s.measurement!.latencyMs.ok.p95 / s.bound.expectedLatencyMs);
  const shedCodes = new Set(r.scenarios.flatMap((s) => Object.entries(s.measurement?.shed ?? {}).filter(([, n]) => n > 0).map(([c]) => c)));
  const anyOther = r.scenarios.some((s) => (s.measurement?.otherNon2xx ?? 0) > 0 || (s.measurement?.shedWithoutRetryAfter ?? 0) > 0);
  const at = (users: number) => after.find((s) => s.users === users);
  const meanVsW = [150, 1000]
    .map(at)
    .filter((s): s is Scenario => s !== undefined)
    .map((s) => `${ms(s.measurement!.latencyMs.ok.mean)} against a W of ${ms(s.bound.expectedLatencyMs)} at ${s.users} users`);
  const lines = [
    STAMP,
    '',
    `- **Bound** λ = min(pool max / statement latency, users / statement latency):${beforePool ? ` ${beforePool} / ${latency} ms = ${(beforePool / latency) * 1000}/s for "before",` : ''} ${poolMax} / ${latency} ms = ${(poolMax / latency) * 1000}/s for "after". **Little's W** = users / λ.`,
    `- **"after" throughput** stays at ${pct(Math.min(...achieved))}-${pct(Math.max(...achieved))} of the bound from ${after[0]!.users} to ${after[after.length - 1]!.users} users.`,
    `- **Mean latency matches W:** ${meanVsW.join('; ')}.`,
    `- **p95 / W** from 100 users up: ${p95OverW.map((x) => x.toFixed(2)).join(', ')} (the target allows 1.25).`,
    `- **Errors:** ${anyOther ? 'some' : 'no'} response other than the deliberate 503s was non-2xx or lacked \`Retry-After\`; the 503 codes seen: ${[...shedCodes].map((c) => `\`${c}\``).join(', ') || 'none'}.`,
    `- **Admission control at the queue limit:** expected wait = ${queueMax} × ${latency} ms / ${poolMax} = ${ms((queueMax * latency) / poolMax)}, far below the ${timeout} s queue timeout, so it does not engage; the queue limit (${queueMax}) refuses first.`,
    `- **Held at once** = pool max + queue max = ${poolMax} + ${queueMax} = ${r.overload.admittedAtOnce}; the overload scenario runs ${count(r.overload.users)} users.`,
    `- **Retry-After under overload** = ceil(${queueMax + 1} × ${latency} ms / ${poolMax}) = ${Math.ceil(((queueMax + 1) * latency) / poolMax / 1000)} s.`,
  ];
  return lines.join('\n');
}

function overloadBlock(r: Results): string {
  const o = r.overload;
  const row = (label: string, d: Drive & { achievedToBound: number }, service: string) =>
    `| ${label} | ${perSecond(d.throughput)} | ${pct(d.achievedToBound)} | ${ms(d.latencyMs.ok.p50)} | ${ms(d.latencyMs.ok.p95)} | ${ms(d.latencyMs.ok.p99)} | ${ms((o.admittedAtOnce / o.bound.expectedThroughput) * 1000)} | ${count(d.byStatus['503'] ?? 0)} | ${retryAfter(d)} | ${d.latencyMs.shed ? `${ms(d.latencyMs.shed.p50)} / ${ms(d.latencyMs.shed.p99)}` : '-'} | ${service} | ${count(d.shedWithoutRetryAfter)} | ${count(d.timeouts)} | ${count(d.responseRate)} |`;
  const s503 = o.polite.service503;
  return [
    STAMP,
    '',
    `| Clients (${count(o.users)} users) | 2xx/s | Achieved (of ${o.bound.expectedThroughput}) | ok p50 | ok p95 | ok p99 | W of the ${o.admittedAtOnce} held | 503s | Retry-After given | 503 p50 / p99 (client) | 503 p50 / p99 (service) | 503s without Retry-After | Timeouts | Responses/s |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    row('honour Retry-After', o.polite, s503 ? `${ms(s503.p50Ms)} / ${ms(s503.p99Ms)}` : '-'),
    row('autocannon, ignores Retry-After (worst case)', o.storm, '-'),
  ].join('\n');
}

function abBlock(r: Results): string {
  const a = r.ab.result;
  if (!a) return `${STAMP}\n\nThe last run skipped ab.`;
  return [
    STAMP,
    '',
    `- **Command:** \`${a.command}\` (${r.ab.mapping}).`,
    `- **Result:** ${count(a.complete - a.failed)} of ${count(a.complete)} succeeded (${pct(a.successRate)}), at ${perSecond(a.requestsPerSecond)} req/s; p50 ${ms(a.latencyMs.p50)}, p95 ${ms(a.latencyMs.p95)}, p99 ${ms(a.latencyMs.p99)}.`,
    `- **ab's "Length" failures** (${count(a.lengthMismatches)} here) are not real and are subtracted: the body carries the round-trip time, so its length varies, and ab counts every body whose length differs from the first as failed.`,
  ].join('\n');
}

const NOT_MEASURED = 'The results file predates this scenario: run `npm run bench:load` and `npm run gen:perf-doc`.';
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

function overheadBlock(r: Results): string {
  const o = r.overhead;
  const koa = o.koa.throughput;
  const cpu = (f: ServerFigures) => (f.cpuMicrosPerRequest === undefined ? '-' : `${f.cpuMicrosPerRequest} µs`);
  const busy = (f: ServerFigures) => (f.profile ? `${f.profile.busyMicrosPerRequest} µs` : '-');
  const row = (name: string, f: ServerFigures) => `| ${name} | ${perSecond(f.throughput)} | ${f.perRound.map(perSecond).join(', ')} | ${pct(f.throughput / o.bare.throughput)} | ${pct(f.throughput / koa)} | ${cpu(f)} | ${busy(f)} |`;
  const lines = [
    STAMP,
    '',
    `Statement latency ${o.statementLatencyMs}, ${o.connections} connections, ${o.rounds} alternating rounds${o.windowSeconds ? ` of ${o.windowSeconds} s per server` : ''} (median shown; CPU is the server process's own user + system time per response over the measured window):`,
    '',
    '| Server | Requests/s | Rounds | Of bare `node:http` | Of bare Koa | CPU per request | Profiled busy time per request |',
    '|---|---|---|---|---|---|---|',
    row('bare `node:http`, same pool round-trip', o.bare),
    row('Koa + @koa/router, one route, no middleware', o.koa),
    row('orapool (`LOG_LEVEL=warn`, judged)', o.service),
    ...(o.serviceInfo ? [row('orapool at the default `LOG_LEVEL=info` (not judged)', o.serviceInfo)] : []),
    '',
    `orapool keeps ${pct(o.serviceToKoa ?? o.service.throughput / koa)} of bare Koa's throughput in this run (median of the per-round ratios).`,
  ];
  return lines.join('\n');
}

function burstBlock(r: Results): string {
  const b = r.burst;
  if (!b) return `${STAMP}\n\n${NOT_MEASURED}`;
  const row = (name: string, backlog: number, side: BurstSide) =>
    `| ${name} | ${backlog} | ${ms(side.shedP99Ms)} | ${side.perRound.length} | ${side.perRound.map(ms).join(', ')} | ${side.clientCpuMs === undefined ? '-' : ms(side.clientCpuMs)} | ${count(side.last.byStatus['503'] ?? 0)} |`;
  const phases = b.backlogRounds === undefined
    ? `${b.rounds} alternating rounds of all four servers (median shown)`
    : `first the pair at backlog ${b.backlog} alone, ${b.rounds} alternating rounds (judged), then the pair at 511 alone, ${b.backlogRounds} rounds (medians shown)`;
  return [
    STAMP,
    '',
    `${count(b.connections)} new connections at once (statement latency ${b.statementLatencyMs ?? '-'} ms, so the admitted hold their connections through the burst), pool ${b.pool.max} + queue ${b.pool.queueMax}, ${b.warmupRounds ? `${b.warmupRounds} unmeasured warm-up bursts per server, then ` : ''}${phases}; net.core.somaxconn ${b.somaxconn ?? 'unknown'}:`,
    '',
    '| Server | Listen backlog | 503 p99 | Rounds | Per round | Client CPU per burst | 503s (last round) |',
    '|---|---|---|---|---|---|---|',
    row('orapool', b.backlog, b.service),
    row('bare `node:http` answering 503 at once', b.backlog, b.bare),
    row('orapool', 511, b.serviceAt511),
    row('bare `node:http` answering 503 at once', 511, b.bareAt511),
    '',
    `orapool's 503 p99 is ${b.ratio.toFixed(2)} x the bare server's at a backlog of ${b.backlog} (median of the per-round ratios).`,
  ].join('\n');
}

function wavesBlock(r: Results): string {
  const o = r.overload;
  const w = o.waves;
  if (!w || !o.politeExactRetryAfter || !o.bare503) return `${STAMP}\n\n${NOT_MEASURED}`;
  const row = (name: string, d: Drive, p99OverW: number | null, cv: number | null) =>
    `| ${name} | ${retryAfter(d)} | ${d.ok > 0 ? ms(d.latencyMs.ok.p99) : '-'} | ${p99OverW ?? '-'} | ${cv ?? '-'} | ${d.latencyMs.shed ? ms(d.latencyMs.shed.p99) : '-'} |`;
  return [
    STAMP,
    '',
    `${count(o.users)} users that honour Retry-After, measured for ${o.polite?.durationSeconds ?? '-'} s after a ${o.polite?.warmupSeconds ?? '-'} s warm-up; W = ${w.wMs === null ? '-' : ms(w.wMs)} for the ${o.admittedAtOnce} held at once:`,
    '',
    '| Run | Retry-After given | Admitted p99 | p99 / W | CV of 503s per second | 503 p99 (client) |',
    '|---|---|---|---|---|---|',
    row('orapool, Retry-After spread (default)', o.polite, w.admittedP99OverW, w.shedPerSecondCv),
    row('orapool, `RETRY_AFTER_JITTER=0`', o.politeExactRetryAfter, w.exactAdmittedP99OverW, w.exactShedPerSecondCv),
    row('bare `node:http` answering 503 at once', o.bare503, null, null),
    '',
    o.shedRounds && o.shedRounds.length > 1
      ? `Client-side 503 p99, orapool / bare 503 server: ${w.shedP99ToBare ?? '-'}, the median of ${o.shedRounds.length} alternating rounds (orapool / bare, ms: ${o.shedRounds.map((x) => `${x.serviceMs} / ${x.bareMs}`).join('; ')}; the first is the table's).`
      : `Client-side 503 p99, orapool / bare 503 server: ${w.shedP99ToBare ?? '-'}.`,
  ].join('\n');
}

function memoryBlock(r: Results): string {
  const m = r.memory;
  if (!m) return `${STAMP}\n\n${NOT_MEASURED}`;
  const row = (name: string, x: MemorySide) =>
    `| ${name} | ${mib(x.idle.rssBytes)} / ${mib(x.idle.heapUsedBytes)} | ${mib(x.users150.rssBytes)} / ${mib(x.users150.heapUsedBytes)} | ${mib(x.users1000.rssBytes)} / ${mib(x.users1000.heapUsedBytes)} | ${mib(x.rssGrowthBytes)} | ${x.heapAfterGcPerCycle.map(mib).join(', ')} | ${pct(x.leakGrowth)} |`;
  return [
    STAMP,
    '',
    `RSS / heap used; the load is ${m.users[0]} then ${m.users[1]} users (peak sampled), then ${m.cycles} cycles of ${m.users[1]} users for ${m.cycleSeconds} s, each followed by a forced GC:`,
    '',
    `| Server | Idle | ${m.users[0]} users | ${m.users[1]} users | RSS growth idle to ${m.users[1]} | Heap after GC per cycle | Heap growth over the cycles (from the second, when there are three or more) |`,
    '|---|---|---|---|---|---|---|',
    row('orapool', m.service),
    row('bare Koa + @koa/router, same pool', m.koa),
    '',
    `orapool's RSS growth is ${m.rssGrowthRatio} x bare Koa's.`,
    ...compositionTable(m),
  ].join('\n');
}

/** Where the RSS sits at idle and at the peak; only for results that recorded it. */
function compositionTable(m: MemoryResult): string[] {
  const sides: Array<[string, MemorySide]> = [
    ['orapool', m.service],
    ['bare Koa', m.koa],
  ];
  if (sides.some(([, x]) => x.idle.heapTotalBytes === undefined || x.users1000.heapTotalBytes === undefined)) return [];
  const cells = (p: MemoryPoint) =>
    `${mib(p.rssBytes)} | ${mib(p.heapTotalBytes ?? 0)} (${mib(p.newSpaceBytes ?? 0)} + ${mib(p.oldSpaceBytes ?? 0)}) | ${mib(p.heapUsedBytes)} | ${mib(p.externalBytes ?? 0)} | ${mib(p.rssBytes - (p.heapTotalBytes ?? 0))}`;
  return [
    '',
    `Composition at idle and at the ${m.users[1]}-user peak (the sample with the highest RSS). The heap is V8's as committed, of which new space (the young generation) and old space (what survived two scavenges, garbage included until the next full collection); outside the heap are the binary, libraries, thread stacks and native buffers:`,
    '',
    '| Server | Moment | RSS | Heap committed (new + old space) | Heap used | External | RSS outside the heap |',
    '|---|---|---|---|---|---|---|',
    ...sides.flatMap(([name, x]) => [`| ${name} | idle | ${cells(x.idle)} |`, `| ${name} | ${m.users[1]} users | ${cells(x.users1000)} |`]),
  ];
}

function targetsBlock(r: Results): string {
  return [
    STAMP,
    '',
    '| Target | Result | Detail |',
    '|---|---|---|',
    ...r.targets.map((t) => `| ${t.target} | **${t.met ? 'met' : 'not met'}** | ${t.detail.replace(/\|/g, '\\|')} |`),
  ].join('\n');
}

export function renderPerfDoc(current: string = readRepo(PERF_DOC), r: Results = results()): string {
  const blocks: [string, (r: Results) => string][] = [
    ['perf-run', runBlock],
    ['perf-scenarios', scenariosBlock],
    ['perf-derived', derivedBlock],
    ['perf-overload', overloadBlock],
    ['perf-ab', abBlock],
    ['perf-overhead', overheadBlock],
    ['perf-burst', burstBlock],
    ['perf-waves', wavesBlock],
    ['perf-memory', memoryBlock],
    ['perf-targets', targetsBlock],
  ];
  return blocks.reduce((text, [name, render]) => replaceBlock(text, name, render(r), PERF_DOC), current);
}

export const renderAll = () => new Map([[PERF_DOC, renderPerfDoc()]]);

if (import.meta.url === `file://${process.argv[1]}`) runGenerator(renderAll, 'npm run gen:perf-doc');
