/**
 * Generates every figure of docs/fleet.md from the committed fleet benchmark
 * results (bench/results/fleet-results.json, written by npm run bench:fleet),
 * so the page cannot quote a number the last run did not measure.
 *
 *   npm run gen:fleet-doc            rewrite after a new benchmark run
 *   npm run gen:fleet-doc -- --check exit 1 on drift (test/docs/figures.test.ts)
 *
 * Blocks: fleet-run, fleet-phases, fleet-details, fleet-targets.
 */
import type { FleetResults, PhaseResult } from '../bench/fleet/types.js';
import { cell, readRepo, replaceBlock, runGenerator, stamp } from './doc-blocks.js';
import { ms, pct } from './gen-perf-doc.js';

export const FLEET_DOC = 'docs/fleet.md';
export const FLEET_RESULTS_FILE = 'bench/results/fleet-results.json';

export const fleetResults = (): FleetResults => JSON.parse(readRepo(FLEET_RESULTS_FILE)) as FleetResults;

const STAMP = stamp('scripts/gen-fleet-doc.ts', FLEET_RESULTS_FILE, 'npm run gen:fleet-doc');
const seconds = (v: number) => `${v} s`;

function runBlock(r: FleetResults): string {
  const p = r.plan;
  const m = r.machine;
  const c = p.chart;
  return [
    STAMP,
    '',
    `- **Run:** ${r.mode} mode, started ${r.startedAt}; ${r.settings.users} closed-loop users through the balancer; statement latency ${ms(r.settings.statementLatencyMs)}; endpoint removal ${ms(r.settings.endpointLagMs)} after a pod's deletion.`,
    `- **Chart (${p.environment}):** ${c.replicas} replicas, scale-out to ${c.maxReplicas} (${p.maxReplicasSource}), maxSurge ${p.maxSurge}, maxUnavailable ${p.maxUnavailable}, PDB maxUnavailable ${p.pdbMaxUnavailable ?? 'none'}, DB_POOL_MAX ${c.poolMax}, budget ${c.budget ?? 'none'} sessions, shutdown delay ${seconds(c.shutdownDelaySeconds)} and drain ${seconds(c.shutdownDrainSeconds)}, minReadySeconds ${seconds(c.minReadySeconds)}.`,
    `- **On one machine:** sessions divided by ${p.sessionDivisor} (DB_POOL_MAX ${p.poolMax}, DB_POOL_MIN ${p.poolMin}, budget ${p.budget} = the simulator's session limit), timings multiplied by ${p.timeFactor} (delay ${seconds(p.shutdownDelaySeconds)}, drain ${seconds(p.shutdownDrainSeconds)}, minReadySeconds ${seconds(p.minReadySeconds)}, readiness period ${seconds(p.readinessPeriodSeconds)}).`,
    `- **Machine:** ${m.cpuModel}, ${m.cores} cores shared by the pods, the simulator, the balancer and the load; Node ${m.node}; 1-minute load average ${m.loadAverageAtStart} at the start, ${m.loadAverageAtEnd ?? '-'} at the end.`,
  ].join('\n');
}

function phasesBlock(r: FleetResults): string {
  const row = (x: PhaseResult) => {
    const shed = Object.values(x.load.shed).reduce((a, b) => a + b, 0);
    return `| ${x.title} | ${seconds(x.seconds)} | ${x.podsAtStart} → ${x.podsAtEnd} (peak ${x.peakPods}) | **${x.sessions.peak}** / ${x.budget} | ${x.load.requests} | ${x.load.ok} | ${shed} | **${x.load.lost}** | ${ms(x.load.latencyMs.p50)} | ${ms(x.load.latencyMs.p95)} | ${ms(x.load.latencyMs.p99)} | ${x.load.throughput} | ${x.bound.expectedThroughput ?? '-'} | ${x.achievedToBound === null ? '-' : pct(x.achievedToBound)} |`;
  };
  return [
    STAMP,
    '',
    '| Phase | Length | Pods | Peak sessions / budget | Requests | 2xx | Clean 503 | Lost | p50 | p95 | p99 | 2xx/s | Bound | Of bound |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.phases.map(row),
    '',
    ...r.phases.flatMap((x) => x.notes.map((n) => `- ${x.title}: ${cell(n)}.`)),
  ].join('\n');
}

