// The shape of bench/results/fleet-results.json (schema orapool-fleet-bench/1).
import type { Machine } from '../load/machine.js';
import type { QueueingBound } from '../load/scenarios.js';
import type { PhaseLoad } from './measure.js';
import type { FleetPlan } from './plan.js';
import type { PhaseSessions, SessionSample } from './sampler.js';

export type PhaseName = 'steady' | 'rolling-update' | 'scale-out' | 'node-drain' | 'live-resize' | 'database-freeze' | 'drcp';

export const PHASES: readonly PhaseName[] = ['steady', 'rolling-update', 'scale-out', 'node-drain', 'live-resize', 'database-freeze', 'drcp'];

/** Phases in which no request may be lost (the issue: rollouts, drains and resizes). */
export const ZERO_LOSS_PHASES: readonly PhaseName[] = ['steady', 'rolling-update', 'scale-out', 'node-drain', 'live-resize', 'drcp'];

export interface ResizeDetail {
  /** false: this build has no live reload (no orapool_config_generation series); the file still changed. */
  available: boolean;
  fromMax: number;
  toMax: number;
  debounceMs: number;
  debounceSource: string;
  /** From the ConfigMap swap until every pod's orapool_pool_max_connections showed the new max; null when not available or never. */
  timeToEffectMs: number | null;
  perPodMs: number[];
  /** Sessions open at the simulator when the phase ended, against pods x the new max. */
  sessionsAfter: number;
}

export interface FreezeDetail {
  /** Whether the build exports orapool_database_breaker_state. */
  breaker: boolean;
  frozenSeconds: number;
  /** First clean 503 DATABASE_UNAVAILABLE after the freeze began, ms after it; null if none. */
  firstUnavailableMs: number | null;
  /** p99 of every response that started after that first 503 and before the unfreeze. */
  p99AfterUnavailableMs: number | null;
  /** From unfreeze until 2xx throughput was back to 90 % of the steady phase's; null if not within the phase. */
  recoveryMs: number | null;
}

export interface DrcpDetail {
  /** The service reported database.serverType "pooled" in /api/health; false: the build has no DRCP setting. */
  available: boolean;
  serverType: string | null;
  pooledServers: number;
}

export interface PhaseResult {
  name: PhaseName;
  title: string;
  /** Seconds since the run started. */
  startSecond: number;
  seconds: number;
  podsAtStart: number;
  podsAtEnd: number;
  /** Most pods alive at once (running + draining), sampled. */
  peakPods: number;
  sessions: PhaseSessions;
  budget: number;
  load: PhaseLoad;
  bound: QueueingBound;
  /** 2xx throughput / the bound's expected throughput. */
  achievedToBound: number | null;
  resize?: ResizeDetail;
  freeze?: FreezeDetail;
  drcp?: DrcpDetail;
  notes: string[];
}

export interface FleetTarget {
  id: string;
  target: string;
  /** null: not measured (the phase did not run or the feature is not available). */
  met: boolean | null;
  detail: string;
}

export interface FleetResults {
  schema: 'orapool-fleet-bench/1';
  startedAt: string;
  finishedAt: string;
  mode: string;
  machine: Machine;
  plan: Omit<FleetPlan, 'podConfig'>;
  settings: { users: number; statementLatencyMs: number; steadySeconds: number; freezeSeconds: number; endpointLagMs: number; clientTimeoutMs: number };
  phases: PhaseResult[];
  timeline: SessionSample[];
  targets: FleetTarget[];
}
