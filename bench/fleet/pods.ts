// Pods as the kubelet and the endpoints controller see them: each one a real
// `node dist/main.js`, probed on /readyz every readiness period (success and
// failure thresholds as in the chart), taken out of the Service's endpoints a
// propagation lag after its deletion, and sent SIGTERM at deletion (the
// service's own delay and drain then run, as in a cluster), SIGKILL when the
// grace period is over.
import { startService, type ServiceProcess } from '../../test/support/processes.js';

export interface Pod {
  name: string;
  /** The ReplicaSet it belongs to (a rollout creates the next revision). */
  revision: number;
  service: ServiceProcess;
  createdAt: number;
  ready: boolean;
  /** When readiness last turned true (minReadySeconds counts from here). */
  readySince: number | null;
  deletedAt: number | null;
  /** It outlived its grace period and was killed (its sessions were never logged off). */
  killed: boolean;
  exited: boolean;
  exitCode: number | null;
}

export interface PodManagerOptions {
  /** The pod's environment for a revision (the ConfigMap plus what the phase changes). */
  env: (revision: number) => Record<string, string>;
  readinessPeriodMs: number;
  failureThreshold: number;
  successThreshold: number;
  /** Time from a pod's deletion until the Service stops routing to it (endpoints controller + kube-proxy). */
  endpointLagMs: number;
  /** terminationGracePeriodSeconds: a deleted pod still running after it gets SIGKILL, as the kubelet sends. */
  gracePeriodMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PodManager {
  readonly pods: Pod[] = [];
  private seq = 0;
  private probing = new Set<Pod>();

  constructor(private readonly options: PodManagerOptions) {}

  /** Create a pod (the ReplicaSet's job); readiness is probed from now on. */
  async create(revision: number): Promise<Pod> {
    const service = await startService(this.options.env(revision), { waitForListening: false });
    const pod: Pod = { name: `orapool-r${revision}-${++this.seq}`, revision, service, createdAt: Date.now(), ready: false, readySince: null, deletedAt: null, killed: false, exited: false, exitCode: null };
    this.pods.push(pod);
    void service.exited.then(({ code }) => {
      pod.exited = true;
      pod.exitCode = code;
      pod.ready = false;
    });
    void this.probe(pod);
    return pod;
  }

  /** Delete a pod: SIGTERM now; the endpoint goes after the propagation lag. */
  delete(pod: Pod): void {
    if (pod.deletedAt !== null) return;
    pod.deletedAt = Date.now();
    pod.service.child.kill('SIGTERM');
    const kill = setTimeout(() => {
      if (pod.exited) return;
      pod.killed = true;
      pod.service.child.kill('SIGKILL');
    }, this.options.gracePeriodMs);
    void pod.service.exited.then(() => clearTimeout(kill));
  }

  /** Pods not deleted (what the ReplicaSet counts). */
  running(revision?: number): Pod[] {
    return this.pods.filter((p) => p.deletedAt === null && !p.exited && (revision === undefined || p.revision === revision));
  }

  /** Deleted pods still shutting down: they keep their sessions until their pool closes. */
  draining(): Pod[] {
    return this.pods.filter((p) => p.deletedAt !== null && !p.exited);
  }

  /** Ready for at least minReadyMs: what the Deployment controller counts as available. */
  available(pod: Pod, minReadyMs: number): boolean {
    return pod.deletedAt === null && pod.ready && pod.readySince !== null && Date.now() - pod.readySince >= minReadyMs;
  }

  /** Where the Service routes: ready pods, and deleted ones until the lag has passed. */
  endpoints(): Pod[] {
    const now = Date.now();
    return this.pods.filter((p) => !p.exited && p.ready && (p.deletedAt === null || now - p.deletedAt < this.options.endpointLagMs));
  }

  /** Wait until every deleted pod has exited. */
  async settle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.draining().length > 0) {
      if (Date.now() > deadline) throw new Error(`pods still draining after ${timeoutMs} ms: ${this.draining().map((p) => p.name).join(', ')}`);
      await sleep(50);
    }
  }

  /** Wait until `predicate` holds, checking every 50 ms. */
  async until(predicate: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  }

  /** Delete every pod and wait for them all. */
  async stopAll(): Promise<void> {
    for (const pod of this.running()) this.delete(pod);
    await Promise.all(this.pods.map((p) => p.service.exited));
    this.probing.clear();
  }

  /** The kubelet's readiness probe: every period, thresholds before the state flips. */
  private async probe(pod: Pod): Promise<void> {
    this.probing.add(pod);
    let successes = 0;
    let failures = 0;
    const { readinessPeriodMs, successThreshold, failureThreshold } = this.options;
    while (!pod.exited && this.probing.has(pod)) {
      let ok = false;
      try {
        const response = await fetch(`${pod.service.url}/readyz`, { signal: AbortSignal.timeout(Math.max(200, readinessPeriodMs)) });
        ok = response.status === 200;
        await response.arrayBuffer();
      } catch {
        ok = false;
      }
      if (ok) {
        failures = 0;
        if (++successes >= successThreshold && !pod.ready && !pod.exited) {
          pod.ready = true;
          pod.readySince = Date.now();
        }
      } else {
        successes = 0;
        if (++failures >= failureThreshold) pod.ready = false;
      }
      await sleep(readinessPeriodMs);
    }
  }
}
