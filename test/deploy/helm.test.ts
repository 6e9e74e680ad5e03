/**
 * The Helm chart, rendered by the real helm binary and validated offline
 * against the Kubernetes schemas (no API server here).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { byKind, CHART, helmRender, helmTemplate, HELM, one, parseManifests, ROOT, run, validateAll, validateK8s, type K8sObject } from './helpers.js';
import { DRCP_EXAMPLE, environmentFigures, oracleFreeProcesses, valuesFigures } from '../../scripts/gen-chart-readme.js';
import { appContainer, expectGracePeriodCovers, expectHardened, expectProbes, loadRenderedConfig, podSpec } from './k8s-assertions.js';

const CREDENTIALS = ['database.credentials.values.DB_USER=orapool', 'database.credentials.values.DB_PASSWORD=pw', 'database.credentials.values.DB_CONNECT_STRING=db:1521/FREEPDB1'];
const OPERATOR = ['monitoring.assumeCrds=true'];

const environments = [
  { name: 'dev', file: 'values-dev.yaml', poolMax: 10, replicas: 1, autoscaling: false },
  { name: 'staging', file: 'values-staging.yaml', poolMax: 20, replicas: 2, autoscaling: false },
  { name: 'prod', file: 'values-prod.yaml', poolMax: 40, replicas: 4, autoscaling: false },
] as const;

const appConfigMap = (objects: K8sObject[]) => one(byKind(objects, 'ConfigMap').filter((o) => !o.metadata.name.endsWith('-dashboard')), 'ConfigMap');
const configData = (objects: K8sObject[]) => appConfigMap(objects).data as Record<string, string>;

describe('helm chart', () => {
  it.each([
    ['default values (with credentials)', [] as string[], CREDENTIALS],
    ['values-dev.yaml', ['values-dev.yaml'], []],
    ['values-staging.yaml', ['values-staging.yaml'], []],
    ['values-prod.yaml', ['values-prod.yaml'], []],
  ])('passes helm lint --strict with %s', (_label, files, sets) => {
    const args = ['lint', CHART, '--strict'];
    for (const file of files) args.push('-f', join(CHART, file));
    for (const set of [...sets, ...OPERATOR]) args.push('--set', set);
    const result = run(HELM, args);
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  describe.each(environments)('rendered for $name', (env) => {
    const objects = helmRender([env.file], OPERATOR);
    const deployment = one(objects, 'Deployment');
    const data = (appConfigMap(objects).data ?? {}) as Record<string, string>;

    it('renders only objects that validate against the Kubernetes schemas', async () => {
      expect(await validateAll(objects)).toEqual([]);
      const kinds = objects.map((o) => o.kind).sort();
      for (const kind of ['ConfigMap', 'Deployment', 'NetworkPolicy', 'PrometheusRule', 'Service', 'ServiceAccount', 'ServiceMonitor', 'Pod']) {
        expect(kinds).toContain(kind);
      }
      // One resource per object name and kind: no template renders the same thing twice.
      const keys = objects.map((o) => `${o.kind}/${o.metadata.name}`);
      expect(new Set(keys).size).toBe(keys.length);
    });

    it(`sets DB_POOL_MAX to ${env.poolMax} and a configuration the service accepts`, () => {
      expect(data.DB_POOL_MAX).toBe(String(env.poolMax));
      const config = loadRenderedConfig(data, deployment);
      expect(config.pool.max).toBe(env.poolMax);
      expectGracePeriodCovers(deployment, config);
    });

    it('sizes the deployment for the environment', () => {
      const spec = deployment.spec as { replicas?: number };
      expect(spec.replicas).toBe(env.replicas);
      expect(byKind(objects, 'HorizontalPodAutoscaler')).toHaveLength(env.autoscaling ? 1 : 0);
    });

    it('rolls the pods when the ConfigMap or Secret changes (checksum annotations)', () => {
      const annotations = (deployment.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations;
      expect(annotations['checksum/config']).toMatch(/^[a-f0-9]{64}$/);
      expect(annotations['checksum/secret']).toMatch(/^[a-f0-9]{64}$/);
    });

    it('probes /livez for startup and liveness and /readyz for readiness, on the app port', () => {
      expectProbes(deployment, data);
    });

    it('runs restricted: non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
      expectHardened(deployment);
      expect(one(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    });

    it('labels every object with the standard app.kubernetes.io labels', () => {
      for (const object of objects) {
        expect(object.metadata.labels, `${object.kind}/${object.metadata.name}`).toMatchObject({
          // The helm test pod is named apart so that no app selector picks it up (see the next tests).
          'app.kubernetes.io/name': object.kind === 'Pod' ? 'orapool-test' : 'orapool',
          'app.kubernetes.io/instance': 'orapool',
          'app.kubernetes.io/managed-by': 'Helm',
        });
      }
    });

    it('points the Service, ServiceMonitor, PDB and NetworkPolicy at the pods', () => {
      const podLabels = (deployment.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
      const service = one(objects, 'Service');
      const serviceSpec = service.spec as { selector: Record<string, string>; ports: { name: string; targetPort: string }[] };
      expect(podLabels).toMatchObject(serviceSpec.selector);
      expect(serviceSpec.ports[0]!.targetPort).toBe('http');
      const monitor = one(objects, 'ServiceMonitor').spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
      expect(service.metadata.labels).toMatchObject(monitor.selector.matchLabels);
      expect(monitor.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
      const policy = one(objects, 'NetworkPolicy').spec as { podSelector: { matchLabels: Record<string, string> } };
      expect(podLabels).toMatchObject(policy.podSelector.matchLabels);
    });

    it('has Prometheus Operator objects that a broken field would fail (the validation can fail)', async () => {
      const monitor = structuredClone(one(objects, 'ServiceMonitor'));
      expect(await validateK8s(monitor)).toBeUndefined();
      (monitor.spec as { endpoints: { interval: unknown }[] }).endpoints[0]!.interval = 15;
      expect(await validateK8s(monitor)).toMatch(/interval must be string/);
      const rule = structuredClone(one(objects, 'PrometheusRule'));
      delete (rule.spec as { groups: { rules: { expr?: string }[] }[] }).groups[0]!.rules[0]!.expr;
      expect(await validateK8s(rule)).toMatch(/required property expr/);
    });

    it('ships the alert rules file as the PrometheusRule spec (scoped to the release: test/deploy/prometheusrule.test.ts)', () => {
      const rule = one(objects, 'PrometheusRule');
      type Groups = { groups: { name: string; rules: { alert?: string; record?: string }[] }[] };
      const source = parse(readFileSync(join(ROOT, 'monitoring', 'orapool.rules.yml'), 'utf8')) as Groups;
      const names = (spec: Groups) => spec.groups.flatMap((g) => g.rules.map((r) => r.alert ?? r.record));
      expect(names(rule.spec as unknown as Groups)).toEqual(names(source));
      expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    });

    it('ships the Grafana dashboard in a ConfigMap the Grafana sidecar picks up', () => {
      const dashboard = one(objects, 'ConfigMap', '-dashboard');
      expect(dashboard.metadata.labels?.grafana_dashboard).toBe('1');
      const json = JSON.parse((dashboard.data as Record<string, string>)['orapool.json']!) as { uid: string; panels: unknown[] };
      // A per-release uid (helm-cluster.test.ts checks that releases differ); the panels are the file's.
      expect(json.uid).toMatch(/^orapool-[0-9a-f]{12}$/);
      const source = JSON.parse(readFileSync(join(ROOT, 'monitoring', 'grafana', 'dashboards', 'orapool.json'), 'utf8')) as { panels: unknown[] };
      expect(json.panels).toEqual(source.panels);
    });

    it('has a helm test pod that calls /readyz through the Service', () => {
      const pod = one(objects, 'Pod');
      expect(pod.metadata.annotations?.['helm.sh/hook']).toBe('test');
      const command = ((pod.spec as { containers: { command: string[] }[] }).containers[0]!.command).join(' ');
      expect(command).toContain(`http://${one(objects, 'Service').metadata.name}:5001/readyz`);
    });

    it('keeps the helm test pod out of every app selector (Service endpoints, PDB, NetworkPolicy)', () => {
      const podLabels = one(objects, 'Pod').metadata.labels ?? {};
      const selects = (selector: Record<string, string> | undefined) =>
        selector !== undefined && Object.entries(selector).every(([k, v]) => podLabels[k] === v);
      const appPodLabels = (deployment.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
      const selectors: [string, Record<string, string> | undefined][] = [
        ['Service', (one(objects, 'Service').spec as { selector?: Record<string, string> }).selector],
        ['NetworkPolicy', (one(objects, 'NetworkPolicy').spec as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels],
        ...byKind(objects, 'PodDisruptionBudget').map(
          (pdb) => ['PodDisruptionBudget', (pdb.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels] as [string, Record<string, string>],
        ),
      ];
      for (const [kind, selector] of selectors) {
        expect(selector, kind).toBeDefined();
        // A selector that matches nothing would pass the next line too: it must still select the app.
        expect(Object.entries(selector!).every(([k, v]) => appPodLabels[k] === v), `${kind} selects the app pods`).toBe(true);
        expect(selects(selector), `${kind} must not select the test pod`).toBe(false);
      }
    });
  });

  it('lets the helm test pod through a narrowed networkPolicy.ingressFrom', () => {
    const objects = helmRender(['values-prod.yaml'], OPERATOR, ['--set-json', 'networkPolicy.ingressFrom=[{"namespaceSelector":{"matchLabels":{"name":"monitoring"}}}]']);
    const podLabels = one(objects, 'Pod').metadata.labels ?? {};
    const from = (one(objects, 'NetworkPolicy').spec as { ingress: { from?: { podSelector?: { matchLabels: Record<string, string> } }[] }[] }).ingress[0]!.from!;
    expect(from).toContainEqual({ namespaceSelector: { matchLabels: { name: 'monitoring' } } });
    const admitsTestPod = from.some((peer) => peer.podSelector && Object.entries(peer.podSelector.matchLabels).every(([k, v]) => podLabels[k] === v));
    expect(admitsTestPod).toBe(true);
  });

  it('prints NOTES with the session budget and the Secret keys to create (helm install --dry-run=client)', () => {
    const result = run(HELM, ['install', 'orapool', CHART, '--dry-run=client', '-f', join(CHART, 'values-dev.yaml')]);
    expect(result.status, result.stderr).toBe(0);
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    expect(notes).toContain('Database sessions this release may open at most: 30');
    expect(notes).toContain('+ 1 pods still draining');
    expect(notes).toContain('within database.maxSessions 100');
    expect(notes).toContain('it must exist with keys DB_USER, DB_PASSWORD, DB_CONNECT_STRING)');
  });

  describe('connection budget guard', () => {
    const budget = (sets: string[]) => helmTemplate([], [...CREDENTIALS, ...sets]);

    // Defaults: terminationGracePeriodSeconds 30 (5 + 15 + 10), minReadySeconds 0.
    it('fails the render with the arithmetic when replicas + surge + draining pods exceed database.maxSessions', () => {
      const result = budget(['replicaCount=4', 'rollout.maxSurge=1', 'config.DB_POOL_MAX=40', 'database.maxSessions=300']);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('connection budget exceeded: (replicaCount 4 + rollout maxSurge 1 + draining 4) x DB_POOL_MAX 40 = 360 database sessions, but database.maxSessions is 300');
      expect(result.stderr).toContain('set minReadySeconds >= terminationGracePeriodSeconds (30)');
    });

    it('counts one rollout step draining when minReadySeconds covers the grace period, and passes when the total fits exactly', () => {
      const result = budget(['replicaCount=4', 'rollout.maxSurge=1', 'minReadySeconds=30', 'config.DB_POOL_MAX=40', 'database.maxSessions=240']);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain('orapool.io/max-database-sessions: "240"');
      const over = budget(['replicaCount=4', 'rollout.maxSurge=1', 'minReadySeconds=30', 'config.DB_POOL_MAX=40', 'database.maxSessions=239']);
      expect(over.stderr).toContain('(replicaCount 4 + rollout maxSurge 1 + draining 1) x DB_POOL_MAX 40 = 240');
    });

    it('counts ceil(grace / minReadySeconds) steps of maxSurge + maxUnavailable pods draining, at most every pod', () => {
      // grace 30, minReadySeconds 10: 3 steps of (surge 1 + unavailable 1) = 6, capped at 5 replicas.
      const capped = budget(['replicaCount=5', 'rollout.maxSurge=1', 'rollout.maxUnavailable=1', 'minReadySeconds=10', 'config.DB_POOL_MAX=10', 'database.maxSessions=1']);
      expect(capped.stderr).toContain('(replicaCount 5 + rollout maxSurge 1 + draining 5) x DB_POOL_MAX 10 = 110');
      // minReadySeconds 15: 2 steps of 2 = 4.
      const spaced = budget(['replicaCount=5', 'rollout.maxSurge=1', 'rollout.maxUnavailable=1', 'minReadySeconds=15', 'config.DB_POOL_MAX=10', 'database.maxSessions=1']);
      expect(spaced.stderr).toContain('(replicaCount 5 + rollout maxSurge 1 + draining 4) x DB_POOL_MAX 10 = 100');
    });

    it('counts HPA maxReplicas, not replicaCount, and the pods a scale-down leaves draining, when autoscaling', () => {
      const result = budget([
        'replicaCount=1', 'autoscaling.enabled=true', 'autoscaling.minReplicas=2', 'autoscaling.maxReplicas=10', 'minReadySeconds=30', 'config.DB_POOL_MAX=10', 'database.maxSessions=100',
      ]);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('(autoscaling.maxReplicas 10 + rollout maxSurge 1 + draining 8) x DB_POOL_MAX 10 = 190');
    });

    it('rounds a percentage maxSurge up to whole pods, as Kubernetes does', () => {
      const result = budget(['replicaCount=3', 'rollout.maxSurge=25%', 'config.DB_POOL_MAX=10', 'database.maxSessions=39']);
      expect(result.stderr).toContain('(replicaCount 3 + rollout maxSurge 1 + draining 3) x DB_POOL_MAX 10 = 70');
    });

    it('keeps every environment within its budget, and dev within Oracle Free (PROCESSES 200)', () => {
      for (const env of environments) {
        const values = parse(readFileSync(join(CHART, env.file), 'utf8')) as { database: { maxSessions: number } };
        const deployment = one(helmRender([env.file], OPERATOR), 'Deployment');
        const sessions = Number(deployment.metadata.annotations?.['orapool.io/max-database-sessions']);
        expect(sessions).toBeLessThanOrEqual(values.database.maxSessions);
        // The chart README's environments table computes the same worst case.
        expect(environmentFigures(env.name).sessionsAtMost).toBe(sessions);
        if (env.name === 'dev') expect(values.database.maxSessions).toBeLessThan(200);
      }
    });
  });

  describe('DRCP (config.DB_SERVER_TYPE=pooled)', () => {
    const pooled = (sets: string[]) => helmTemplate([], [...CREDENTIALS, 'config.DB_SERVER_TYPE=pooled', ...sets]);

    it('counts the DRCP pool, not pods x DB_POOL_MAX, against database.maxSessions', () => {
      // 9 pods x 40 = 360 connections would fail the dedicated guard at 100; the database holds 40 pooled servers.
      const fits = pooled(['replicaCount=4', 'config.DB_POOL_MAX=40', 'database.maxSessions=100', 'database.drcp.maxPooledServers=40']);
      expect(fits.status, fits.stderr).toBe(0);
      expect(fits.stdout).toContain('orapool.io/max-database-sessions: "40"');
      const over = pooled(['replicaCount=4', 'config.DB_POOL_MAX=40', 'database.maxSessions=100', 'database.drcp.maxPooledServers=101']);
      expect(over.stderr).toContain('database.drcp.maxPooledServers 101 (the DRCP pool\'s sessions) is more than database.maxSessions 100');
    });

    it('needs the DRCP pool size, and checks the fleet\'s connections against the brokers', () => {
      expect(pooled([]).stderr).toContain('config.DB_SERVER_TYPE=pooled needs database.drcp.maxPooledServers');
      const brokers = pooled(['replicaCount=4', 'config.DB_POOL_MAX=40', 'database.drcp.maxPooledServers=40', 'database.drcp.maxBrokerConnections=359']);
      expect(brokers.stderr).toContain('pods (running, surge and draining) x DB_POOL_MAX = 360 connections, but database.drcp.maxBrokerConnections is 359');
    });

    it('gives every replica the release name as connection class, unless one is set', () => {
      // A release name other than the service's own default class (orapool), so the two cannot be confused.
      const cm = (sets: string[]) => {
        const args = ['template', 'hr-prod', CHART, ...[...CREDENTIALS, 'config.DB_SERVER_TYPE=pooled', 'database.drcp.maxPooledServers=40', ...sets].flatMap((v) => ['--set', v])];
        const result = run(HELM, args);
        expect(result.status, result.stderr).toBe(0);
        return parseManifests(result.stdout).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'hr-prod-orapool')!;
      };
      expect(cm([]).data).toMatchObject({ DB_SERVER_TYPE: 'pooled', DB_CONNECTION_CLASS: 'hr-prod' });
      // Connections are broker sockets then, not sessions: the fleet-budget alert must not compare them with maxSessions.
      expect(cm(['database.maxSessions=100']).data).toMatchObject({ DB_SESSION_BUDGET: '0' });
      expect(cm(['config.DB_CONNECTION_CLASS=shared-hr']).data).toMatchObject({ DB_CONNECTION_CLASS: 'shared-hr' });
    });

    it('renders the chart README\'s worked example as the README says: more connections than Oracle Free\'s PROCESSES, the DRCP pool within the budget', () => {
      const deployment = one(helmRender(['ci/drcp-values.yaml']), 'Deployment');
      const example = valuesFigures('pooled', DRCP_EXAMPLE.pooled);
      expect(Number(deployment.metadata.annotations?.['orapool.io/max-database-sessions'])).toBe(example.sessionsAtMost);
      expect(example.connections).toBeGreaterThan(oracleFreeProcesses());
      expect(example.sessionsAtMost).toBeLessThanOrEqual(example.maxSessions!);
    });

    it('refuses a pool boundary or purity without pooled servers, as the service would', () => {
      const result = helmTemplate([], [...CREDENTIALS, 'config.DB_POOL_BOUNDARY=statement']);
      expect(result.stderr).toContain('config.DB_POOL_BOUNDARY (statement) and config.DB_PURITY (default) need config.DB_SERVER_TYPE=pooled');
    });
  });

  describe('values schema', () => {
    it('rejects a misspelt key', () => {
      const result = helmTemplate([], [...CREDENTIALS, 'replicaCout=3']);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/replicaCout/);
    });

    it('rejects a misspelt setting under config', () => {
      const result = helmTemplate([], [...CREDENTIALS, 'config.DB_POOL_MAXX=3']);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/DB_POOL_MAXX/);
    });

    it('rejects a wrong type', () => {
      const result = helmTemplate([], [...CREDENTIALS, 'config.DB_POOL_MAX=lots']);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/DB_POOL_MAX/);
    });

    it('rejects an out-of-range value', () => {
      const result = helmTemplate([], [...CREDENTIALS, 'config.SHED_HEAP_RATIO=1.5']);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/SHED_HEAP_RATIO/);
    });
  });

  describe('credentials', () => {
    it('renders a Secret, a wallet and the HPA that validate against the Kubernetes schemas', async () => {
      const objects = helmRender([], [
        ...CREDENTIALS,
        ...OPERATOR,
        'wallet.enabled=true',
        'wallet.secretName=w',
        'database.credentials.values.DB_WALLET_PASSWORD=wpw',
        'autoscaling.enabled=true',
        'lifecycle.preStopSleepSeconds=2',
      ]);
      expect(byKind(objects, 'Secret')).toHaveLength(1);
      expect(await validateAll(objects)).toEqual([]);
    });

    it('refuses to render a Secret without credentials, naming what is missing', () => {
      const result = helmTemplate([], []);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('database.credentials.values.DB_USER is empty');
    });

    it('creates a Secret from values and mounts it as files', () => {
      const objects = helmRender([], CREDENTIALS);
      const secret = one(objects, 'Secret');
      expect(Object.keys(secret.data as object).sort()).toEqual(['DB_CONNECT_STRING', 'DB_PASSWORD', 'DB_USER']);
      expect(Buffer.from((secret.data as Record<string, string>).DB_PASSWORD!, 'base64').toString()).toBe('pw');
      const volume = podSpec(one(objects, 'Deployment')).volumes!.find((v) => v.name === 'credentials')!;
      expect(volume.secret!.secretName).toBe(secret.metadata.name);
    });

    it('uses an existing Secret with custom key names and creates none', () => {
      const objects = helmRender([], ['database.credentials.existingSecret=vault-db', 'database.credentials.keys.DB_PASSWORD=password', 'database.credentials.keys.DB_USER=username']);
      expect(byKind(objects, 'Secret')).toEqual([]);
      const volume = podSpec(one(objects, 'Deployment')).volumes!.find((v) => v.name === 'credentials')!;
      expect(volume.secret).toMatchObject({
        secretName: 'vault-db',
        items: [
          { key: 'username', path: 'DB_USER' },
          { key: 'password', path: 'DB_PASSWORD' },
          { key: 'DB_CONNECT_STRING', path: 'DB_CONNECT_STRING' },
        ],
      });
    });

    it('mounts a wallet read-only and points DB_WALLET_LOCATION and DB_CONFIG_DIR at it', () => {
      const objects = helmRender([], [...CREDENTIALS, 'wallet.enabled=true', 'wallet.secretName=adb-wallet', 'database.credentials.values.DB_WALLET_PASSWORD=wpw']);
      const deployment = one(objects, 'Deployment');
      const data = configData(objects);
      expect(data.DB_WALLET_LOCATION).toBe('/etc/orapool/wallet');
      expect(data.DB_CONFIG_DIR).toBe('/etc/orapool/wallet');
      expect(appContainer(deployment).volumeMounts).toContainEqual({ name: 'wallet', mountPath: '/etc/orapool/wallet', readOnly: true });
      expect(podSpec(deployment).volumes).toContainEqual(expect.objectContaining({ name: 'wallet', secret: expect.objectContaining({ secretName: 'adb-wallet' }) }));
      expect(appContainer(deployment).env).toContainEqual({ name: 'DB_WALLET_PASSWORD_FILE', value: '/etc/orapool/secrets/DB_WALLET_PASSWORD' });
      expect(loadRenderedConfig(data, deployment).db.walletLocation).toBe('/etc/orapool/wallet');
    });

    it('refuses an encrypted wallet without its password, and mounts no password key for an unencrypted one', () => {
      const missing = helmTemplate([], [...CREDENTIALS, 'wallet.enabled=true', 'wallet.secretName=w']);
      expect(missing.status).not.toBe(0);
      expect(missing.stderr).toContain('needs database.credentials.values.DB_WALLET_PASSWORD');

      // With an unencrypted PEM a Secret without the key must still mount: no item, no _FILE variable.
      const deployment = one(helmRender([], [...CREDENTIALS, 'wallet.enabled=true', 'wallet.secretName=w', 'wallet.encrypted=false']), 'Deployment');
      const credentials = podSpec(deployment).volumes!.find((v) => v.name === 'credentials')!;
      expect(credentials.secret!.items!.map((i) => i.path)).toEqual(['DB_USER', 'DB_PASSWORD', 'DB_CONNECT_STRING']);
      expect((appContainer(deployment).env ?? []).map((e) => e.name)).not.toContain('DB_WALLET_PASSWORD_FILE');
    });
  });

  describe('shutdown timing', () => {
    it('derives terminationGracePeriodSeconds from preStop + SHUTDOWN_DELAY_SECONDS + SHUTDOWN_DRAIN_SECONDS + margin', () => {
      const deployment = one(helmRender([], [...CREDENTIALS, 'lifecycle.preStopSleepSeconds=3', 'config.SHUTDOWN_DELAY_SECONDS=7', 'config.SHUTDOWN_DRAIN_SECONDS=20']), 'Deployment');
      expect(podSpec(deployment).terminationGracePeriodSeconds).toBe(3 + 7 + 20 + 10);
      expect(appContainer(deployment).lifecycle).toEqual({ preStop: { sleep: { seconds: 3 } } });
    });

    it('relies on the app’s own SIGTERM delay by default: no preStop hook', () => {
      expect(appContainer(one(helmRender([], CREDENTIALS), 'Deployment')).lifecycle).toBeUndefined();
    });

    it('fails when an explicit grace period is shorter than the shutdown needs', () => {
      const result = helmTemplate([], [...CREDENTIALS, 'lifecycle.terminationGracePeriodSeconds=15']);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('shorter than preStop');
    });
  });

  describe('Prometheus Operator objects', () => {
    it('are skipped when the monitoring.coreos.com/v1 API is absent', () => {
      const kinds = helmRender([], CREDENTIALS).map((o) => o.kind);
      expect(kinds).not.toContain('ServiceMonitor');
      expect(kinds).not.toContain('PrometheusRule');
    });

    it('are rendered when the cluster has the API', () => {
      const kinds = helmRender([], CREDENTIALS, ['--api-versions', 'monitoring.coreos.com/v1']).map((o) => o.kind);
      expect(kinds).toContain('ServiceMonitor');
      expect(kinds).toContain('PrometheusRule');
    });
  });
});
