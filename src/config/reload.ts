import type { Logger } from 'winston';
import { describeError } from '../logger.js';
import { ConfigError, type Config, type ConfigSource } from './load.js';
import type { ReloadMetrics } from './reload-metrics.js';
import type { ConfigProblem } from './rules.js';
import { describeVariables, type VariableName } from './spec.js';

export interface ConfigReloadDeps {
  /** What the process started with. */
  initial: ConfigSource;
  /** Validate the environment with CONFIG_DIR as it is now (loadConfigSource): throws a ConfigError. */
  load(): ConfigSource;
  /** The same validation over an environment already merged (no CONFIG_DIR read): for the config that will run. */
  loadMerged(environment: Readonly<Record<string, string | undefined>>): ConfigSource;
  /** Apply the live settings of `next` to the running parts; throws when one refuses (nothing changed then). */
  apply(next: Config, changed: readonly VariableName[]): Promise<void>;
  logger: Logger;
  metrics: ReloadMetrics;
  now?: () => number;
}

export type ReloadOutcome =
  | { result: 'unchanged' }
  | { result: 'rejected'; problems: ConfigProblem[] }
  | { result: 'applied' | 'restart_required'; applied: VariableName[]; restartRequired: VariableName[] };

/**
 * Live reload of CONFIG_DIR: the whole configuration is validated again by
 * the same spec as at startup. Invalid: rejected whole, every problem
 * logged, the running configuration stays. Valid: the live settings that
 * changed are applied; a changed setting that is not live (the port, the
 * credentials, the wallet...) is reported as restart required and never
 * applied in part: the running configuration keeps its old value until the
 * process restarts. Only names are logged, never values (some are secrets).
 */
export class ConfigReload {
  readonly #deps: ConfigReloadDeps;
  readonly #live: ReadonlySet<string>;
  #running: ConfigSource;
  #generation = 1;

  constructor(deps: ConfigReloadDeps) {
    this.#deps = deps;
    this.#running = deps.initial;
    this.#live = new Set(describeVariables().filter((d) => d.live).map((d) => d.name));
  }

  get config(): Config {
    return this.#running.config;
  }

  get generation(): number {
    return this.#generation;
  }

  /** Read CONFIG_DIR again and apply what changed. Never throws; callers run one at a time (watch-dir.ts). */
  async reload(): Promise<ReloadOutcome> {
    let next: ConfigSource;
    try {
      next = this.#deps.load();
    } catch (error) {
      return this.#reject(error);
    }
    const changed = (Object.keys(next.values) as VariableName[]).filter((name) => !Object.is(next.values[name], this.#running.values[name]));
    if (changed.length === 0) {
      this.#deps.logger.debug('CONFIG_DIR changed, the configuration did not', { event: 'config_unchanged' });
      return { result: 'unchanged' };
    }
    const live = changed.filter((name) => this.#live.has(name));
    const restartRequired = changed.filter((name) => !this.#live.has(name));
    if (restartRequired.length > 0) {
      this.#deps.metrics.counted('restart_required');
      this.#deps.logger.warn(
        `Configuration change needs a restart to take effect: ${restartRequired.join(', ')} (the running values stay until then)`,
        { event: 'config_restart_required', keys: restartRequired },
      );
    }
    if (live.length === 0) return { result: 'restart_required', applied: [], restartRequired };

    // The configuration that will run: the new live values, the running values of everything else.
    let target = next;
    if (restartRequired.length > 0) {
      try {
        target = this.#deps.loadMerged(keepRunning(next.environment, this.#running.values, restartRequired));
      } catch (error) {
        return this.#reject(error);
      }
    }
    try {
      await this.#deps.apply(target.config, live);
    } catch (error) {
      const problem = { variable: live.join(', '), rule: `could not be applied: ${describeError(error).code ?? describeError(error).message}` };
      return this.#reject(new ConfigError([problem]));
    }
    this.#running = target;
    this.#generation += 1;
    this.#deps.metrics.applied(this.#generation, (this.#deps.now?.() ?? Date.now()) / 1000);
    this.#deps.logger.info(`Configuration reloaded (generation ${this.#generation}): ${live.join(', ')}`, {
      event: 'config_reloaded',
      generation: this.#generation,
      changed: live,
    });
    return { result: restartRequired.length > 0 ? 'restart_required' : 'applied', applied: live, restartRequired };
  }

  #reject(error: unknown): ReloadOutcome {
    const problems = error instanceof ConfigError ? error.problems : [{ variable: 'CONFIG_DIR', rule: `reload failed: ${describeError(error).message}` }];
    this.#deps.metrics.counted('rejected');
    this.#deps.logger.error(
      `Configuration change rejected (${problems.length} problem${problems.length === 1 ? '' : 's'}); the running configuration stays: ` +
        problems.map((p) => `${p.variable}: ${p.rule}`).join('; '),
      { event: 'config_reload_rejected', problems, generation: this.#generation },
    );
    return { result: 'rejected', problems };
  }
}

/**
 * `next` with the variables named set to their running values. By value, not
 * by <NAME>_FILE: a rotated secret file must not slip in through the back
 * door before the restart it needs.
 */
function keepRunning(
  next: Readonly<Record<string, string | undefined>>,
  running: Readonly<Record<VariableName, unknown>>,
  names: readonly VariableName[],
): Record<string, string | undefined> {
  const merged = { ...next };
  for (const name of names) {
    delete merged[`${name}_FILE`];
    merged[name] = String(running[name]);
  }
  return merged;
}
