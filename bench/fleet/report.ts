// The fleet bench's console table and its JSON file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FleetResults } from './types.js';

export const FLEET_RESULTS = 'fleet-results.json';

export function writeFleetResults(r: FleetResults, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, FLEET_RESULTS);
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
  return file;
}

const verdict = (met: boolean | null) => (met === null ? 'not measured' : met ? 'MET' : 'NOT MET');

export function fleetConsoleReport(r: FleetResults): string {
  const p = r.plan;
  const lines = [
    `fleet: ${p.environment}, ${p.replicas} pods (scale-out to ${p.maxReplicas}), DB_POOL_MAX ${p.poolMax}, budget ${p.budget} sessions ` +
      `(chart figures / ${p.sessionDivisor}, timings x ${p.timeFactor}), ${r.settings.users} users, statement latency ${r.settings.statementLatencyMs} ms`,
    '',
    'phase                                  secs  pods  peak/budget  requests   2xx   503  lost   p50    p95    p99  2xx/s  of bound',
  ];
  for (const x of r.phases) {
    const shed = Object.values(x.load.shed).reduce((a, b) => a + b, 0);
    lines.push(
      [
        x.title.padEnd(37),
        x.seconds.toFixed(1).padStart(6),
        `${x.podsAtStart}->${x.podsAtEnd}`.padStart(5),
        `${x.sessions.peak}/${x.budget}`.padStart(12),
        String(x.load.requests).padStart(9),
        String(x.load.ok).padStart(5),
        String(shed).padStart(5),
        String(x.load.lost).padStart(5),
        x.load.latencyMs.p50.toFixed(0).padStart(5),
        x.load.latencyMs.p95.toFixed(0).padStart(6),
        x.load.latencyMs.p99.toFixed(0).padStart(6),
        x.load.throughput.toFixed(0).padStart(6),
        (x.achievedToBound === null ? '-' : `${(x.achievedToBound * 100).toFixed(0)}%`).padStart(9),
      ].join(' '),
    );
    for (const note of x.notes) lines.push(`    ${note}`);
  }
  lines.push('', 'targets:');
  for (const t of r.targets) lines.push(`  [${verdict(t.met)}] ${t.target}: ${t.detail}`);
  return `${lines.join('\n')}\n`;
}
