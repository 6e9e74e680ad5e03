// The two phases that change the running fleet rather than its pods: a live
// DB_POOL_MAX change through the ConfigMap volume (CONFIG_DIR), and a
// database freeze and recovery through the simulator's control API.
import type { SimulatorProcess } from '@orapool/oracle-sim';
import type { ConfigVolume } from './config-volume.js';
import type { RequestRecord } from './load.js';
import { inWindow, recoveryMs } from './measure.js';
import { percentiles } from '../load/stats.js';
import { gaugeValue, hasSeries, scrape } from './pod-metrics.js';
import type { Pod } from './pods.js';
import type { FreezeDetail, ResizeDetail } from './types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The new pool size: half the current one (rounded up), with DB_POOL_MIN lowered beside it so min <= max stays true. */
export function resizedPool(poolMin: number, poolMax: number): { DB_POOL_MIN: string; DB_POOL_MAX: string } {
  const max = Math.max(1, Math.ceil(poolMax / 2));
  return { DB_POOL_MIN: String(Math.min(poolMin, max)), DB_POOL_MAX: String(max) };
}

/**
 * Swap the ConfigMap volume to a smaller DB_POOL_MAX and time until every pod
 * shows it in orapool_pool_max_connections. Without live reload in the build
 * the file still changes and the phase reports "not available".
 */
export async function liveResize(options: {
  pods: Pod[];
  volume: ConfigVolume;
  current: Record<string, string>;
  poolMin: number;
  poolMax: number;
  debounceMs: number;
  debounceSource: string;
  sim: SimulatorProcess;
  holdMs: number;
}): Promise<ResizeDetail> {
  const { pods, poolMin, poolMax } = options;
  const available = (await Promise.all(pods.map((p) => hasSeries(p, 'orapool_config_generation')))).every(Boolean);
  const next = resizedPool(poolMin, poolMax);
  const swappedAt = options.volume.update({ ...options.current, ...next });
  const toMax = Number(next.DB_POOL_MAX);
  const perPodMs: number[] = [];
  if (available) {
    // Give it well past the target (debounce + 1 s) so a slow reload is measured, not cut off.
    const deadline = swappedAt + options.debounceMs + 10_000;
    await Promise.all(
      pods.map(async (pod) => {
        while (Date.now() < deadline) {
          try {
            if (gaugeValue(await scrape(pod), 'orapool_pool_max_connections') === toMax) return void perPodMs.push(Date.now() - swappedAt);
          } catch {
            // a scrape may fail while the pool reconfigures; try again
          }
          await sleep(20);
        }
      }),
    );
  }
  const remaining = options.holdMs - (Date.now() - swappedAt);
  if (remaining > 0) await sleep(remaining);
  const stats = (await options.sim.control('/stats', 'GET')) as { sessionsOpen: number };
  return {
    available,
    fromMax: poolMax,
    toMax,
    debounceMs: options.debounceMs,
    debounceSource: options.debounceSource,
    timeToEffectMs: available && perPodMs.length === pods.length ? Math.max(...perPodMs) : null,
    perPodMs: perPodMs.sort((a, b) => a - b),
    sessionsAfter: stats.sessionsOpen,
  };
}

/** Freeze the database for `frozenMs`, then unfreeze and watch throughput come back for `recoverMs`. */
export async function freezeAndRecover(options: {
  sim: SimulatorProcess;
  pods: Pod[];
  records: readonly RequestRecord[];
  frozenMs: number;
  recoverMs: number;
  baselinePerSecond: number;
}): Promise<FreezeDetail> {
  const breaker = (await Promise.all(options.pods.map((p) => hasSeries(p, 'orapool_database_breaker_state')))).some(Boolean);
  const frozenAt = Date.now();
  await options.sim.control('/faults/freeze');
  await sleep(options.frozenMs);
  await options.sim.control('/faults/unfreeze');
  const unfrozenAt = Date.now();
  await sleep(options.recoverMs);
  const during = inWindow(options.records, frozenAt, unfrozenAt);
  const first = during.find((r) => r.outcome === 'shed' && r.detail === 'DATABASE_UNAVAILABLE');
  const firstAnswerAt = first ? first.startedAt + first.ms : null;
  const after = firstAnswerAt === null ? [] : inWindow(options.records, firstAnswerAt, unfrozenAt);
  return {
    breaker,
    frozenSeconds: Number(((unfrozenAt - frozenAt) / 1000).toFixed(2)),
    firstUnavailableMs: firstAnswerAt === null ? null : Math.round(firstAnswerAt - frozenAt),
    p99AfterUnavailableMs: after.length > 0 ? percentiles(after.map((r) => r.ms)).p99 : null,
    recoveryMs: recoveryMs(options.records, unfrozenAt, Date.now(), options.baselinePerSecond),
  };
}
