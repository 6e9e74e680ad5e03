// The targets, judged (printed as met / not met, never asserted).
import type { BenchResults, ScenarioResult } from './types.js';

export interface TargetVerdict {
  id: string;
  target: string;
  /** null: not measured in this run (scenario skipped or not selected). */
  met: boolean | null;
  detail: string;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

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

  const big = results.scenarios.filter((s) => s.config === 'after' && s.measurement).sort((a, b) => b.users - a.users)[0];
  if (!big || big.users < 1000 || !big.measurement) {
    verdicts.push({ id: 'after-1000', target: 'pool 40 at 1000 users', met: null, detail: 'not measured in this run' });
  } else {
    const m = big.measurement;
    const otherFivexx = Object.entries(m.otherCodes)
      .filter(([key]) => key.startsWith('5'))
      .reduce((sum, [, n]) => sum + n, 0);
    const shedTotal = Object.values(m.shed).reduce((a, b) => a + b, 0);
    const checks: Array<[boolean, string]> = [
      [m.timeouts === 0, `${m.timeouts} timeouts`],
      [otherFivexx === 0, `${otherFivexx} 5xx other than deliberate 503s`],
      [m.shedWithoutRetryAfter === 0, `${m.shedWithoutRetryAfter} of ${shedTotal} 503s without Retry-After`],
      [shedTotal === 0 || m.latencyMs.shed.p99 < 50, `503 p99 ${m.latencyMs.shed.p99} ms (target < 50 ms)`],
    ];
    verdicts.push({
      id: 'after-1000',
      target: 'pool 40 at 1000 users: no timeouts, no 5xx but deliberate 503s, which carry Retry-After and answer in < 50 ms at p99',
      met: checks.every(([ok]) => ok),
      detail: checks.map(([ok, text]) => `${ok ? 'ok' : 'MISSED'}: ${text}`).join('; '),
    });
  }

  const o = results.overhead;
  if (!o) {
    verdicts.push({ id: 'overhead', target: 'service >= 85% of a bare node:http server', met: null, detail: 'not measured in this run' });
  } else {
    verdicts.push({
      id: 'overhead',
      target: 'service throughput >= 85% of a bare node:http server doing the same pool round-trip (statement latency 0)',
      met: o.ratio >= 0.85,
      detail: `service ${o.service.throughput}/s vs bare ${o.bare.throughput}/s = ${pct(o.ratio)} (target >= 85%)`,
    });
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
