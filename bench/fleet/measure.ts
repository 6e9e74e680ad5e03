// A phase's figures from the requests that started in it: outcomes, lost
// requests by cause, latency percentiles (bench/load/stats.ts), throughput,
// and how long 2xx throughput took to come back after an event.
import { percentiles, type Percentiles } from '../load/stats.js';
import type { RequestRecord } from './load.js';

export interface PhaseLoad {
  requests: number;
  ok: number;
  /** Clean 503s (Retry-After and a JSON code), by code. */
  shed: Record<string, number>;
  lost: number;
  /** Lost requests by cause: status and code, or the socket error. */
  lostBy: Record<string, number>;
  /** Latency of every answered request (2xx, 503 and lost alike), in ms. */
  latencyMs: Percentiles;
  /** 2xx per second over the phase. */
  throughput: number;
}

const count = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);

export function inWindow(records: readonly RequestRecord[], from: number, to: number): RequestRecord[] {
  return records.filter((r) => r.startedAt >= from && r.startedAt < to);
}

export function measureLoad(records: readonly RequestRecord[], from: number, to: number): PhaseLoad {
  const mine = inWindow(records, from, to);
  const shed: Record<string, number> = {};
  const lostBy: Record<string, number> = {};
  let ok = 0;
  for (const r of mine) {
    if (r.outcome === 'ok') ok++;
    else if (r.outcome === 'shed') count(shed, r.detail);
    else count(lostBy, r.detail);
  }
  const seconds = Math.max(0.001, (to - from) / 1000);
  return {
    requests: mine.length,
    ok,
    shed,
    lost: Object.values(lostBy).reduce((a, b) => a + b, 0),
    lostBy,
    latencyMs: percentiles(mine.map((r) => r.ms)),
    throughput: Number((ok / seconds).toFixed(1)),
  };
}

/**
 * Milliseconds from `from` until the first `windowMs` window whose 2xx count
 * reaches `fraction` of `baselinePerSecond`; null if it never does before `to`.
 */
export function recoveryMs(records: readonly RequestRecord[], from: number, to: number, baselinePerSecond: number, fraction = 0.9, windowMs = 250): number | null {
  const target = baselinePerSecond * (windowMs / 1000) * fraction;
  for (let t = from; t + windowMs <= to; t += windowMs / 5) {
    const ok = inWindow(records, t, t + windowMs).filter((r) => r.outcome === 'ok').length;
    if (ok >= target) return t - from;
  }
  return null;
}
