// The fleet's numbers as the Helm chart renders them (helm template with an
// environment's values file), never retyped: replicas, rollout strategy,
// minReadySeconds, readiness probe, PodDisruptionBudget, the ConfigMap the
// pods load (DB_POOL_MAX, shutdown delay and drain, the session budget), and
// the most replicas the chart's own budget guard accepts. scaleFleet() then
// shrinks them for one machine, keeping the guard's inequality true.
import { byKind, helmTemplate, one, parseManifests } from '../../test/deploy/helpers.js';

export interface ChartFleet {
  /** The values files rendered (relative to helm/orapool), e.g. ["values-prod.yaml"]. */
  valuesFiles: string[];
  replicas: number;
  /** The scale-out target: autoscaling.maxReplicas when the HPA renders, else the largest replicaCount the budget guard renders. */
  maxReplicas: number;
  maxReplicasSource: 'HorizontalPodAutoscaler' | 'budget guard';
  maxSurge: number;
  maxUnavailable: number;
  minReadySeconds: number;
  terminationGracePeriodSeconds: number;
  readiness: { periodSeconds: number; failureThreshold: number; successThreshold: number };
  /** PodDisruptionBudget maxUnavailable; null without a PDB (a drain then evicts every pod at once). */
  pdbMaxUnavailable: number | null;
  /** database.maxSessions as the ConfigMap carries it (DB_SESSION_BUDGET); null when the chart sets none. */
  budget: number | null;
  /** The whole rendered ConfigMap: what each pod loads with envFrom. */
  config: Record<string, string>;
}

/** A rendered object, read field by field as Kubernetes would. */
type Manifest = Record<string, any>;

/** An int-or-percent rollout field resolved against `replicas` the way the Deployment controller does (surge rounds up, unavailable down). */
export function resolveIntOrPercent(value: number | string, replicas: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const percent = /^(\d+)%$/.exec(value);
  if (!percent) return Number(value);
  const exact = (Number(percent[1]) * replicas) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

function render(valuesFiles: string[], sets: string[] = []): Manifest[] | null {
  const result = helmTemplate(valuesFiles, sets);
  if (result.status !== 0) {
    if (/connection budget exceeded/.test(result.stderr)) return null;
    throw new Error(`helm template ${valuesFiles.join(' ')} failed: ${result.stderr}`);
  }
  return parseManifests(result.stdout) as Manifest[];
}

/** The largest replicaCount (from `from` up) whose render the chart's budget guard accepts. */
function largestAcceptedReplicas(valuesFiles: string[], from: number): number {
  let accepted = from;
  for (let n = from + 1; n <= from + 64; n++) {
    if (render(valuesFiles, [`replicaCount=${n}`]) === null) return accepted;
    accepted = n;
  }
  return accepted;
}

export function readChartFleet(valuesFiles: string[]): ChartFleet {
  const objects = render(valuesFiles);
  if (objects === null) throw new Error(`the chart refuses ${valuesFiles.join(' ')}: its budget guard fails`);
  const deployment = one(objects as never, 'Deployment') as Manifest;
  const configMap = (byKind(objects as never, 'ConfigMap') as Manifest[]).find((c) => c.data?.DB_POOL_MAX !== undefined);
  if (!configMap) throw new Error('no ConfigMap with DB_POOL_MAX in the render');
  const config = configMap.data as Record<string, string>;
  const spec = deployment.spec;
  const replicas = Number(spec.replicas);
  const rolling = spec.strategy?.rollingUpdate ?? {};
  const container = spec.template.spec.containers.find((c: Manifest) => c.readinessProbe) ?? spec.template.spec.containers[0];
  const probe = container.readinessProbe ?? {};
  const pdb = (byKind(objects as never, 'PodDisruptionBudget') as Manifest[])[0];
  const hpa = (byKind(objects as never, 'HorizontalPodAutoscaler') as Manifest[])[0];
  const budget = Number(config.DB_SESSION_BUDGET ?? 0);
  return {
    valuesFiles,
    replicas,
    maxReplicas: hpa ? Number(hpa.spec.maxReplicas) : largestAcceptedReplicas(valuesFiles, replicas),
    maxReplicasSource: hpa ? 'HorizontalPodAutoscaler' : 'budget guard',
    maxSurge: resolveIntOrPercent(rolling.maxSurge ?? '25%', replicas, true),
    maxUnavailable: resolveIntOrPercent(rolling.maxUnavailable ?? '25%', replicas, false),
    minReadySeconds: Number(spec.minReadySeconds ?? 0),
    terminationGracePeriodSeconds: Number(spec.template.spec.terminationGracePeriodSeconds ?? 30),
    readiness: {
      periodSeconds: Number(probe.periodSeconds ?? 10),
      failureThreshold: Number(probe.failureThreshold ?? 3),
      successThreshold: Number(probe.successThreshold ?? 1),
    },
    pdbMaxUnavailable: pdb ? resolveIntOrPercent(pdb.spec.maxUnavailable ?? 1, replicas, false) : null,
    budget: budget > 0 ? budget : null,
    config,
  };
}
