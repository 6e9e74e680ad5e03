// The issue's targets, judged (printed as met / not met, never asserted).
import { shedTotal } from './tally.js';
import type { BenchResults, OverloadResult, ScenarioResult } from './types.js';

export interface TargetVerdict {
  id: string;
  target: string;
  /** null: not measured in this run (scenario skipped or not selected). */
  met: boolean | null;
  detail: string;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

const otherFivexx = (codes: Record<string, number>) =>
  Object.entries(codes)
    .filter(([key]) => key.startsWith('5'))
    .reduce((sum, [, n]) => sum + n, 0);

function find(results: BenchResults, config: 'before' | 'after', users: number): ScenarioResult | undefined {
  return results.scenarios.find((s) => s.config === config && s.users === users && s.measurement);
}

export function judgeTargets(results: BenchResults): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  for (const users of [100, 150]) {
    const s = find(results, 'after', users);
    const m = s?.measurement;
    if (!s || !m) {
      verdicts.push({ id: `after-${users}`, target: `pool 40 at ${users} users`, met: null, detail: 'not measured in this run' });
      continue;
    }
    const checks: Array<[boolean, string]> = [[m.successRate === 1, `success ${pct(m.successRate)} (target 100%)`]];
    if (s.bound.expectedThroughput !== null && s.bound.expectedLatencyMs !== null) {
      const ratio = m.throughput / s.bound.expectedThroughput;
      checks.push([ratio >= 0.9, `throughput ${m.throughput}/s = ${pct(ratio)} of bound ${s.bound.expectedThroughput}/s (target >= 90%)`]);
      const limit = 1.25 * s.bound.expectedLatencyMs;
      checks.push([m.latencyMs.ok.p95 <= limit, `p95 ${m.latencyMs.ok.p95} ms vs 1.25 x W = ${limit.toFixed(1)} ms`]);
    }
    verdicts.push({
      id: `after-${users}`,
      target: `pool 40 at ${users} users: 100% success, throughput >= 90% of bound, p95 <= 1.25 x Little's-law W`,
      met: checks.every(([ok]) => ok),
      detail: checks.map(([ok, text]) => `${ok ? 'ok' : 'MISSED'}: ${text}`).join('; '),
    });
  }

  const big = find(results, 'after', 1000);
  if (!big?.measurement) {
    verdicts.push({ id: 'after-1000', target: 'pool 40 at 1000 users', met: null, detail: 'not measured in this run' });
  } else {
    const m = big.measurement;
    const shed = shedTotal(m);
    const checks: Array<[boolean, string]> = [
      [m.timeouts === 0, `${m.timeouts} timeouts`],
      [otherFivexx(m.otherCodes) === 0, `${otherFivexx(m.otherCodes)} 5xx other than deliberate 503s`],
    ];
    if (shed === 0) {
      // Nothing to judge about 503s here: say so rather than pass vacuously.
      checks.push([m.successRate === 1, m.successRate === 1 ? 'no 503s were needed: all 1000 users were queued and served' : `no 503s, but success ${pct(m.successRate)}`]);
    } else {
      checks.push(
        [m.shedWithoutRetryAfter === 0, `${m.shedWithoutRetryAfter} of ${shed} 503s without Retry-After`],
        [m.latencyMs.shed.p99 < 50, `503 p99 ${m.latencyMs.shed.p99} ms (target < 50 ms)`],
      );
    }
    verdicts.push({
      id: 'after-1000',
      target: 'pool 40 at 1000 users: no timeouts, no 5xx but deliberate 503s, which carry Retry-After and answer in < 50 ms at p99',
      met: checks.every(([ok]) => ok),
      detail: checks.map(([ok, text]) => `${ok ? 'ok' : 'MISSED'}: ${text}`).join('; '),
    });
  }

