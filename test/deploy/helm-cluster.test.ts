/**
 * The chart on a real cluster (issue 11 §2): what the API server or the app
 * would reject later is refused at render time, numbers render exactly, every
 * namespaced object carries its namespace, and the conventions users of
 * Bitnami / prometheus-community charts expect are there. Rendered by the real
 * helm binary and validated offline against the Kubernetes schemas.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MAX_SHUTDOWN_SECONDS } from '../../src/config/spec.js';
import { byKind, CHART, helmRender, helmTemplate, HELM, one, run, validateAll, type K8sObject } from './helpers.js';
import { appContainer, expectGracePeriodCovers, expectHardened, loadRenderedConfig, podSpec } from './k8s-assertions.js';

const CREDENTIALS = ['database.credentials.values.DB_USER=orapool', 'database.credentials.values.DB_PASSWORD=pw', 'database.credentials.values.DB_CONNECT_STRING=db:1521/FREEPDB1'];
const OPERATOR = ['monitoring.assumeCrds=true'];
const CI_DIR = join(CHART, 'ci');
const ciFiles = readdirSync(CI_DIR).filter((f) => f.endsWith('-values.yaml')).sort();
const ci = (name: string) => join('ci', name);

const render = (sets: string[], extra: string[] = []) => helmTemplate([], [...CREDENTIALS, ...sets], extra);
const appConfig = (objects: K8sObject[]) =>
  one(byKind(objects, 'ConfigMap').filter((o) => o.metadata.name === one(objects, 'Deployment').metadata.name), 'ConfigMap').data as Record<string, string>;

/** Kinds that are cluster-scoped: everything else must name its namespace. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'IngressClass', 'PriorityClass', 'CustomResourceDefinition']);

describe('helm chart on a real cluster', () => {
  describe('refuses at render time what the app or the API server would reject later', () => {
    const cases: { what: string; bad: string[]; good: string[]; message: string; extra?: string[]; goodExtra?: string[] }[] = [
      {
        what: 'DB_POOL_MIN above DB_POOL_MAX',
        bad: ['config.DB_POOL_MIN=41', 'config.DB_POOL_MAX=40'],
        good: ['config.DB_POOL_MIN=40', 'config.DB_POOL_MAX=40'],
        message: 'config.DB_POOL_MIN (41) must be <= config.DB_POOL_MAX (40): the service refuses to start otherwise',
      },
      {
        what: 'a memory low watermark not below the high one',
        // --set writes 0.85 as a string; --set-json keeps it a number.
        bad: [],
        extra: ['--set-json', 'config.MEMORY_HIGH_WATERMARK=0.85', '--set-json', 'config.MEMORY_LOW_WATERMARK=0.85'],
        good: [],
        goodExtra: ['--set-json', 'config.MEMORY_HIGH_WATERMARK=0.85', '--set-json', 'config.MEMORY_LOW_WATERMARK=0.84'],
        message: 'config.MEMORY_LOW_WATERMARK (0.85) must be below config.MEMORY_HIGH_WATERMARK (0.85), or readiness never recovers',
      },
      {
        what: `shutdown delay + drain over the app's limit (MAX_SHUTDOWN_SECONDS ${MAX_SHUTDOWN_SECONDS})`,
        bad: ['config.SHUTDOWN_DELAY_SECONDS=10', `config.SHUTDOWN_DRAIN_SECONDS=${MAX_SHUTDOWN_SECONDS - 9}`],
        good: ['config.SHUTDOWN_DELAY_SECONDS=10', `config.SHUTDOWN_DRAIN_SECONDS=${MAX_SHUTDOWN_SECONDS - 10}`],
        message: `config.SHUTDOWN_DELAY_SECONDS (10) + config.SHUTDOWN_DRAIN_SECONDS (${MAX_SHUTDOWN_SECONDS - 9}) = ${MAX_SHUTDOWN_SECONDS + 1} exceeds the service's limit of ${MAX_SHUTDOWN_SECONDS} seconds`,
      },
      {
        what: 'maxSurge and maxUnavailable both 0',
        bad: ['rollout.maxSurge=0', 'rollout.maxUnavailable=0'],
        good: ['rollout.maxSurge=0', 'rollout.maxUnavailable=1'],
        message: 'rollout.maxSurge and rollout.maxUnavailable are both 0: a rolling update could never make progress',
      },
      {
        what: 'maxSurge 0% and maxUnavailable 0',
        bad: ['rollout.maxSurge=0%', 'rollout.maxUnavailable=0'],
        good: ['rollout.maxSurge=10%', 'rollout.maxUnavailable=0'],
        message: 'rollout.maxSurge and rollout.maxUnavailable are both 0',
      },
      {
        what: 'a sleep preStop on Kubernetes 1.29 (the sleep action is alpha and off there)',
        bad: ['lifecycle.preStopSleepSeconds=3'],
        extra: ['--kube-version', '1.29.9'],
        good: ['lifecycle.preStopSleepSeconds=3'],
        goodExtra: ['--kube-version', '1.30.0'],
        message: 'lifecycle.preStopSleepSeconds needs the kubelet\'s sleep preStop action (Kubernetes >= 1.30; alpha and off by default in 1.29), but the cluster is v1.29.9',
      },
      {
        what: 'autoscaling minReplicas above maxReplicas',
        bad: ['autoscaling.enabled=true', 'autoscaling.minReplicas=5', 'autoscaling.maxReplicas=4'],
        good: ['autoscaling.enabled=true', 'autoscaling.minReplicas=4', 'autoscaling.maxReplicas=4'],
        message: 'autoscaling.minReplicas (5) must be <= autoscaling.maxReplicas (4)',
      },
      {
        what: 'an Ingress without hosts',
        bad: ['ingress.enabled=true'],
        extra: ['--set-json', 'ingress.hosts=[]'],
        good: ['ingress.enabled=true'],
        goodExtra: [],
        message: 'ingress.enabled needs at least one entry in ingress.hosts',
      },
      {
        what: 'an HTTPRoute attached to no Gateway',
        bad: ['httpRoute.enabled=true'],
        good: ['httpRoute.enabled=true', 'httpRoute.parentRefs[0].name=public'],
        message: 'httpRoute.enabled needs httpRoute.parentRefs',
      },
    ];

    it.each(cases)('refuses $what, with a message saying what to change', ({ bad, message, extra = [] }) => {
      const result = render(bad, extra);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(message);
    });

    it.each(cases)('renders the valid neighbour of $what, and the service accepts it', async ({ good, goodExtra, extra = [] }) => {
      const result = render(good, goodExtra ?? extra);
      expect(result.status, result.stderr).toBe(0);
      const objects = helmRender([], [...CREDENTIALS, ...good], goodExtra ?? extra);
      expect((await validateAll(objects)).filter((p) => !p.includes('HTTPRoute'))).toEqual([]);
      const deployment = one(objects, 'Deployment');
      const config = loadRenderedConfig(appConfig(objects), deployment);
      expectGracePeriodCovers(deployment, config);
    });

    it('agrees with the service on the shutdown limit: the app refuses one second more, as the chart does', () => {
      const objects = helmRender([], [...CREDENTIALS, 'config.SHUTDOWN_DELAY_SECONDS=10', `config.SHUTDOWN_DRAIN_SECONDS=${MAX_SHUTDOWN_SECONDS - 10}`]);
      const data = { ...appConfig(objects), SHUTDOWN_DRAIN_SECONDS: String(MAX_SHUTDOWN_SECONDS - 9) };
      expect(() => loadRenderedConfig(data, one(objects, 'Deployment'))).toThrow(/SHUTDOWN/);
    });

    it('keeps the memory watermark check off when the high watermark is 0 (disabled)', () => {
      const result = render([], ['--set-json', 'config.MEMORY_HIGH_WATERMARK=0', '--set-json', 'config.MEMORY_LOW_WATERMARK=0.8']);
      expect(result.status, result.stderr).toBe(0);
    });

    it('renders the sleep preStop on Kubernetes 1.30', () => {
      const deployment = one(helmRender([], [...CREDENTIALS, 'lifecycle.preStopSleepSeconds=3'], ['--kube-version', '1.30.0']), 'Deployment');
      expect(appContainer(deployment).lifecycle).toEqual({ preStop: { sleep: { seconds: 3 } } });
    });
  });

  describe('numbers render exactly', () => {
    it('writes 1000000 as 1000000 (not 1e+06) and 0.85 as 0.85, which the service accepts', () => {
      const objects = helmRender([ci('full-values.yaml')]);
      const data = appConfig(objects);
      expect(data.DB_POOL_QUEUE_MAX).toBe('1000000');
      expect(data.SHED_HEAP_RATIO).toBe('0.85');
      const config = loadRenderedConfig(data, one(objects, 'Deployment'));
      expect(config.pool.queueMax).toBe(1_000_000);
    });

    it('writes large whole numbers from JSON values exactly', () => {
      const data = appConfig(helmRender([], CREDENTIALS, ['--set-json', 'config={"DB_POOL_QUEUE_MAX":123456789,"DB_POOL_RECYCLE":86400,"SHED_HEAP_RATIO":0.9}']));
      expect(data.DB_POOL_QUEUE_MAX).toBe('123456789');
      expect(data.DB_POOL_RECYCLE).toBe('86400');
      expect(data.SHED_HEAP_RATIO).toBe('0.9');
    });
  });

  describe('metadata.namespace', () => {
    it.each(ciFiles)('is set on every namespaced object rendered with %s and -n team-a', (file) => {
      const objects = helmRender([ci(file)], OPERATOR, ['--namespace', 'team-a']);
      const missing = objects
        .filter((o) => !CLUSTER_SCOPED.has(o.kind))
        .filter((o) => (o.metadata as { namespace?: string }).namespace !== (o.kind === 'ServiceMonitor' && file === 'full-values.yaml' ? 'monitoring' : 'team-a'))
        .map((o) => `${o.kind}/${o.metadata.name}`);
      expect(missing).toEqual([]);
    });

    it('puts a ServiceMonitor in another namespace and points it back at the release namespace', () => {
      const monitor = one(helmRender([ci('full-values.yaml')], [], ['--namespace', 'team-a']), 'ServiceMonitor');
      expect((monitor.metadata as { namespace?: string }).namespace).toBe('monitoring');
      expect(monitor.spec).toMatchObject({
        namespaceSelector: { matchNames: ['team-a'] },
        jobLabel: 'app.kubernetes.io/name',
        endpoints: [
          expect.objectContaining({
            relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' }],
            metricRelabelings: [{ sourceLabels: ['__name__'], regex: 'nodejs_gc_.*', action: 'drop' }],
          }),
        ],
      });
    });
  });

  describe('ci/*-values.yaml scenarios', () => {
    it('has the scenarios the chart promises', () => {
      expect(ciFiles).toEqual(['autoscaling-values.yaml', 'drcp-values.yaml', 'full-values.yaml', 'keda-values.yaml', 'minimal-values.yaml', 'openshift-values.yaml', 'pool-saturation-values.yaml', 'wallet-values.yaml']);
    });

    it.each(ciFiles)('%s passes helm lint --strict and renders objects that validate against the Kubernetes schemas', async (file) => {
      const lint = run(HELM, ['lint', CHART, '--strict', '-f', join(CI_DIR, file)]);
      expect(lint.status, lint.stdout + lint.stderr).toBe(0);
      const objects = helmRender([ci(file)], OPERATOR);
      // No offline schema ships for the Gateway API: the HTTPRoute is checked field by field below.
      expect((await validateAll(objects)).filter((p) => !p.startsWith('no Kubernetes schema for gateway.networking.k8s.io/v1 HTTPRoute'))).toEqual([]);
      const deployment = one(objects, 'Deployment');
      expectGracePeriodCovers(deployment, loadRenderedConfig(appConfig(objects), deployment));
    });

    it('full-values.yaml: the extension points land where a user expects them', () => {
      const objects = helmRender([ci('full-values.yaml')]);
      const deployment = one(objects, 'Deployment');
      const pod = podSpec(deployment) as ReturnType<typeof podSpec> & {
        initContainers?: { name: string }[];
        containers: { name: string; envFrom?: unknown[]; livenessProbe?: Record<string, unknown>; readinessProbe?: Record<string, unknown> }[];
      };
      const app = appContainer(deployment);
      expect(app.env).toContainEqual({ name: 'TZ', value: 'UTC' });
      expect(app.env).toContainEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
      expect(app.envFrom?.[0]).toEqual({ configMapRef: { name: deployment.metadata.name } });
      expect(app.envFrom).toContainEqual({ configMapRef: { name: 'orapool-extra', optional: true } });
      expect(app.volumeMounts).toContainEqual({ name: 'ca', mountPath: '/etc/ssl/corporate', readOnly: true });
      expect(pod.volumes).toContainEqual({ name: 'ca', configMap: { name: 'corporate-ca' } });
      expect(pod.initContainers?.map((c) => c.name)).toEqual(['wait-for-dns']);
      expect(pod.containers.map((c) => c.name)).toEqual(['orapool', 'log-shipper']);
      // Probe overrides: fields merge over the defaults; a handler replaces the default httpGet.
      const appPod = pod.containers[0]!;
      expect(appPod.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'http' }, initialDelaySeconds: 2, periodSeconds: 3, failureThreshold: 2 });
      expect(appPod.livenessProbe).toMatchObject({ tcpSocket: { port: 'http' }, periodSeconds: 10 });
      expect(appPod.livenessProbe).not.toHaveProperty('httpGet');
      expect(deployment.spec).toMatchObject({ minReadySeconds: 5, revisionHistoryLimit: 3 });
      // extraDeploy is templated.
      expect(one(objects, 'ConfigMap', 'orapool-extra').metadata.name).toBe('orapool-extra');
    });

    it('full-values.yaml: the Ingress and the HTTPRoute route to the Service port', () => {
      const objects = helmRender([ci('full-values.yaml')], [], ['--namespace', 'team-a']);
      const service = one(objects, 'Service');
      const serviceSpec = service.spec as { type: string; ports: { name: string; port: number; nodePort?: number }[] };
      expect(serviceSpec.type).toBe('NodePort');
      expect(serviceSpec.ports[0]).toMatchObject({ name: 'http', port: 5001, nodePort: 30501 });
      expect(service.metadata.annotations).toEqual({ 'example.com/team': 'db-platform' });
      expect(one(objects, 'Ingress').spec).toEqual({
        ingressClassName: 'nginx',
        tls: [{ hosts: ['orapool.team-a.example.com'], secretName: 'orapool-tls' }],
        rules: [
          {
            host: 'orapool.team-a.example.com',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service.metadata.name, port: { name: 'http' } } } }] },
          },
        ],
      });
      const route = one(objects, 'HTTPRoute');
      expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
      expect(route.spec).toEqual({
        parentRefs: [{ name: 'public', namespace: 'gateway-system', sectionName: 'https' }],
        hostnames: ['orapool.example.com'],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: service.metadata.name, port: 5001 }] }],
      });
    });

    it('full-values.yaml: the HPA carries behavior and extra metrics', () => {
      const hpa = one(helmRender([ci('full-values.yaml')]), 'HorizontalPodAutoscaler').spec as { metrics: { resource: { name: string } }[]; behavior: unknown };
      expect(hpa.metrics.map((m) => m.resource.name)).toEqual(['cpu', 'memory']);
      expect(hpa.behavior).toEqual({ scaleDown: { stabilizationWindowSeconds: 600 } });
    });

    it('openshift-values.yaml: no UID, GID or fsGroup anywhere (restricted-v2 assigns them), still restricted', () => {
      const objects = helmRender([ci('openshift-values.yaml')]);
      for (const object of [one(objects, 'Deployment'), one(objects, 'Pod')]) {
        const pod = (object.kind === 'Pod' ? object.spec : podSpec(object)) as { securityContext?: Record<string, unknown>; containers: { securityContext?: Record<string, unknown> }[] };
        for (const context of [pod.securityContext ?? {}, ...pod.containers.map((c) => c.securityContext ?? {})]) {
          expect(context).not.toHaveProperty('runAsUser');
          expect(context).not.toHaveProperty('runAsGroup');
          expect(context).not.toHaveProperty('fsGroup');
          expect(context.runAsNonRoot).toBe(true);
        }
        expect(pod.containers[0]!.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      }
    });

    it('the defaults stay restricted with the image user 1000', () => {
      const deployment = one(helmRender([ci('minimal-values.yaml')]), 'Deployment');
      expectHardened(deployment);
      expect(podSpec(deployment).securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 1000 });
    });
  });

  describe('PodDisruptionBudget', () => {
    it.each(['values-staging.yaml', 'values-prod.yaml'])('%s: evicts NotReady pods, so a database outage does not block node drains', (file) => {
      const pdb = one(helmRender([file]), 'PodDisruptionBudget');
      expect(pdb.spec).toMatchObject({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    });

    it('leaves the field out on Kubernetes 1.25, which does not know it', () => {
      const pdb = one(helmRender(['values-prod.yaml'], [], ['--kube-version', '1.25.0']), 'PodDisruptionBudget');
      expect(pdb.spec).not.toHaveProperty('unhealthyPodEvictionPolicy');
    });
  });

  describe('NetworkPolicy egress', () => {
    type Rule = { to?: Record<string, unknown>[]; ports: { port: number; protocol: string }[] };
    const egress = (objects: K8sObject[]) => (one(objects, 'NetworkPolicy').spec as { egress: Rule[] }).egress;

    it('sends DNS only to the cluster DNS pods, and every egress rule names its destination', () => {
      const rules = egress(helmRender([], CREDENTIALS));
      for (const rule of rules) expect(rule.to?.length, JSON.stringify(rule)).toBeGreaterThan(0);
      const dns = rules.find((r) => r.ports.some((p) => p.port === 53))!;
      expect(dns.to).toEqual([
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
      ]);
    });

    it('narrows the database egress to an Autonomous Database subnet on 1522 (ci/wallet-values.yaml)', () => {
      const db = egress(helmRender([ci('wallet-values.yaml')])).find((r) => !r.ports.some((p) => p.port === 53))!;
      expect(db).toEqual({ to: [{ ipBlock: { cidr: '10.0.1.0/24' } }], ports: [{ port: 1522, protocol: 'TCP' }] });
    });

    it('narrows the database egress to in-cluster Oracle pods by selector', () => {
      const peer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'oracle' } }, podSelector: { matchLabels: { app: 'oracle-free' } } };
      const db = egress(helmRender([], CREDENTIALS, ['--set-json', `networkPolicy.databaseTo=[${JSON.stringify(peer)}]`])).find((r) => !r.ports.some((p) => p.port === 53))!;
      expect(db.to).toEqual([peer]);
    });
  });

  describe('topology spread', () => {
    type Constraint = { topologyKey: string; labelSelector: { matchLabels: Record<string, string> }; matchLabelKeys?: string[] };
    const constraints = (objects: K8sObject[]) => (podSpec(one(objects, 'Deployment')) as { topologySpreadConstraints?: Constraint[] }).topologySpreadConstraints ?? [];

    it('prod spreads this release’s pods of the current ReplicaSet across nodes and zones', () => {
      const objects = helmRender(['values-prod.yaml'], [], ['--kube-version', '1.30.0']);
      const podLabels = (one(objects, 'Deployment').spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
      const found = constraints(objects);
      expect(found.map((c) => c.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
      for (const c of found) {
        expect(c.labelSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'orapool', 'app.kubernetes.io/instance': 'orapool' });
        expect(podLabels).toMatchObject(c.labelSelector.matchLabels);
        expect(c.matchLabelKeys).toEqual(['pod-template-hash']);
      }
    });

    it('leaves matchLabelKeys out before Kubernetes 1.27, and keeps a user constraint’s own selector', () => {
      const own = { maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { team: 'db' } } };
      const found = constraints(helmRender([], [...CREDENTIALS, 'topologySpread.zone=true'], ['--kube-version', '1.26.0', '--set-json', `topologySpreadConstraints=[${JSON.stringify(own)}]`]));
      expect(found).toHaveLength(2);
      expect(found[0]).not.toHaveProperty('matchLabelKeys');
      expect(found[1]).toEqual(own);
    });
  });

  describe('autoscaling', () => {
    it('keeps spec.replicas when autoscaling is turned on (minReplicas without a live Deployment), so the patch never removes it', () => {
      const off = one(helmRender([], [...CREDENTIALS, 'replicaCount=4']), 'Deployment').spec as { replicas?: number };
      const on = one(helmRender([], [...CREDENTIALS, 'replicaCount=4', 'autoscaling.enabled=true', 'autoscaling.minReplicas=3', 'autoscaling.maxReplicas=6']), 'Deployment')
        .spec as { replicas?: number };
      expect(off.replicas).toBe(4);
      expect(on.replicas).toBe(3);
    });

    it('reads the live Deployment’s count on install/upgrade (lookup), clamped to the HPA range', () => {
      const helpers = readFileSync(join(CHART, 'templates', '_helpers.tpl'), 'utf8');
      const replicas = helpers.slice(helpers.indexOf('define "orapool.replicas"'));
      expect(replicas).toMatch(/lookup "apps\/v1" "Deployment"/);
      expect(replicas).toMatch(/max \$min \(min \$max \$current\)/);
    });
  });

  describe('Grafana dashboard', () => {
    type Dashboard = {
      uid: string;
      title: string;
      panels: { title: string; targets?: { expr: string }[] }[];
      templating: { list: { name: string; query?: unknown; current?: { value: string } }[] };
    };
    const dashboard = (extra: string[], sets: string[] = []) =>
      JSON.parse((one(helmRender([], [...CREDENTIALS, ...sets], extra), 'ConfigMap', '-dashboard').data as Record<string, string>)['orapool.json']!) as Dashboard;

    it('gets a uid per release and namespace, so two releases do not overwrite each other in Grafana', () => {
      const a = dashboard(['--namespace', 'team-a']);
      const b = dashboard(['--namespace', 'team-b']);
      expect(a.uid).not.toBe(b.uid);
      expect(a.uid.length).toBeLessThanOrEqual(40);
      expect(a.title).toBe('orapool (team-a/orapool)');
      expect(a.templating.list.find((v) => v.name === 'namespace')?.current?.value).toBe('team-a');
    });

    it('filters every query by namespace, job, pod and instance', () => {
      const d = dashboard([]);
      expect(d.templating.list.map((v) => v.name)).toEqual(['datasource', 'namespace', 'job', 'pod', 'instance', 'session_budget']);
      const exprs = d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).filter((e) => e.includes('orapool_') || e.includes('nodejs_') || e.includes('process_'));
      expect(exprs.length).toBeGreaterThan(30);
      for (const expr of exprs) {
        // every selector in the expression carries all four matchers
        for (const selector of expr.match(/\{[^}]*\}/g) ?? []) {
          expect(selector, expr).toContain('namespace=~"$namespace",job=~"$job",pod=~"$pod",instance=~"$instance"');
        }
      }
    });

    it('has a fleet budget panel whose budget line is the chart’s database.maxSessions', () => {
      const d = dashboard([], ['database.maxSessions=250']);
      const fleet = d.panels.find((p) => p.title === 'Fleet sessions vs budget')!;
      expect(fleet.targets!.map((t) => t.expr)).toContain('vector(${session_budget}) > 0');
      expect(d.templating.list.find((v) => v.name === 'session_budget')).toMatchObject({ query: '250', current: { value: '250' } });
    });
  });

  describe('Chart.yaml', () => {
    it('has home, sources, maintainers, icon and Artifact Hub annotations', () => {
      const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, unknown> & { annotations: Record<string, string> };
      expect(chart.home).toMatch(/^https:\/\//);
      expect(chart.icon).toMatch(/^https:\/\//);
      expect(chart.sources).not.toHaveLength(0);
      expect(chart.maintainers).not.toHaveLength(0);
      expect(chart.annotations['artifacthub.io/license']).toBe('UPL-1.0');
      expect(parse(chart.annotations['artifacthub.io/links']!)).toContainEqual(expect.objectContaining({ name: 'Source' }));
      expect(parse(chart.annotations['artifacthub.io/changes']!)).not.toHaveLength(0);
    });
  });
});
