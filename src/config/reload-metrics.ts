import { Counter, Gauge, type Registry } from 'prom-client';

export type ReloadResult = 'applied' | 'rejected' | 'restart_required';

export interface ReloadMetrics {
  /** A reload was applied: the running configuration is now this generation. */
  applied(generation: number, atSeconds: number): void;
  counted(result: Exclude<ReloadResult, 'applied'>): void;
}

/**
 * What the config reload did, for alerts and the fleet benchmark: the
 * generation each pod runs (pods of one release disagreeing means a change
 * reached some of them only), when the last one was applied, and every
 * outcome counted. Generation 1 is the configuration the process started
 * with, applied at startup.
 */
export function createReloadMetrics(registry: Registry, startedAtSeconds: number): ReloadMetrics {
  const registers = [registry];
  const generation = new Gauge({
    name: 'orapool_config_generation',
    help: 'Configuration generation running: 1 at startup, +1 per applied CONFIG_DIR reload.',
    registers,
  });
  const lastReload = new Gauge({
    name: 'orapool_config_last_reload_timestamp_seconds',
    help: 'Unix time the running configuration was applied (startup, or the last applied reload).',
    registers,
  });
  const reloads = new Counter({
    name: 'orapool_config_reloads_total',
    help: 'CONFIG_DIR changes by result: applied, rejected (invalid: the running configuration stays), restart_required (a setting that is not live changed).',
    labelNames: ['result'],
    registers,
  });
  for (const result of ['applied', 'rejected', 'restart_required'] satisfies ReloadResult[]) reloads.inc({ result }, 0);
  generation.set(1);
  lastReload.set(startedAtSeconds);
  return {
    applied: (next, atSeconds) => {
      generation.set(next);
      lastReload.set(atSeconds);
      reloads.inc({ result: 'applied' });
    },
    counted: (result) => reloads.inc({ result }),
  };
}
