// The results as a console table, a markdown document, and the JSON file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { judgeTargets, type TargetVerdict } from './targets.js';
import type { QueueingBound } from './scenarios.js';
import { shedTotal, type LoadRunResult } from './tally.js';
import type { BenchResults, OverloadResult, ScenarioResult } from './types.js';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
const orDash = (v: number | null | undefined, f: (v: number) => string) => (v === null || v === undefined ? '-' : f(v));

// Cells both tables (scenarios, overload) share, so a run reads the same in either.
/** Throughput, bound, achieved/bound, then 2xx p50 / p95 / p99. */
const throughputCells = (m: LoadRunResult, bound: QueueingBound, achievedToBound: number | null) => [
  m.throughput.toFixed(0),
  orDash(bound.expectedThroughput, (v) => v.toFixed(0)),
  orDash(achievedToBound, pct),
  ms(m.latencyMs.ok.p50),
  ms(m.latencyMs.ok.p95),
  ms(m.latencyMs.ok.p99),
];
const shedCounts = (m: LoadRunResult) => `${m.shed.OVERLOADED} / ${m.shed.POOL_QUEUE_FULL} / ${m.shed.POOL_QUEUE_TIMEOUT}`;
/** Timeouts, other non-2xx, socket errors. */
const failureCells = (m: LoadRunResult) => {
  const socket = Object.entries(m.socketErrors);
  return [String(m.timeouts), String(m.otherNon2xx), socket.length === 0 ? '0' : socket.map(([k, v]) => `${k} ${v}`).join(', ')];
};

export const tableHeader = [
  'Scenario',
  'Users',
  'Success',
  'Throughput (ok/s)',
  'Bound (req/s)',
  'Achieved/bound',
  'p50',
  'p95',
  'p99',
  "Little's W",
  '503 OVERLOADED / QUEUE_FULL / QUEUE_TIMEOUT',
  '503 p99',
  'Timeouts',
  'Other non-2xx',
  'Socket errors',
];

export function scenarioRow(s: ScenarioResult): string[] {
  const m = s.measurement;
  if (!m) return [s.config, String(s.users), `skipped: ${s.skipped ?? ''}`, ...tableHeader.slice(3).map(() => '')];
  return [
    s.config,
    String(s.users),
    pct(m.successRate),
    ...throughputCells(m, s.bound, s.achievedToBound),
    orDash(s.bound.expectedLatencyMs, ms),
    shedCounts(m),
    shedTotal(m) > 0 ? ms(m.latencyMs.shed.p99) : '-',
    ...failureCells(m),
  ];
}

export const overloadHeader = [
  'Clients',
  'Users',
  'Throughput (ok/s)',
  'Bound (req/s)',
  'Achieved/bound',
  'ok p50',
  'ok p95',
  'ok p99',
  'W of admitted',
  '503 OVERLOADED / QUEUE_FULL / QUEUE_TIMEOUT',
  '503 p50',
  '503 p99',
  '503 p50 / p99 (service histogram)',
  '503s without Retry-After',
  'Retry-After values',
  'Timeouts',
  'Other non-2xx',
  'Socket errors',
];

/** Rows for the overload scenario: Retry-After honoured, then the autocannon storm (worst case). */
export function overloadRows(o: OverloadResult): string[][] {
  // Requests held at once are pool max + queue max (or all users, if fewer); W = held / bound.
  const held = Math.min(o.users, o.admittedAtOnce);
  const w = o.bound.maxThroughput ? (held / o.bound.maxThroughput) * 1000 : null;
  const rows: string[][] = [];
  const common = (m: LoadRunResult & { achievedToBound: number | null }) => {
    const anyShed = shedTotal(m) > 0;
    return {
      head: [
        String(o.users),
        ...throughputCells(m, o.bound, m.achievedToBound),
        orDash(w, ms),
        shedCounts(m),
        anyShed ? ms(m.latencyMs.shed.p50) : '-',
        anyShed ? ms(m.latencyMs.shed.p99) : '-',
      ],
      tail: failureCells(m),
    };
  };
  if (o.polite) {
    const p = o.polite;
    const c = common(p);
    const svc = p.service503 && p.service503.count > 0 ? `${orDash(p.service503.p50Ms, ms)} / ${orDash(p.service503.p99Ms, ms)} (n=${p.service503.count})` : '-';
    const values = Object.entries(p.retryAfterValues).map(([k, v]) => `${k} s: ${v}`).join(', ') || '-';
    rows.push(['honour Retry-After', ...c.head, svc, String(p.shedWithoutRetryAfter), values, ...c.tail]);
  }
  if (o.storm) {
    const c = common(o.storm);
    rows.push(['autocannon, ignores Retry-After (worst case)', ...c.head, '-', String(o.storm.shedWithoutRetryAfter), '-', ...c.tail]);
  }
  return rows;
}

function textTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n');
}

