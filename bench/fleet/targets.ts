// The issue's targets for the fleet, judged from the results: peak sessions
// within the budget in every phase, no lost request in rollouts, drains and
// resizes, and a live resize in effect within the watcher's debounce + 1 s.
import { ZERO_LOSS_PHASES, type FleetResults, type FleetTarget } from './types.js';

const lostText = (by: Record<string, number>) => Object.entries(by).map(([k, v]) => `${v} x ${k}`).join(', ');

export function judgeFleet(r: FleetResults): FleetTarget[] {
  const targets: FleetTarget[] = [];
  for (const p of r.phases) {
    targets.push({
      id: `sessions-${p.name}`,
      target: `${p.title}: peak database sessions <= budget`,
      met: p.sessions.peak <= p.budget,
      detail: `peak ${p.sessions.peak} of ${p.budget}${p.sessions.logonsRefused > 0 ? `; ${p.sessions.logonsRefused} logons refused by the database` : ''}`,
    });
  }
  for (const p of r.phases.filter((x) => ZERO_LOSS_PHASES.includes(x.name))) {
    targets.push({
      id: `lost-${p.name}`,
      target: `${p.title}: zero lost requests`,
      met: p.load.requests > 0 ? p.load.lost === 0 : null,
      detail: p.load.lost === 0 ? `${p.load.requests} requests, none lost` : `${p.load.lost} of ${p.load.requests} lost: ${lostText(p.load.lostBy)}`,
    });
  }
  const resize = r.phases.find((p) => p.name === 'live-resize')?.resize;
  if (resize) {
    const limit = resize.debounceMs + 1000;
    targets.push({
      id: 'resize-time',
      target: 'Live resize in effect within the watcher debounce + 1 s',
      met: resize.available ? resize.timeToEffectMs !== null && resize.timeToEffectMs <= limit : null,
      detail: !resize.available
        ? 'not available in this build'
        : resize.timeToEffectMs === null
          ? `not every pod showed max ${resize.toMax}`
          : `${resize.timeToEffectMs} ms for every pod (limit ${limit} ms; debounce ${resize.debounceSource})`,
    });
  }
  return targets;
}