function detailsBlock(r: FleetResults): string {
  const lines = [STAMP, ''];
  const resize = r.phases.find((p) => p.name === 'live-resize')?.resize;
  if (resize) {
    lines.push(
      resize.available
        ? `- **Live resize:** DB_POOL_MAX ${resize.fromMax} → ${resize.toMax}; every pod showed it ${resize.timeToEffectMs === null ? 'not within the wait' : ms(resize.timeToEffectMs)} after the ConfigMap swap (per pod: ${resize.perPodMs.map(ms).join(', ')}); debounce ${ms(resize.debounceMs)} (${resize.debounceSource}); ${resize.sessionsAfter} sessions open at the end.`
        : `- **Live resize:** not available in the build that ran (no live reload): the ConfigMap volume changed DB_POOL_MAX ${resize.fromMax} → ${resize.toMax} and the pools kept their size.`,
    );
  }
  const freeze = r.phases.find((p) => p.name === 'database-freeze')?.freeze;
  if (freeze) {
    lines.push(
      `- **Database freeze:** frozen ${seconds(freeze.frozenSeconds)}; breaker ${freeze.breaker ? 'present' : 'not in the build that ran'}; first clean 503 DATABASE_UNAVAILABLE ${freeze.firstUnavailableMs === null ? 'none while frozen' : `${ms(freeze.firstUnavailableMs)} after the freeze`}; p99 after it ${freeze.p99AfterUnavailableMs === null ? '-' : ms(freeze.p99AfterUnavailableMs)}; 2xx throughput back to 90% of steady ${freeze.recoveryMs === null ? 'not within the phase' : `${ms(freeze.recoveryMs)} after the unfreeze`}.`,
    );
  }
  for (const x of r.phases.filter((p) => Object.keys(p.load.shed).length > 0)) {
    lines.push(`- **Clean 503s in ${x.title.toLowerCase()}:** ${Object.entries(x.load.shed).map(([code, n]) => `${n} × \`${code}\``).join(', ')}.`);
  }
  for (const x of r.phases.filter((p) => p.load.lost > 0)) {
    lines.push(`- **Lost in ${x.title.toLowerCase()}, by cause:** ${Object.entries(x.load.lostBy).map(([cause, n]) => `${n} × \`${cause}\``).join(', ')}.`);
  }
  const drcp = r.phases.find((p) => p.name === 'drcp')?.drcp;
  if (drcp) {
    lines.push(
      drcp.available
        ? `- **DRCP:** ${drcp.pooledServers} pooled servers; the peak is the broker's busy servers.`
        : `- **DRCP:** not available in the build that ran (\`/api/health\` reported no pooled server type): the pods ran dedicated sessions against a simulator with ${drcp.pooledServers} pooled servers.`,
    );
  }
  return lines.join('\n');
}

function targetsBlock(r: FleetResults): string {
  const verdict = (met: boolean | null) => (met === null ? 'not measured' : met ? '**met**' : '**not met**');
  return [STAMP, '', '| Target | Result | Detail |', '|---|---|---|', ...r.targets.map((t) => `| ${cell(t.target)} | ${verdict(t.met)} | ${cell(t.detail)} |`)].join('\n');
}

export function renderFleetDoc(current: string = readRepo(FLEET_DOC), r: FleetResults = fleetResults()): string {
  const blocks: [string, (r: FleetResults) => string][] = [
    ['fleet-run', runBlock],
    ['fleet-phases', phasesBlock],
    ['fleet-details', detailsBlock],
    ['fleet-targets', targetsBlock],
  ];
  return blocks.reduce((text, [name, render]) => replaceBlock(text, name, render(r), FLEET_DOC), current);
}

export const renderAll = () => new Map([[FLEET_DOC, renderFleetDoc()]]);

if (import.meta.url === `file://${process.argv[1]}`) runGenerator(renderAll, 'npm run gen:fleet-doc');