  const ov = results.overload;
  const p = ov?.polite;
  const overloadTarget = `deliberate 503s carry Retry-After and answer within 1.5 x a bare 503 server's p99 (overload: ${ov?.config ?? 'after'}@${ov?.users ?? '?'}, clients honour Retry-After)`;
  if (!ov || !p) {
    verdicts.push({ id: 'overload-503', target: overloadTarget, met: null, detail: ov?.skipped ? `skipped: ${ov.skipped}` : 'not measured in this run' });
  } else {
    const shed = shedTotal(p);
    if (shed === 0) {
      verdicts.push({ id: 'overload-503', target: overloadTarget, met: null, detail: 'not exercised: no 503s in the overload scenario' });
    } else {
      const checks: Array<[boolean, string]> = [
        [p.shedWithoutRetryAfter === 0, `${p.shedWithoutRetryAfter} of ${shed} 503s without Retry-After`],
        // Against the bare 503 server driven by the same clients, the median of alternating rounds (absolute figures on shared cores swing 100-fold).
        typeof ov.waves?.shedP99ToBare === 'number'
          ? [
              ov.waves.shedP99ToBare <= 1.5,
              `503 p99 client-side = ${ov.waves.shedP99ToBare} x a bare node:http 503 server's (median of ${shedRoundsText(ov)}; target <= 1.5 x; service histogram p99 ~${p.service503?.p99Ms ?? '?'} ms)`,
            ]
          : [p.latencyMs.shed.p99 < 50, `503 p99 ${p.latencyMs.shed.p99} ms client-side (target < 50 ms; service histogram p99 ~${p.service503?.p99Ms ?? '?'} ms)`],
        [p.timeouts === 0, `${p.timeouts} timeouts`],
        [otherFivexx(p.otherCodes) === 0, `${otherFivexx(p.otherCodes)} 5xx other than deliberate 503s`],
      ];
      const info = p.achievedToBound !== null ? `; for reference: 2xx ${p.throughput}/s = ${pct(p.achievedToBound)} of the bound` : '';
      verdicts.push({
        id: 'overload-503',
        target: overloadTarget,
        met: checks.every(([ok]) => ok),
        detail: checks.map(([ok, text]) => `${ok ? 'ok' : 'MISSED'}: ${text}`).join('; ') + info,
      });
    }
  }

  const o = results.overhead;
  const overheadTarget = 'throughput at statement latency 0: orapool >= 0.90 x bare Koa + @koa/router doing the same round-trip (median of alternating rounds)';
  if (!o) {
    verdicts.push({ id: 'overhead', target: overheadTarget, met: null, detail: 'not measured in this run' });
  } else {
    verdicts.push({
      id: 'overhead',
      target: overheadTarget,
      met: o.serviceToKoa >= 0.9,
      detail:
        `orapool ${o.service.throughput}/s, bare Koa ${o.koa.throughput}/s, bare node:http ${o.bare.throughput}/s (medians of ${o.rounds}): ` +
        `orapool / Koa = ${pct(o.serviceToKoa)} (target >= 90%), orapool / node:http = ${pct(o.ratio)}, Koa / node:http = ${pct(o.koaRatio)}; ` +
        `CPU per request: node:http ${o.bare.cpuMicrosPerRequest} µs, Koa ${o.koa.cpuMicrosPerRequest} µs, orapool ${o.service.cpuMicrosPerRequest} µs; ` +
        `not judged: at LOG_LEVEL=info ${o.serviceInfo.throughput}/s = ${pct(o.serviceInfoToKoa)} of Koa, ${o.serviceInfo.cpuMicrosPerRequest} µs per request`,
    });
  }

  const b = results.burst;
  const burstTarget = 'a burst of new connections against pool 10 + queue 50: 503 p99 <= 1.25 x a bare node:http server answering 503 at once (same backlog)';
  if (!b) {
    verdicts.push({ id: 'burst', target: burstTarget, met: null, detail: 'not measured in this run' });
  } else {
    verdicts.push({
      id: 'burst',
      target: burstTarget,
      met: b.ratio <= 1.25,
      detail:
        `${b.connections} connections, backlog ${b.backlog}: 503 p99 ${b.service.shedP99Ms} ms vs bare ${b.bare.shedP99Ms} ms = ${b.ratio.toFixed(2)} x (target <= 1.25, median of ${b.rounds}); ` +
        `at Node's default backlog 511: ${b.serviceAt511.shedP99Ms} ms vs ${b.bareAt511.shedP99Ms} ms` +
          (b.backlogRounds !== undefined ? ` (that pair measured alone afterwards, median of ${b.backlogRounds})` : ''),
    });
  }

