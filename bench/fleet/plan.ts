// The chart's numbers shrunk to one machine. Sessions are divided by
// `sessionDivisor` (pool sizes rounded up, the budget down, so the chart's
// guard (pods x DB_POOL_MAX <= budget) stays as tight as it was, never
// looser); Kubernetes timings (shutdown delay and drain, minReadySeconds,
// readiness period) are multiplied by `timeFactor`. Pod counts are kept.
import type { ChartFleet } from './chart.js';

export interface FleetPlan {
  environment: string;
  sessionDivisor: number;
  timeFactor: number;
  replicas: number;
  maxReplicas: number;
  maxReplicasSource: ChartFleet['maxReplicasSource'];
  maxSurge: number;
  maxUnavailable: number;
  pdbMaxUnavailable: number | null;
  poolMin: number;
  poolMax: number;
  /** The session budget the simulator enforces (its session limit). */
  budget: number;
  budgetSource: 'chart database.maxSessions' | 'maxReplicas x DB_POOL_MAX (the chart sets no budget)';
  shutdownDelaySeconds: number;
  shutdownDrainSeconds: number;
  minReadySeconds: number;
  terminationGracePeriodSeconds: number;
  readinessPeriodSeconds: number;
  readinessFailureThreshold: number;
  readinessSuccessThreshold: number;
  /** The chart's figures before scaling, for the report. */
  chart: { replicas: number; maxReplicas: number; poolMax: number; budget: number | null; shutdownDelaySeconds: number; shutdownDrainSeconds: number; minReadySeconds: number };
  /** Environment of every pod: the rendered ConfigMap with the scaled figures. */
  podConfig: Record<string, string>;
}

const seconds = (value: number, factor: number) => Number((value * factor).toFixed(3));

export function planFleet(chart: ChartFleet, options: { environment: string; sessionDivisor: number; timeFactor: number }): FleetPlan {
  const { sessionDivisor: d, timeFactor: t } = options;
  if (!(d >= 1) || !(t > 0)) throw new Error('sessionDivisor must be >= 1 and timeFactor > 0');
  const c = chart.config;
  const poolMax = Math.ceil(Number(c.DB_POOL_MAX) / d);
  const poolMin = Math.min(poolMax, Math.ceil(Number(c.DB_POOL_MIN) / d));
  const budget = chart.budget !== null ? Math.floor(chart.budget / d) : chart.maxReplicas * poolMax;
  const delay = seconds(Number(c.SHUTDOWN_DELAY_SECONDS), t);
  const drain = seconds(Number(c.SHUTDOWN_DRAIN_SECONDS), t);
  return {
    environment: options.environment,
    sessionDivisor: d,
    timeFactor: t,
    replicas: chart.replicas,
    maxReplicas: chart.maxReplicas,
    maxReplicasSource: chart.maxReplicasSource,
    maxSurge: chart.maxSurge,
    maxUnavailable: chart.maxUnavailable,
    pdbMaxUnavailable: chart.pdbMaxUnavailable,
    poolMin,
    poolMax,
    budget,
    budgetSource: chart.budget !== null ? 'chart database.maxSessions' : 'maxReplicas x DB_POOL_MAX (the chart sets no budget)',
    shutdownDelaySeconds: delay,
    shutdownDrainSeconds: drain,
    minReadySeconds: seconds(chart.minReadySeconds, t),
    terminationGracePeriodSeconds: seconds(chart.terminationGracePeriodSeconds, t),
    readinessPeriodSeconds: seconds(chart.readiness.periodSeconds, t),
    readinessFailureThreshold: chart.readiness.failureThreshold,
    readinessSuccessThreshold: chart.readiness.successThreshold,
    chart: {
      replicas: chart.replicas,
      maxReplicas: chart.maxReplicas,
      poolMax: Number(c.DB_POOL_MAX),
      budget: chart.budget,
      shutdownDelaySeconds: Number(c.SHUTDOWN_DELAY_SECONDS),
      shutdownDrainSeconds: Number(c.SHUTDOWN_DRAIN_SECONDS),
      minReadySeconds: chart.minReadySeconds,
    },
    podConfig: {
      ...c,
      DB_POOL_MIN: String(poolMin),
      DB_POOL_MAX: String(poolMax),
      DB_SESSION_BUDGET: String(budget),
      SHUTDOWN_DELAY_SECONDS: String(delay),
      SHUTDOWN_DRAIN_SECONDS: String(drain),
      DB_PROBE_INTERVAL: String(Math.max(0.1, seconds(Number(c.DB_PROBE_INTERVAL ?? 5), t))),
    },
  };
}
