/**
 * The plain manifests in k8s/, rendered by the real `kubectl kustomize` and
 * validated offline against the Kubernetes schemas.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeVariables } from '../../src/config/spec.js';
import { byKind, KUBECTL, one, parseManifests, ROOT, runOk, validateAll, validateK8s } from './helpers.js';
import { appContainer, expectGracePeriodCovers, expectHardened, expectProbes, loadRenderedConfig } from './k8s-assertions.js';

const overlays = [
  { name: 'dev', poolMax: 10, replicas: 1 },
  { name: 'staging', poolMax: 20, replicas: 2 },
  { name: 'prod', poolMax: 40, replicas: 4 },
] as const;

// Each overlay is built once per file (kubectl is a process start each time); parsed anew per call.
const built = new Map<string, string>();
const render = (overlay: string) => {
  if (!built.has(overlay)) built.set(overlay, runOk(KUBECTL, ['kustomize', join(ROOT, 'k8s', 'overlays', overlay)]));
  return parseManifests(built.get(overlay)!);
};

describe('kustomize overlays', () => {
  describe.each(overlays)('$name', (overlay) => {
    const objects = render(overlay.name);
    const deployment = one(objects, 'Deployment');
    const configMap = one(objects, 'ConfigMap');
    const data = configMap.data as Record<string, string>;

    it('renders only objects that validate against the Kubernetes schemas', async () => {
      expect(await validateAll(objects)).toEqual([]);
      expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
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