  const w = results.overload?.waves;
  const wavesTarget = 'retry waves (polite clients): admitted p99 <= 1.5 x W, and the CV of 503s per second at most half of the exact-Retry-After run';
  if (!w || w.admittedP99OverW === null || w.shedPerSecondCv === null || w.exactShedPerSecondCv === null) {
    verdicts.push({ id: 'retry-waves', target: wavesTarget, met: null, detail: 'not measured in this run' });
  } else {
    const checks: Array<[boolean, string]> = [
      [w.admittedP99OverW <= 1.5, `admitted p99 = ${w.admittedP99OverW} x W (W = ${w.wMs} ms; exact Retry-After: ${w.exactAdmittedP99OverW} x)`],
      [w.shedPerSecondCv <= 0.5 * w.exactShedPerSecondCv, `CV of 503s per second ${w.shedPerSecondCv} vs ${w.exactShedPerSecondCv} exact (target <= half)`],
    ];
    verdicts.push({
      id: 'retry-waves',
      target: wavesTarget,
      met: checks.every(([ok]) => ok),
      detail: checks.map(([ok, text]) => `${ok ? 'ok' : 'MISSED'}: ${text}`).join('; ') + (w.shedP99ToBare !== null ? `; 503 p99 / bare 503 server's = ${w.shedP99ToBare}` : ''),
    });
  }

  const mem = results.memory;
  const memoryTarget = 'memory: orapool RSS growth idle -> 1000 users <= 1.3 x bare Koa with the same pool; heap after forced GC does not grow over the load cycles (<= 5% from the second cycle, after the first warmed up, to the last)';
  if (!mem) {
    verdicts.push({ id: 'memory', target: memoryTarget, met: null, detail: 'not measured in this run' });
  } else {
    const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
    const checks: Array<[boolean, string]> = [
      [mem.rssGrowthRatio <= 1.3, `RSS growth ${mib(mem.service.rssGrowthBytes)} vs Koa ${mib(mem.koa.rssGrowthBytes)} = ${mem.rssGrowthRatio} x (target <= 1.3)`],
      [mem.service.leakGrowth <= 0.05, `heap after GC over ${mem.cycles} cycles: ${mem.service.heapAfterGcPerCycle.map(mib).join(', ')} (${pct(mem.service.leakGrowth)}; Koa ${pct(mem.koa.leakGrowth)})`],
    ];
    const old = (x: typeof mem.service) => x.users1000.oldSpaceBytes;
    const where = old(mem.service) !== undefined && old(mem.koa) !== undefined ? `; V8 old space at the peak ${mib(old(mem.service)!)} vs Koa ${mib(old(mem.koa)!)}` : '';
    verdicts.push({ id: 'memory', target: memoryTarget, met: checks.every(([ok]) => ok), detail: checks.map(([ok, text]) => `${ok ? 'ok' : 'MISSED'}: ${text}`).join('; ') + where });
  }

  const after100 = find(results, 'after', 100)?.measurement;
  verdicts.push({
    id: 'team-plan',
    target: "the team's plan for pool 40 at 100 users: >= 90% success, p95 5-7 s",
    met: after100 ? after100.successRate >= 0.9 && after100.latencyMs.ok.p95 <= 5000 : null,
    detail: after100 ? `success ${pct(after100.successRate)}, p95 ${after100.latencyMs.ok.p95} ms` : 'not measured in this run',
  });
  return verdicts;
}

/** The rounds behind the 503 latency ratio: "service/bare ms" each (older results have one round, polite and bare503). */
function shedRoundsText(ov: OverloadResult): string {
  const rounds = ov.shedRounds ?? (ov.polite && ov.bare503 ? [{ serviceMs: ov.polite.latencyMs.shed.p99, bareMs: ov.bare503.latencyMs.shed.p99 }] : []);
  return `${rounds.length} round${rounds.length === 1 ? '' : 's'}: ${rounds.map((r) => `${r.serviceMs} / ${r.bareMs} ms`).join(', ')}`;
}