function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  return [`| ${head!.join(' | ')} |`, `|${head!.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const verdictText = (v: TargetVerdict) => (v.met === null ? 'not measured' : v.met ? 'MET' : 'NOT MET');

export function consoleReport(results: BenchResults): string {
  const rows = [tableHeader, ...results.scenarios.map(scenarioRow)];
  const out = [
    '',
    `orapool load benchmark (${results.mode}): GET /api/health, statement latency ${results.settings.statementLatencyMs} ms, ` +
      `${results.settings.warmupSeconds} s warm-up + ${results.settings.durationSeconds} s per scenario`,
    `machine: ${results.machine.cpuModel}, ${results.machine.cores} cores, Node ${results.machine.node}, 1-minute load average ${results.machine.loadAverageAtStart} at start, ${results.machine.loadAverageAtEnd ?? '?'} at end`,
    `  ${results.machine.note}`,
    `before: ${results.settings.configs.before}`,
    `after:  ${results.settings.configs.after}`,
    '',
    textTable(rows),
    '',
  ];
  if (results.overload) {
    const o = results.overload;
    if (o.skipped) out.push(`overload ${o.config}@${o.users}: skipped: ${o.skipped}`, '');
    else out.push(`overload ${o.config}@${o.users} (${o.admittedAtOnce} held at once, the rest get 503):`, textTable([overloadHeader, ...overloadRows(o)]), '');
  }
  if (results.overhead) out.push(`overhead (statement latency 0, ${results.overhead.connections} connections, median of ${results.overhead.rounds} alternating round(s)):`, textTable(overheadRows(results)), '');
  out.push(...extraLines(results));
  if (results.ab) out.push(abLine(results));
  out.push('', 'targets:');
  for (const v of judgeTargets(results)) out.push(`  [${verdictText(v)}] ${v.target}\n      ${v.detail}`);
  out.push('', 'notes:', ...results.notes.map((n) => `  - ${n}`), '');
  return out.join('\n');
}

function abLine(results: BenchResults): string {
  const ab = results.ab!;
  if (!ab.result) return `ab: skipped: ${ab.skipped ?? 'unknown reason'}`;
  const r = ab.result;
  return (
    `ab (${r.command}, pool "${ab.config}"; ${ab.mapping}): ${r.complete} complete, success ${pct(r.successRate)}, ` +
    `${r.requestsPerSecond} req/s, p50 ${ms(r.latencyMs.p50)}, p95 ${ms(r.latencyMs.p95)}, p99 ${ms(r.latencyMs.p99)}, ` +
    `non-2xx ${r.non2xx}, failed ${r.failed} (plus ${r.lengthMismatches} "Length" mismatches ab reports because the body carries the round-trip time)`
  );
}

function overloadMarkdown(results: BenchResults): string[] {
  const o = results.overload;
  if (!o) return [];
  if (o.skipped) return [`Overload ${o.config}@${o.users}: skipped: ${o.skipped}.`, ''];
  return [
    `**Overload** (${o.config}@${o.users}: pool max + queue max = ${o.admittedAtOnce} requests are held at once; every other request gets a deliberate 503). ` +
      'First with users that honour Retry-After (a keep-alive request loop; after a 503 the user sleeps Retry-After seconds, otherwise no think time), ' +
      'then, as the worst case, with autocannon users that ignore it. 503 latencies are client-side; the service histogram column is ' +
      '`orapool_http_request_duration_seconds{route="/api/health",status="503"}` over the measured window, interpolated inside its buckets.',
    '',
    markdownTable([overloadHeader, ...overloadRows(o)]),
    '',
  ];
}

export function markdownReport(results: BenchResults, charts: string[]): string {
  const rows = [tableHeader, ...results.scenarios.map(scenarioRow)];
  const lines = [
    `# orapool load benchmark results`,
    '',
    `Mode **${results.mode}**, ${results.startedAt} to ${results.finishedAt}. GET /api/health (borrow a pooled connection, SELECT 1 FROM DUAL, release) ` +
      `against the Oracle wire-protocol simulator with a statement latency of ${results.settings.statementLatencyMs} ms; ` +
      `${results.settings.warmupSeconds} s warm-up + ${results.settings.durationSeconds} s measured per scenario; clients give up after ${results.settings.clientTimeoutSeconds} s.`,
    '',
    `Machine: ${results.machine.cpuModel}, ${results.machine.cores} cores, ${results.machine.memoryGiB} GiB, Node ${results.machine.node}, ${results.machine.platform}, ` +
      `1-minute load average ${results.machine.loadAverageAtStart} at start and ${results.machine.loadAverageAtEnd ?? '?'} at end (other work on the machine skews results). ${results.machine.note}`,
    '',
    `- **before**: ${results.settings.configs.before}`,
    `- **after**: ${results.settings.configs.after}`,
    '',
    markdownTable(rows),
    '',
    ...overloadMarkdown(results),
    'Success = 2xx / (responses + timeouts + socket errors). Throughput = 2xx per second. Bound = λ = min(pool max / statement latency, users / statement latency); ' +
      "Little's W = users / λ (the mean latency of a perfect service). Latency percentiles are over 2xx responses; 503 p99 is over the deliberate 503s.",
    '',
  ];
  if (results.overhead) {
    const o = results.overhead;
    lines.push(
      `**Service overhead** (statement latency 0, ${o.connections} connections, median of ${o.rounds} alternating round(s); each server does the same oracledb pool of 40 and SELECT 1 FROM DUAL; ` +
        'CPU is the server process\'s own user + system time over the measured window, per response):',
      '',
      markdownTable(overheadRows(results)),
      '',
    );
  }
  lines.push(...extraLines(results).map((l) => `- ${l}`), '');
  if (results.ab) lines.push(`**The team's command**: ${abLine(results)}.`, '');
  lines.push('## Targets', '', '| Target | Result | Detail |', '|---|---|---|');
  for (const v of judgeTargets(results)) lines.push(`| ${v.target} | ${verdictText(v)} | ${v.detail} |`);
  lines.push('', '## Notes', '', ...results.notes.map((n) => `- ${n}`), '');
  if (charts.length > 0) lines.push('## Charts', '', ...charts.map((c) => `![${c}](${c})`), '');
  return lines.join('\n');
}

