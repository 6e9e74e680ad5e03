/**
 * Autoscaling on pool saturation (issue 10 §5): the HPA's metric choice, the
 * prometheus-adapter rules the chart renders for it, and the KEDA
 * ScaledObject, each rendered by the real helm and validated offline (the
 * Kubernetes schemas, KEDA's CRD schema). The queries the scalers run are
 * evaluated by promtool against the recording rules, so "held while the
 * database is the bottleneck" is shown on data, not read off a template.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { byKind, helmRender, helmTemplate, one, ROOT, run, validateAll, type K8sObject } from './helpers.js';

const PROMTOOL = '/usr/bin/promtool';
const RULES = join(ROOT, 'monitoring', 'orapool.rules.yml');
const CREDENTIALS = ['database.credentials.existingSecret=orapool-db'];
const POOL_HPA = ['autoscaling.enabled=true', 'autoscaling.metric=poolSaturation'];
const KEDA = ['autoscaling.keda.enabled=true', 'autoscaling.keda.serverAddress=http://prometheus:9090'];
// helm template names the release orapool in namespace orapool: fullname orapool, so job="orapool".
const SCOPE = 'namespace="orapool", job="orapool"';

type Metric = { type: string; external?: { metric: { name: string; selector: { matchLabels: Record<string, string> } }; target: { type: string; value: string } }; resource?: { name: string } };
type Trigger = { type: string; name: string; metricType: string; metadata: Record<string, string>; authenticationRef?: { name: string } };
type AdapterRule = { seriesQuery: string; metricsQuery: string; name: { matches: string; as: string }; resources: { overrides: Record<string, { resource: string }> } };

const hpaMetrics = (objects: K8sObject[]) => (one(objects, 'HorizontalPodAutoscaler').spec as { metrics: Metric[] }).metrics;
const triggers = (objects: K8sObject[]) => (one(objects, 'ScaledObject').spec as { triggers: Trigger[] }).triggers;
const adapterRules = (objects: K8sObject[]) =>
  (parse((one(objects, 'ConfigMap', 'prometheus-adapter-rules').data as Record<string, string>)['values.yaml']!) as { rules: { external: AdapterRule[] } }).rules.external;
const recorded = () =>
  new Set((parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { record?: string }[] }[] }).groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));

// Field names of the KEDA ScaledObject spec and of its Prometheus trigger, from the KEDA docs
// (reference/scaledobject-spec, scalers/prometheus). The CRD validator below checks types and
// required fields but lets unknown fields through; a misspelt one would be silently ignored by KEDA.
const SCALED_OBJECT_SPEC = ['scaleTargetRef', 'pollingInterval', 'cooldownPeriod', 'initialCooldownPeriod', 'idleReplicaCount', 'minReplicaCount', 'maxReplicaCount', 'fallback', 'advanced', 'triggers'];
const TRIGGER = ['type', 'name', 'metadata', 'metricType', 'authenticationRef', 'useCachedMetrics'];
const PROMETHEUS_METADATA = ['serverAddress', 'query', 'threshold', 'activationThreshold', 'namespace', 'customHeaders', 'ignoreNullValues', 'queryParameters', 'unsafeSsl', 'timeout'];
// prometheus-adapter's rule fields (docs/config.md): discovery, association, naming, querying.
const ADAPTER_RULE = ['seriesQuery', 'seriesFilters', 'resources', 'name', 'metricsQuery'];

describe('autoscaling', () => {
  describe('the HPA metric', () => {
    it('is CPU by default, with no pool metric and no adapter rules', () => {
      const objects = helmRender([], [...CREDENTIALS, 'autoscaling.enabled=true']);
      expect(hpaMetrics(objects).map((m) => m.resource?.name ?? m.type)).toEqual(['cpu']);
      expect(byKind(objects, 'ConfigMap').map((c) => c.metadata.name)).not.toContain('orapool-prometheus-adapter-rules');
    });

    it('is pool saturation as External metrics of this release (job), one per signal with its target as a Value', async () => {
      const objects = helmRender(['ci/pool-saturation-values.yaml'], []);
      expect(hpaMetrics(objects)).toEqual([
        { type: 'External', external: { metric: { name: 'orapool_pool_in_use_ratio', selector: { matchLabels: { job: 'orapool' } } }, target: { type: 'Value', value: '0.75' } } },
        { type: 'External', external: { metric: { name: 'orapool_pool_requests_waiting', selector: { matchLabels: { job: 'orapool' } } }, target: { type: 'Value', value: '2' } } },
        { type: 'External', external: { metric: { name: 'orapool_pool_acquire_p95_seconds', selector: { matchLabels: { job: 'orapool' } } }, target: { type: 'Value', value: '0.5' } } },
      ]);
      expect(await validateAll(objects)).toEqual([]);
    });

    it('leaves out a signal whose target is 0, never the in-use ratio', () => {
      const objects = helmRender([], [...CREDENTIALS, ...POOL_HPA, 'autoscaling.poolSaturation.requestsWaiting=0', 'autoscaling.poolSaturation.acquireP95Seconds=0']);
      expect(hpaMetrics(objects).map((m) => m.external?.metric.name)).toEqual(['orapool_pool_in_use_ratio']);
    });

    it('keeps extraMetrics beside the pool metrics', () => {
      const objects = helmRender([], [...CREDENTIALS, ...POOL_HPA], ['--set-json', 'autoscaling.extraMetrics=[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":90}}}]']);
      expect(hpaMetrics(objects).map((m) => m.external?.metric.name ?? m.resource?.name)).toEqual(['orapool_pool_in_use_ratio', 'orapool_pool_requests_waiting', 'orapool_pool_acquire_p95_seconds', 'cpu']);
    });

    it('is refused when it is neither cpu nor poolSaturation (values schema)', () => {
      const result = helmTemplate([], [...CREDENTIALS, 'autoscaling.enabled=true', 'autoscaling.metric=memory']);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/autoscaling\.metric|metric/);
    });
  });

  describe('the prometheus-adapter rules', () => {
    const objects = helmRender(['ci/pool-saturation-values.yaml'], []);
    const rules = adapterRules(objects);

    it('serve exactly the External metrics the HPA reads, each from a series the recording rules make', () => {
      expect(rules.map((r) => r.name.as)).toEqual(hpaMetrics(objects).map((m) => m.external!.metric.name));
      const records = recorded();
      for (const rule of rules) {
        expect(Object.keys(rule).filter((k) => !ADAPTER_RULE.includes(k)), 'unknown adapter rule fields').toEqual([]);
        const name = /__name__="([^"]+)"/.exec(rule.seriesQuery)![1]!;
        expect(records.has(name), `${name} is recorded in monitoring/orapool.rules.yml`).toBe(true);
        expect(new RegExp(rule.name.matches).test(name)).toBe(true);
        expect(rule.resources).toEqual({ overrides: { namespace: { resource: 'namespace' } } });
        expect(rule.metricsQuery).toContain(`${name}{<<.LabelMatchers>>}`);
      }
    });

    it('are values for the prometheus-community/prometheus-adapter chart (rules.external) in a ConfigMap that validates', async () => {
      const configMap = one(objects, 'ConfigMap', 'prometheus-adapter-rules');
      expect(configMap.metadata.name).toBe('orapool-prometheus-adapter-rules');
      expect(Object.keys(parse((configMap.data as Record<string, string>)['values.yaml']!) as object)).toEqual(['rules']);
      expect(await validateAll([configMap])).toEqual([]);
    });

    it('are not rendered when turned off', () => {
      const off = helmRender(['ci/pool-saturation-values.yaml'], ['autoscaling.prometheusAdapter.rulesConfigMap=false']);
      expect(byKind(off, 'ConfigMap').map((c) => c.metadata.name)).not.toContain('orapool-prometheus-adapter-rules');
    });
  });

  describe('KEDA', () => {
    const objects = helmRender(['ci/keda-values.yaml'], []);
    const scaledObject = one(objects, 'ScaledObject');
    const spec = scaledObject.spec as Record<string, unknown> & { minReplicaCount: number; maxReplicaCount: number; scaleTargetRef: { name: string } };

    it('renders a ScaledObject that validates against the KEDA CRD schema, and no HPA of the chart', async () => {
      expect(scaledObject.apiVersion).toBe('keda.sh/v1alpha1');
      expect(await validateAll(objects)).toEqual([]);
      expect(byKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
      expect(spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: one(objects, 'Deployment').metadata.name });
      expect(Object.keys(spec).filter((k) => !SCALED_OBJECT_SPEC.includes(k)), 'unknown ScaledObject spec fields').toEqual([]);
      for (const trigger of triggers(objects)) {
        expect(Object.keys(trigger).filter((k) => !TRIGGER.includes(k)), 'unknown trigger fields').toEqual([]);
        expect(Object.keys(trigger.metadata).filter((k) => !PROMETHEUS_METADATA.includes(k)), 'unknown prometheus metadata').toEqual([]);
        // KEDA reads every metadata value as a string.
        for (const value of Object.values(trigger.metadata)) expect(typeof value).toBe('string');
      }
    });

    it('scales between autoscaling.minReplicas and maxReplicas, with the HPA behavior', () => {
      expect(spec.minReplicaCount).toBe(2);
      expect(spec.maxReplicaCount).toBe(5);
      expect(spec.advanced).toEqual({ horizontalPodAutoscalerConfig: { behavior: { scaleUp: { stabilizationWindowSeconds: 60 } } } });
      // A live Deployment's replicas stay in the manifest (clamped), as with the chart's HPA.
      expect((one(objects, 'Deployment').spec as { replicas: number }).replicas).toBe(2);
    });

    it('has one Prometheus trigger per signal, scoped to this release, as a Value against its target', () => {
      expect(triggers(objects).map((t) => [t.name, t.metricType, t.metadata.threshold])).toEqual([
        ['pool-in-use-ratio', 'Value', '0.7'],
        ['pool-acquire-p95', 'Value', '0.25'],
      ]);
      for (const trigger of triggers(objects)) {
        expect(trigger.type).toBe('prometheus');
        expect(trigger.metadata.serverAddress).toBe('http://prometheus-operated.monitoring.svc:9090');
        expect(trigger.metadata.ignoreNullValues).toBe('false');
        expect(trigger.authenticationRef).toEqual({ name: 'prometheus-reader' });
        for (const [, matchers] of trigger.metadata.query!.matchAll(/\{([^}]*)\}/g)) expect(matchers).toBe(SCOPE);
      }
    });

    it('queries the bare signal when holdOnDatabaseBottleneck is off', () => {
      const plain = helmRender(['ci/keda-values.yaml'], ['autoscaling.poolSaturation.holdOnDatabaseBottleneck=false']);
      expect(triggers(plain).map((t) => t.metadata.query)).toEqual([`orapool:pool_in_use:ratio{${SCOPE}}`, `orapool:pool_acquire_duration_seconds:p95_rate2m{${SCOPE}}`]);
    });

    it('is refused together with the chart HPA, and without a Prometheus address', () => {
      const both = helmTemplate([], [...CREDENTIALS, ...KEDA, 'autoscaling.enabled=true']);
      expect(both.status).not.toBe(0);
      expect(both.stderr).toContain('autoscaling.enabled and autoscaling.keda.enabled are both true');
      const noServer = helmTemplate([], [...CREDENTIALS, 'autoscaling.keda.enabled=true']);
      expect(noServer.status).not.toBe(0);
      expect(noServer.stderr).toContain('autoscaling.keda.enabled needs autoscaling.keda.serverAddress');
    });

    it('goes through the connection budget guard: maxReplicaCount is the maxReplicas it counts', () => {
      const sets = [...CREDENTIALS, ...KEDA, 'autoscaling.minReplicas=2', 'autoscaling.maxReplicas=10', 'minReadySeconds=30', 'config.DB_POOL_MAX=10'];
      const over = helmTemplate([], [...sets, 'database.maxSessions=189']);
      expect(over.status).not.toBe(0);
      expect(over.stderr).toContain('(autoscaling.maxReplicas 10 + rollout maxSurge 1 + draining 8) x DB_POOL_MAX 10 = 190');
      const fits = helmTemplate([], [...sets, 'database.maxSessions=190']);
      expect(fits.status, fits.stderr).toBe(0);
      expect(fits.stdout).toContain('orapool.io/max-database-sessions: "190"');
    });

    it('refuses minReplicas above maxReplicas, as for the HPA', () => {
      const result = helmTemplate([], [...CREDENTIALS, ...KEDA, 'autoscaling.minReplicas=5', 'autoscaling.maxReplicas=4']);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('autoscaling.minReplicas (5) must be <= autoscaling.maxReplicas (4)');
    });
  });

  describe('the queries the scalers run, evaluated by promtool on the recording rules', () => {
    const pod = (instance: string) => `${SCOPE}, instance="${instance}"`;
    const series = (name: string, labels: string, values: string) => ({ series: `${name}{${labels}}`, values });
    // Six hours of round-trips within 1 ms, then 15 minutes at 20 ms (slow) or still within 1 ms.
    const roundTrips = (labels: string, slow: boolean) => [
      ...['0.001', '0.0025', '0.005', '0.01'].map((le) => series('orapool_database_round_trip_seconds_bucket', `${labels}, le="${le}"`, slow ? '0+60x360 21600x15' : '0+60x375')),
      ...['0.025', '+Inf'].map((le) => series('orapool_database_round_trip_seconds_bucket', `${labels}, le="${le}"`, '0+60x375')),
    ];
    // Two pods with every connection in use, 3 requests waiting each, every borrow waiting between 1 and 2.5 s.
    const saturated = (slowDatabase: boolean) =>
      ['a:5001', 'b:5001'].flatMap((instance) => [
        series('orapool_pool_connections_in_use', pod(instance), '10x375'),
        series('orapool_pool_max_connections', pod(instance), '10x375'),
        series('orapool_pool_requests_waiting', pod(instance), '3x375'),
        series('orapool_pool_acquire_duration_seconds_bucket', `${pod(instance)}, le="1"`, '0x375'),
        series('orapool_pool_acquire_duration_seconds_bucket', `${pod(instance)}, le="2.5"`, '0+60x375'),
        series('orapool_pool_acquire_duration_seconds_bucket', `${pod(instance)}, le="+Inf"`, '0+60x375'),
        series('orapool_pool_acquire_duration_seconds_count', pod(instance), '0+60x375'),
        ...roundTrips(pod(instance), slowDatabase),
      ]);

    /** Evaluate each query as a recording rule beside our rules; returns promtool's result. */
    function evaluate(queries: Record<string, string>, cases: { name: string; slow: boolean; expect: Record<string, number> }[]) {
      const dir = mkdtempSync(join(tmpdir(), 'orapool-scaler-'));
      try {
        const ours = parse(readFileSync(RULES, 'utf8')) as { groups: unknown[] };
        const rendered = { name: 'rendered-scaler-queries', rules: Object.entries(queries).map(([record, expr]) => ({ record, expr })) };
        writeFileSync(join(dir, 'rules.yml'), stringify({ groups: [...ours.groups, rendered] }));
        writeFileSync(
          join(dir, 'test.yml'),
          stringify({
            rule_files: ['rules.yml'],
            evaluation_interval: '1m',
            tests: cases.map((c) => ({
              name: c.name,
              interval: '1m',
              input_series: saturated(c.slow),
              // Rounded to thousandths: a histogram quantile is not exact in floating point.
              promql_expr_test: Object.entries(c.expect).map(([record, value]) => ({
                expr: `round(1000 * ${record})`,
                eval_time: '372m',
                exp_samples: [{ labels: `{${SCOPE}}`, value: Math.round(value * 1000) }],
              })),
            })),
          }),
        );
        return run(PROMTOOL, ['test', 'rules', join(dir, 'test.yml')]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }

    it('KEDA: the signals when the pods are the bottleneck, each target when the database is (scale-out held)', () => {
      const queries = Object.fromEntries(
        triggers(helmRender([], [...CREDENTIALS, ...KEDA])).map((t) => [`keda:${t.name.replace(/-/g, '_')}`, t.metadata.query!]),
      );
      expect(Object.keys(queries)).toEqual(['keda:pool_in_use_ratio', 'keda:pool_requests_waiting', 'keda:pool_acquire_p95']);
      const result = evaluate(queries, [
        // p95 of waits spread over (1, 2.5]: 1 + 0.95 x 1.5.
        { name: 'pods are the bottleneck: scale out', slow: false, expect: { 'keda:pool_in_use_ratio': 1, 'keda:pool_requests_waiting': 3, 'keda:pool_acquire_p95': 2.425 } },
        { name: 'database is the bottleneck: hold', slow: true, expect: { 'keda:pool_in_use_ratio': 0.7, 'keda:pool_requests_waiting': 1, 'keda:pool_acquire_p95': 0.25 } },
      ]);
      expect(result.status, result.stdout + result.stderr).toBe(0);
    });

    it('prometheus-adapter: the same, with <<.LabelMatchers>> as the adapter fills it for this HPA', () => {
      const rules = adapterRules(helmRender([], [...CREDENTIALS, ...POOL_HPA]));
      const queries = Object.fromEntries(rules.map((r) => [`adapter:${r.name.as}`, r.metricsQuery.replaceAll('<<.LabelMatchers>>', SCOPE)]));
      const result = evaluate(queries, [
        { name: 'pods are the bottleneck: scale out', slow: false, expect: { 'adapter:orapool_pool_in_use_ratio': 1, 'adapter:orapool_pool_requests_waiting': 3, 'adapter:orapool_pool_acquire_p95_seconds': 2.425 } },
        { name: 'database is the bottleneck: hold', slow: true, expect: { 'adapter:orapool_pool_in_use_ratio': 0.7, 'adapter:orapool_pool_requests_waiting': 1, 'adapter:orapool_pool_acquire_p95_seconds': 0.25 } },
      ]);
      expect(result.status, result.stdout + result.stderr).toBe(0);
    });
  });
});
