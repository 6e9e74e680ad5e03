/**
 * Assertions shared by the Helm and Kustomize tests: both deploy the same pod,
 * so both must pass the same checks.
 */
import { expect } from 'vitest';
import { loadConfig, type Config } from '../../src/config/load.js';
import { MAX_SHUTDOWN_SECONDS } from '../../src/config/spec.js';
import type { K8sObject } from './helpers.js';

type Probe = { httpGet?: { path: string; port: string | number } };
type Container = {
  name: string;
  ports?: { name: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
};
export type PodSpec = {
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string; items?: { key: string; path: string }[] } }[];
};

export function podSpec(deployment: K8sObject): PodSpec {
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec;
}

export function appContainer(deployment: K8sObject): Container {
  const container = podSpec(deployment).containers.find((c) => c.name === 'orapool');
  if (!container) throw new Error('no orapool container');
  return container;
}

/** Probes hit the routes the app serves, on the port it listens on; liveness never depends on the database. */
export function expectProbes(deployment: K8sObject, configData: Record<string, string>): void {
  const container = appContainer(deployment);
  expect(container.startupProbe?.httpGet).toEqual({ path: '/livez', port: 'http' });
  expect(container.livenessProbe?.httpGet).toEqual({ path: '/livez', port: 'http' });
  expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
  const http = container.ports?.find((p) => p.name === 'http');
  expect(http?.containerPort).toBe(Number(configData.PORT ?? 5001));
}

/** The restricted Pod Security Standard, and no service-account token. */
export function expectHardened(deployment: K8sObject): void {
  const pod = podSpec(deployment);
  expect(pod.automountServiceAccountToken).toBe(false);
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  const container = appContainer(deployment);
  expect(container.securityContext).toMatchObject({
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  const uid = (container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser) as number;
  expect(uid).toBeGreaterThan(0);
  expect(container.resources?.limits?.memory).toBeTruthy();
  expect(container.resources?.requests?.cpu).toBeTruthy();
  // Credentials arrive as read-only files, never as environment values.
  const env = container.env ?? [];
  for (const name of ['DB_USER', 'DB_PASSWORD', 'DB_CONNECT_STRING', 'DB_WALLET_PASSWORD']) {
    expect(env.find((e) => e.name === name)).toBeUndefined();
  }
  const credentialsMount = container.volumeMounts?.find((m) => m.name === 'credentials');
  expect(credentialsMount?.readOnly).toBe(true);
  for (const name of ['DB_USER', 'DB_PASSWORD', 'DB_CONNECT_STRING']) {
    expect(env.find((e) => e.name === `${name}_FILE`)?.value).toBe(`${credentialsMount!.mountPath}/${name}`);
  }
}

/** The kubelet must wait for preStop + the app's own delay + drain, or it kills pods mid-drain. */
export function expectGracePeriodCovers(deployment: K8sObject, config: Config): void {
  const pod = podSpec(deployment);
  const preStop = appContainer(deployment).lifecycle?.preStop?.sleep?.seconds ?? 0;
  const needed = preStop + config.shutdown.delaySeconds + config.shutdown.drainSeconds;
  expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(needed);
  expect(pod.terminationGracePeriodSeconds).toBeLessThanOrEqual(MAX_SHUTDOWN_SECONDS + preStop + 60);
}

/** The ConfigMap, plus the mounted credentials, is a configuration the service accepts. */
export function loadRenderedConfig(configData: Record<string, string>, deployment: K8sObject): Config {
  const env: Record<string, string> = { ...configData };
  for (const e of appContainer(deployment).env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  const files: Record<string, string> = {};
  for (const e of appContainer(deployment).env ?? []) if (e.name.endsWith('_FILE') && e.value) files[e.value] = 'placeholder';
  return loadConfig(env, (path) => {
    const content = files[path];
    if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    return content;
  });
}