/** The overhead table: one row per server, throughput and CPU per request, ratios to bare Koa. */
function overheadRows(results: BenchResults): string[][] {
  const o = results.overhead!;
  const koa = o.koa.throughput;
  const row = (name: string, f: typeof o.bare, toKoa: string) => [name, f.throughput.toFixed(0), f.perRound.join(', '), ms(f.p95Ms), String(f.cpuMicrosPerRequest), toKoa, f.profile ? String(f.profile.busyMicrosPerRequest) : '-'];
  return [
    ['Server', 'req/s (median)', 'Rounds', 'p95', 'CPU µs/request', 'vs bare Koa', 'Profiled busy µs/request'],
    row('bare node:http + oracledb', o.bare, koa > 0 ? pct(o.bare.throughput / koa) : '-'),
    row('bare Koa + @koa/router + oracledb', o.koa, '100%'),
    row('orapool (LOG_LEVEL=warn): judged', o.service, pct(o.serviceToKoa)),
    row('orapool (LOG_LEVEL=info): not judged', o.serviceInfo, pct(o.serviceInfoToKoa)),
  ];
}

/** Burst, retry waves and memory, one line each. */
function extraLines(results: BenchResults): string[] {
  const lines: string[] = [];
  const b = results.burst;
  if (b) {
    lines.push(
      `burst (${b.connections} new connections at once, pool ${b.pool.max} + queue ${b.pool.queueMax}, median of ${b.rounds}): 503 p99 at backlog ${b.backlog} ` +
        `service ${ms(b.service.shedP99Ms)} vs bare node:http 503 server ${ms(b.bare.shedP99Ms)} (${b.ratio.toFixed(2)} x); at Node's default backlog 511: ` +
        `${ms(b.serviceAt511.shedP99Ms)} vs ${ms(b.bareAt511.shedP99Ms)} (net.core.somaxconn ${b.somaxconn ?? 'unknown'})`,
    );
  }
  const w = results.overload?.waves;
  if (w) {
    lines.push(
      `retry waves (polite clients): admitted p99 ${w.admittedP99OverW} x W with Retry-After spread, ${w.exactAdmittedP99OverW} x W exact; ` +
        `CV of 503s per second ${w.shedPerSecondCv} spread vs ${w.exactShedPerSecondCv} exact; client 503 p99 / bare 503 server's ${w.shedP99ToBare}` +
        (results.overload?.shedRounds && results.overload.shedRounds.length > 1 ? ` (median of ${results.overload.shedRounds.length} alternating rounds)` : ''),
    );
  }
  const m = results.memory;
  if (m) {
    const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
    const side = (name: string, x: typeof m.service) =>
      `${name} RSS ${mib(x.idle.rssBytes)} idle, ${mib(x.users150.rssBytes)} at ${m.users[0]}, ${mib(x.users1000.rssBytes)} at ${m.users[1]} (heap ${mib(x.idle.heapUsedBytes)}, ${mib(x.users150.heapUsedBytes)}, ${mib(x.users1000.heapUsedBytes)}` +
      (x.users1000.heapTotalBytes !== undefined ? ` used; committed at ${m.users[1]}: ${mib(x.users1000.heapTotalBytes)}, old space ${mib(x.users1000.oldSpaceBytes ?? 0)}` : '') +
      `); heap after GC per cycle ${x.heapAfterGcPerCycle.map(mib).join(', ')}`;
    lines.push(`memory: ${side('orapool', m.service)}; ${side('bare Koa', m.koa)}; RSS growth ratio ${m.rssGrowthRatio}`);
  }
  return lines;
}

/** Write load-results.json and load-results.md into outDir; returns the paths. */
export function writeReport(results: BenchResults, outDir: string, charts: string[]): string[] {
  mkdirSync(outDir, { recursive: true });
  const json = join(outDir, 'load-results.json');
  const md = join(outDir, 'load-results.md');
  writeFileSync(json, `${JSON.stringify({ ...results, targets: judgeTargets(results) }, null, 2)}\n`);
  writeFileSync(md, markdownReport(results, charts));
  return [json, md];
}
