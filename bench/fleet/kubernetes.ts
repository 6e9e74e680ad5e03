// What Kubernetes does to the fleet, replayed against real processes: the
// Deployment controller's rolling update (maxSurge, maxUnavailable,
// minReadySeconds; pods being deleted count toward neither), a scale-out,
// and `kubectl drain` (evictions the PodDisruptionBudget allows, retried,
// each evicted pod replaced by its ReplicaSet at once).
import type { FleetPlan } from './plan.js';
import type { Pod, PodManager } from './pods.js';

export interface Cluster {
  plan: FleetPlan;
  pods: PodManager;
  /** The Deployment's current template revision. */
  revision: number;
  /** spec.replicas now. */
  desired: number;
  log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK_MS = 50;

/** Every desired pod of the current revision is available and nothing else runs. */
function converged(c: Cluster): boolean {
  const minReadyMs = c.plan.minReadySeconds * 1000;
  const current = c.pods.running(c.revision);
  return current.length === c.desired && current.every((p) => c.pods.available(p, minReadyMs)) && c.pods.running().length === c.desired;
}

/** Rolling update to a new revision, one controller sync every tick. Returns the most pods that ran at once (draining ones included). */
export async function rollingUpdate(c: Cluster, timeoutMs = 120_000): Promise<{ peakPods: number; steps: number }> {
  const next = c.revision + 1;
  const minReadyMs = c.plan.minReadySeconds * 1000;
  let peakPods = 0;
  let steps = 0;
  const deadline = Date.now() + timeoutMs;
  c.revision = next;
  while (!converged(c)) {
    if (Date.now() > deadline) throw new Error('rolling update did not converge');
    const fresh = c.pods.running(next);
    const old = c.pods.running().filter((p) => p.revision !== next);
    // Scale up the new ReplicaSet within replicas + maxSurge (deleted pods are not counted, as in Kubernetes).
    let total = fresh.length + old.length;
    for (let n = fresh.length; n < c.desired && total < c.desired + c.plan.maxSurge; n++, total++) await c.pods.create(next);
    // Scale down the old one while availability stays >= replicas - maxUnavailable; pods not ready go first.
    const availableNow = c.pods.running().filter((p) => c.pods.available(p, minReadyMs)).length;
    let room = availableNow - (c.desired - c.plan.maxUnavailable);
    const byReadiness = [...old].sort((a, b) => Number(c.pods.available(a, minReadyMs)) - Number(c.pods.available(b, minReadyMs)));
    for (const pod of byReadiness) {
      const counts = c.pods.available(pod, minReadyMs);
      if (counts && room <= 0) break;
      c.pods.delete(pod);
      steps++;
      if (counts) room--;
    }
    peakPods = Math.max(peakPods, c.pods.running().length + c.pods.draining().length);
    await sleep(TICK_MS);
  }
  return { peakPods, steps };
}

/** Scale the Deployment to `replicas` and wait until they are available. */
export async function scaleTo(c: Cluster, replicas: number): Promise<void> {
  c.desired = replicas;
  while (c.pods.running(c.revision).length < replicas) await c.pods.create(c.revision);
  for (const extra of c.pods.running(c.revision).slice(replicas)) c.pods.delete(extra);
  await c.pods.until(() => converged(c), `scale to ${replicas}`);
}

/**
 * Drain a node holding half the pods (rounded up). Each round evicts what the
 * PodDisruptionBudget allows (healthy pods above replicas - maxUnavailable;
 * every pod at once without a PDB); a refused eviction is retried after
 * kubectl drain's 5 s, scaled by the plan's time factor.
 */
export async function drainNode(c: Cluster, timeoutMs = 120_000): Promise<{ evicted: number; mostAtOnce: number; refusals: number }> {
  const onNode: Pod[] = c.pods.running().slice(0, Math.ceil(c.pods.running().length / 2));
  const retryMs = Math.max(TICK_MS, 5000 * c.plan.timeFactor);
  const deadline = Date.now() + timeoutMs;
  let mostAtOnce = 0;
  let refusals = 0;
  let evicted = 0;
  while (onNode.some((p) => p.deletedAt === null)) {
    if (Date.now() > deadline) throw new Error('node drain did not finish');
    const healthy = c.pods.running().filter((p) => p.ready).length;
    const allowed = c.plan.pdbMaxUnavailable === null ? Infinity : healthy - (c.desired - c.plan.pdbMaxUnavailable);
    const pending = onNode.filter((p) => p.deletedAt === null);
    const now = pending.slice(0, Math.max(0, Math.min(pending.length, allowed)));
    for (const pod of now) {
      c.pods.delete(pod);
      evicted++;
      await c.pods.create(c.revision);
    }
    mostAtOnce = Math.max(mostAtOnce, c.pods.draining().length);
    if (now.length < pending.length) {
      refusals += pending.length - now.length;
      await sleep(retryMs);
    }
  }
  await c.pods.until(() => converged(c), 'replacements after the drain');
  return { evicted, mostAtOnce, refusals };
}
