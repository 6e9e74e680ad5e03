/**
 * The plain manifests in k8s/, rendered by the real `kubectl kustomize` and
 * validated offline against the Kubernetes schemas.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeVariables } from '../../src/config/spec.js';
import { byKind, helmRender, KUBECTL, one, parseManifests, ROOT, runOk, validateAll, validateK8s, type K8sObject } from './helpers.js';
import { appContainer, expectGracePeriodCovers, expectHardened, expectProbes, loadRenderedConfig, podSpec } from './k8s-assertions.js';

const overlays = [
  { name: 'dev', namespace: 'orapool-dev', poolMax: 10, replicas: 1, pdb: false },
  { name: 'staging', namespace: 'orapool-staging', poolMax: 20, replicas: 2, pdb: true },
  { name: 'prod', namespace: 'orapool', poolMax: 40, replicas: 4, pdb: true },
] as const;

// Each overlay is built once per file (kubectl is a process start each time); parsed anew per call.
const built = new Map<string, string>();
const render = (overlay: string) => {
  if (!built.has(overlay)) built.set(overlay, runOk(KUBECTL, ['kustomize', join(ROOT, 'k8s', 'overlays', overlay)]));
  return parseManifests(built.get(overlay)!);
};

/** What an environment is: the numbers and shape the Helm values file and the overlay must agree on. */
function environmentShape(objects: K8sObject[]) {
  const deployment = one(objects, 'Deployment');
  const spec = deployment.spec as { replicas?: number; strategy: unknown; minReadySeconds?: number };
  const pod = podSpec(deployment) as ReturnType<typeof podSpec> & { topologySpreadConstraints?: { topologyKey: string; matchLabelKeys?: string[] }[] };
  const container = appContainer(deployment);
  const configMap = one(byKind(objects, 'ConfigMap').filter((o) => !o.metadata.name.endsWith('-dashboard')), 'ConfigMap');
  const pdb = byKind(objects, 'PodDisruptionBudget')[0];
  const policy = one(objects, 'NetworkPolicy').spec as { egress: unknown; policyTypes: unknown };
  return {
    replicas: spec.replicas,
    strategy: spec.strategy,
    minReadySeconds: spec.minReadySeconds ?? 0,
    config: configMap.data,
    image: (pod.containers[0] as { image?: string }).image,
    nodeOptions: container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value,
    resources: container.resources,
    terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds,
    podSecurityContext: pod.securityContext,
    containerSecurityContext: container.securityContext,
    probes: [container.startupProbe, container.livenessProbe, container.readinessProbe],
    topologySpread: (pod.topologySpreadConstraints ?? []).map((c) => [c.topologyKey, c.matchLabelKeys]),
    pdb: pdb?.spec && { ...(pdb.spec as Record<string, unknown>), selector: undefined },
    egress: policy.egress,
    hpa: byKind(objects, 'HorizontalPodAutoscaler').length,
  };
}

function expectSameEnvironment(kustomize: K8sObject[], helm: K8sObject[]): void {
  expect(environmentShape(kustomize)).toEqual(environmentShape(helm));
}

