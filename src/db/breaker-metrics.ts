import { Counter, Gauge, type Registry } from 'prom-client';
import { BREAKER_STATE_VALUE, type BreakerState } from './breaker.js';

/** The `to` label of each state: Prometheus-style (no hyphen), so selectors need no quoting surprises. */
const label: Readonly<Record<BreakerState, string>> = { closed: 'closed', open: 'open', 'half-open': 'half_open' };

/**
 * orapool_database_breaker_state (0 closed, 1 open, 2 half-open) and
 * orapool_database_breaker_transitions_total{to}. Returns the breaker's
 * onTransition listener. Every `to` series starts at 0, so increase() sees
 * the first opening.
 */
export function createBreakerMetrics(registry: Registry, state: () => BreakerState): (to: BreakerState) => void {
  const registers = [registry];
  new Gauge({
    name: 'orapool_database_breaker_state',
    help: 'Database circuit breaker: 0 closed, 1 open (requests refused at once), 2 half-open (one trial request in flight).',
    registers,
    collect() {
      this.set(BREAKER_STATE_VALUE[state()]);
    },
  });
  const transitions = new Counter({
    name: 'orapool_database_breaker_transitions_total',
    help: 'Database circuit breaker state changes, by the state entered.',
    labelNames: ['to'],
    registers,
  });
  for (const to of Object.values(label)) transitions.inc({ to }, 0);
  return (to) => transitions.inc({ to: label[to] });
}
