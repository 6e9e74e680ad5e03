// npm run bench:fleet [-- --quick] [--values values-prod.yaml[,more.yaml]] [--session-divisor 4]
//   [--time-factor 0.2] [--users 16] [--latency-ms 50] [--steady 4] [--freeze S (default 2 x DB_CALL_TIMEOUT)]
//   [--endpoint-lag-ms 1000] [--reload-debounce-ms 500] [--phases steady,...] [--out DIR]
//
// A fleet of real `node dist/main.js` pods against one simulator whose session
// limit is the chart's budget, behind a readiness-aware round-robin balancer,
// through a rolling update, a scale-out, a node drain, a live DB_POOL_MAX
// change, a database freeze and DRCP. Run `npm run build` first. Writes
// bench/results/fleet-results.json and fleet-sessions.svg; then run
// `npm run gen:fleet-doc`.
import { join } from 'node:path';
import { projectRoot } from '../../test/support/processes.js';
import { serviceIsBuilt } from '../load/run.js';
import { writeFleetChart } from './charts.js';
import { fleetConsoleReport, writeFleetResults } from './report.js';
import { runFleetBenchmark, type FleetBenchOptions } from './run.js';
import { PHASES, type PhaseName } from './types.js';

const usage = 'usage: npm run bench:fleet -- [--quick] [--values values-prod.yaml] [--session-divisor N] [--time-factor F] [--users N] [--latency-ms N] [--steady S] [--freeze S] [--endpoint-lag-ms N] [--reload-debounce-ms N] [--phases a,b] [--out DIR]';

function parseArgs(argv: string[]): { options: FleetBenchOptions; outDir: string } {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) throw new Error(`unknown argument "${argv[i]}"`);
    flags.set(m[1]!, m[2] ?? (m[1] === 'quick' ? 'true' : (argv[++i] ?? '')));
  }
  const quick = flags.has('quick');
  const number = (name: string, fallback: number) => {
    const value = Number(flags.get(name) ?? fallback);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number >= 0`);
    return value;
  };
  const phases = (flags.get('phases') ?? PHASES.join(',')).split(',') as PhaseName[];
  for (const p of phases) if (!PHASES.includes(p)) throw new Error(`--phases takes ${PHASES.join(', ')} (got "${p}")`);
  const timeFactor = number('time-factor', quick ? 0.1 : 0.2);
  const options: FleetBenchOptions = {
    mode: quick ? 'quick' : 'full',
    valuesFiles: (flags.get('values') ?? 'values-prod.yaml').split(','),
    sessionDivisor: number('session-divisor', 4),
    timeFactor,
    users: number('users', 16),
    statementLatencyMs: number('latency-ms', 50),
    steadySeconds: number('steady', quick ? 1.5 : 4),
    freezeSeconds: flags.has('freeze') ? number('freeze', 0) : null,
    endpointLagMs: number('endpoint-lag-ms', 1000 * timeFactor),
    reloadDebounceMs: number('reload-debounce-ms', 500),
    clientTimeoutMs: 30_000,
    phases,
    log: (line) => process.stderr.write(`[fleet] ${line}\n`),
  };
  return { options, outDir: flags.get('out') ?? join(projectRoot, 'bench/results', quick ? 'quick' : '') };
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench:fleet: ${(error as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  if (!serviceIsBuilt()) {
    process.stderr.write('bench:fleet: dist/main.js is missing; run `npm run build` first.\n');
    process.exit(2);
  }
  const results = await runFleetBenchmark(parsed.options);
  const file = writeFleetResults(results, parsed.outDir);
  const chart = await writeFleetChart(results, parsed.outDir);
  process.stdout.write(fleetConsoleReport(results));
  process.stdout.write(`\nwrote ${file}, ${join(parsed.outDir, chart)}\n`);
}

await main();