describe('kustomize overlays', () => {
  describe.each(overlays)('$name', (overlay) => {
    const objects = render(overlay.name);
    const deployment = one(objects, 'Deployment');
    const configMap = one(objects, 'ConfigMap');
    const data = configMap.data as Record<string, string>;

    it('renders only objects that validate against the Kubernetes schemas', async () => {
      expect(await validateAll(objects)).toEqual([]);
      const kinds = ['ConfigMap', 'Deployment', 'Namespace', 'NetworkPolicy', ...(overlay.pdb ? ['PodDisruptionBudget'] : []), 'Service', 'ServiceAccount'];
      expect(objects.map((o) => o.kind).sort()).toEqual(kinds);
    });

    it(`creates its namespace ${overlay.namespace} and puts every other object in it`, () => {
      expect(one(objects, 'Namespace').metadata.name).toBe(overlay.namespace);
      for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect((o.metadata as { namespace?: string }).namespace, o.kind).toBe(overlay.namespace);
    });

    it('keeps labels off the selectors, so changing a label never breaks the next apply (Deployment selectors are immutable)', () => {
      const selector = { 'app.kubernetes.io/name': 'orapool' };
      expect((deployment.spec as { selector: { matchLabels: unknown } }).selector.matchLabels).toEqual(selector);
      expect((one(objects, 'Service').spec as { selector: unknown }).selector).toEqual(selector);
      expect((one(objects, 'NetworkPolicy').spec as { podSelector: { matchLabels: unknown } }).podSelector.matchLabels).toEqual(selector);
      for (const pdb of byKind(objects, 'PodDisruptionBudget')) expect((pdb.spec as { selector: { matchLabels: unknown } }).selector.matchLabels).toEqual(selector);
      // The labels still reach the objects and the pods.
      const podLabels = (deployment.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
      expect(podLabels).toMatchObject({ 'app.kubernetes.io/instance': `orapool-${overlay.name}`, 'app.kubernetes.io/part-of': 'orapool' });
    });

    it('runs the same numbers as the chart’s values-' + overlay.name + '.yaml (one source per environment)', () => {
      expectSameEnvironment(objects, helmRender([`values-${overlay.name}.yaml`]));
    });

    it(`runs ${overlay.replicas} replicas with DB_POOL_MAX ${overlay.poolMax}, a configuration the service accepts`, () => {
      expect((deployment.spec as { replicas: number }).replicas).toBe(overlay.replicas);
      expect(data.DB_POOL_MAX).toBe(String(overlay.poolMax));
      const config = loadRenderedConfig(data, deployment);
      expect(config.pool.max).toBe(overlay.poolMax);
      expectGracePeriodCovers(deployment, config);
    });

    it('rolls the pods on a config change: the ConfigMap name carries a content hash the Deployment references', () => {
      expect(configMap.metadata.name).toMatch(/^orapool-config-[a-z0-9]{10}$/);
      expect(appContainer(deployment).envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
    });

    it('probes /livez and /readyz and runs restricted', () => {
      expectProbes(deployment, data);
      expectHardened(deployment);
      expect(one(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    });

    it('holds every setting of the spec in the ConfigMap and no secret', () => {
      const settings = describeVariables().filter((d) => d.kind === 'setting').map((d) => d.name).sort();
      expect(Object.keys(data).sort()).toEqual(settings);
      expect(byKind(objects, 'Secret')).toEqual([]);
    });
  });

  it('gives each overlay a different hashed ConfigMap, so promoting a pool size change rolls the pods', () => {
    const names = overlays.map((o) => one(render(o.name), 'ConfigMap').metadata.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('keeps dev within Oracle Free: (replicas + maxSurge) x DB_POOL_MAX well under PROCESSES 200', () => {
    const objects = render('dev');
    const spec = one(objects, 'Deployment').spec as { replicas: number; strategy: { rollingUpdate: { maxSurge: number } } };
    const poolMax = Number((one(objects, 'ConfigMap').data as Record<string, string>).DB_POOL_MAX);
    expect((spec.replicas + spec.strategy.rollingUpdate.maxSurge) * poolMax).toBeLessThanOrEqual(100);
  });

  it('ships a Secret example that validates, holds only placeholders and is never rendered', async () => {
    const [secret] = parseManifests(readFileSync(join(ROOT, 'k8s', 'base', 'secret.example.yaml'), 'utf8'));
    expect(await validateK8s(secret!)).toBeUndefined();
    const values = Object.values(secret!.stringData as Record<string, string>);
    for (const value of values) expect(value === '' || value.startsWith('REPLACE-ME')).toBe(true);
    // The Deployment mounts the example's name.
    const volumes = (one(render('prod'), 'Deployment').spec as { template: { spec: { volumes: { secret?: { secretName: string } }[] } } }).template.spec.volumes;
    expect(volumes.map((v) => v.secret?.secretName)).toContain(secret!.metadata.name);
  });
});
