// The fleet chart: database sessions over the run against the budget, with
// each phase marked, rendered by the load bench's headless Vega renderer.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from '../load/charts.js';
import type { FleetResults } from './types.js';

export const FLEET_CHART = 'fleet-sessions.svg';

export async function writeFleetChart(r: FleetResults, outDir: string): Promise<string> {
  const sessions = r.timeline.map((s) => ({ second: s.second, series: 'sessions open (simulator)', value: s.sessions }));
  const pooled = r.timeline.filter((s) => s.pooledBusy !== undefined).map((s) => ({ second: s.second, series: 'DRCP pooled servers busy', value: s.pooledBusy! }));
  const budget = r.phases.map((p) => ({ start: p.startSecond, end: p.startSecond + p.seconds, budget: p.budget, phase: p.title }));
  const svg = await render({
    title: `${r.plan.environment}: database sessions per phase against the budget`,
    width: 640,
    height: 260,
    layer: [
      {
        data: { values: budget },
        mark: { type: 'rect', opacity: 0.12 },
        encoding: {
          x: { field: 'start', type: 'quantitative', title: 'second of the run' },
          x2: { field: 'end' },
          color: { field: 'phase', type: 'nominal', title: 'phase', sort: null },
        },
      },
      {
        data: { values: budget },
        mark: { type: 'rule', color: '#d62728', strokeDash: [4, 4] },
        encoding: { x: { field: 'start', type: 'quantitative' }, x2: { field: 'end' }, y: { field: 'budget', type: 'quantitative' } },
      },
      {
        data: { values: [...sessions, ...pooled] },
        mark: { type: 'line' },
        encoding: {
          x: { field: 'second', type: 'quantitative' },
          y: { field: 'value', type: 'quantitative', title: 'sessions (dashed: budget)' },
          strokeDash: { field: 'series', type: 'nominal', title: null },
        },
      },
    ],
  });
  writeFileSync(join(outDir, FLEET_CHART), svg);
  return FLEET_CHART;
}
