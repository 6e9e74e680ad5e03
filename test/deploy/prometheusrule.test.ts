/**
 * The chart's PrometheusRule: the rules file fitted to one release (selectors
 * scoped to its namespace and job, runbook base URL), with the values that
 * turn alerts off, label them and add rule groups. Rendered with the real
 * helm, checked with the real promtool.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { helmRender, helmTemplate, one, ROOT, run, validateK8s } from './helpers.js';

const PROMTOOL = '/usr/bin/promtool';
const DEFAULT_BASE = 'https://github.com/orapool/orapool/blob/main/docs/runbook.md';

interface Rule { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
interface Spec { groups: { name: string; rules: Rule[] }[] }

const source = parse(readFileSync(join(ROOT, 'monitoring', 'orapool.rules.yml'), 'utf8')) as Spec;
const sourceAlerts = source.groups.flatMap((g) => g.rules).flatMap((r) => (r.alert ? [r.alert] : []));

const dir = mkdtempSync(join(tmpdir(), 'orapool-prometheusrule-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function render(sets: string[] = [], extra: string[] = []): Spec {
  return one(helmRender(['values-prod.yaml'], ['monitoring.assumeCrds=true', ...sets], extra), 'PrometheusRule').spec as unknown as Spec;
}
const rulesOf = (spec: Spec) => spec.groups.flatMap((g) => g.rules);
const alertsOf = (spec: Spec) => rulesOf(spec).filter((r) => r.alert);

/** Every series selector in a PromQL expression: name{matchers} or a bare name. */
const selectors = (expr: string) => [...expr.matchAll(/\b((?:orapool[_:]|up\b)[A-Za-z0-9_:]*)(\{[^}]*\})?/g)].map((m) => ({ name: m[1]!, matchers: m[2] ?? '' }));

describe('PrometheusRule (helm/orapool/templates/prometheusrule.yaml)', () => {
  const spec = render();

  it('validates against the Prometheus Operator CRD schema', async () => {
    expect(await validateK8s(one(helmRender(['values-prod.yaml'], ['monitoring.assumeCrds=true']), 'PrometheusRule'))).toBeUndefined();
  });

  it('ships every rule of the rules file, with the same names, for, labels and annotations', () => {
    const strip = (r: Rule) => ({ ...r, expr: undefined });
    expect(rulesOf(spec).map(strip)).toEqual(source.groups.flatMap((g) => g.rules).map(strip));
    expect(spec.groups.map((g) => g.name)).toEqual(source.groups.map((g) => g.name));
  });

  it("scopes every series selector to the release's namespace and job (the ServiceMonitor's job is the fullname)", () => {
    const scoped = '{namespace="orapool", job="orapool"';
    let count = 0;
    for (const rule of rulesOf(spec)) {
      for (const s of selectors(rule.expr)) {
        count++;
        expect(s.matchers.startsWith(scoped), `${rule.alert ?? rule.record}: ${s.name}${s.matchers}`).toBe(true);
      }
    }
    expect(count).toBeGreaterThan(60);
    const withOverride = render(['fullnameOverride=shop']);
    expect(alertsOf(withOverride).find((r) => r.alert === 'OrapoolTargetAbsent')!.expr).toBe('absent(up{namespace="orapool", job="shop"})');
  });

  it('passes promtool check rules', () => {
    const file = join(dir, 'spec.yml');
    writeFileSync(file, JSON.stringify(spec));
    const result = run(PROMTOOL, ['check', 'rules', file]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it("fires only on its own release's series when two releases share a Prometheus (promtool)", () => {
    const rules = join(dir, 'shop.rules.yml');
    writeFileSync(rules, JSON.stringify(render(['fullnameOverride=shop'])));
    const series = (job: string, name: string, value: string) => ({ series: `${name}{namespace="orapool", job="${job}", instance="${job}:5001"}`, values: value });
    const tests = {
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [
          series('shop', 'orapool_database_up', '1x10'), series('shop', 'orapool_pool_up', '1x10'),
          series('billing', 'orapool_database_up', '0x10'), series('billing', 'orapool_pool_up', '1x10'),
          series('shop', 'up', '1x10'),
        ],
        alert_rule_test: [
          { eval_time: '5m', alertname: 'OrapoolDatabaseUnreachable', exp_alerts: [] },
          { eval_time: '15m', alertname: 'OrapoolTargetAbsent', exp_alerts: [] },
        ],
      }, {
        interval: '1m',
        input_series: [series('shop', 'orapool_database_up', '0x10'), series('shop', 'orapool_pool_up', '1x10')],
        alert_rule_test: [{
          eval_time: '5m',
          alertname: 'OrapoolDatabaseUnreachable',
          exp_alerts: [{
            exp_labels: { severity: 'critical', namespace: 'orapool', job: 'shop' },
            exp_annotations: {
              summary: 'shop in namespace orapool cannot reach the database from any pod',
              description: 'The database probe has failed (or the pool could not be created) on every pod of shop in orapool for 2 minutes: every request needing it fails (/readyz is 503 everywhere, or under READINESS_DATABASE=startup the pods stay ready and answer 503 DATABASE_UNAVAILABLE at once). Check the database, the network path and the credentials (pod logs name the ORA- code).',
              runbook_url: `${DEFAULT_BASE}#orapooldatabaseunreachable`,
            },
          }],
        }],
      }],
    };
    const file = join(dir, 'shop.test.yml');
    writeFileSync(file, stringify(tests));
    const result = run(PROMTOOL, ['test', 'rules', file]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('points runbook_url at the project runbook by default, and at monitoring.prometheusRule.runbookBaseUrl when set', () => {
    for (const rule of alertsOf(spec)) expect(rule.annotations?.runbook_url).toBe(`${DEFAULT_BASE}#${rule.alert!.toLowerCase()}`);
    const custom = render(['monitoring.prometheusRule.runbookBaseUrl=https://wiki.example.com/ops/orapool/']);
    for (const rule of alertsOf(custom)) expect(rule.annotations?.runbook_url).toBe(`https://wiki.example.com/ops/orapool#${rule.alert!.toLowerCase()}`);
  });

  it('leaves out the alerts named in monitoring.prometheusRule.disabled, and only those', () => {
    const trimmed = render(['monitoring.prometheusRule.disabled={OrapoolSlowHolds,OrapoolTargetDown}']);
    const names = alertsOf(trimmed).map((r) => r.alert);
    expect(names).not.toContain('OrapoolSlowHolds');
    expect(names).not.toContain('OrapoolTargetDown');
    expect(names).toEqual(sourceAlerts.filter((a) => a !== 'OrapoolSlowHolds' && a !== 'OrapoolTargetDown'));
    // Recording rules stay: the burn-rate alerts that remain need them.
    expect(rulesOf(trimmed).filter((r) => r.record)).toHaveLength(rulesOf(spec).filter((r) => r.record).length);
  });

  it('fails the render when disabled names an alert that does not exist (a typo would otherwise page)', () => {
    const result = helmTemplate(['values-prod.yaml'], ['monitoring.assumeCrds=true', 'monitoring.prometheusRule.disabled={OrapoolSlowHold}']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('monitoring.prometheusRule.disabled names OrapoolSlowHold, which is not an alert');
  });

  it('adds monitoring.prometheusRule.additionalLabels to every alert, without overriding severity', () => {
    const labelled = render(['monitoring.prometheusRule.additionalLabels.team=dba', 'monitoring.prometheusRule.additionalLabels.severity=info']);
    const original = new Map(alertsOf(spec).map((r) => [r.alert, r.labels?.severity]));
    for (const rule of alertsOf(labelled)) {
      expect(rule.labels, rule.alert).toEqual({ severity: original.get(rule.alert), team: 'dba' });
    }
    for (const rule of rulesOf(labelled).filter((r) => r.record)) expect(rule.labels).toBeUndefined();
  });

  it('appends monitoring.prometheusRule.additionalRules as rule groups, unchanged', () => {
    const extra = {
      monitoring: {
        prometheusRule: {
          additionalRules: [{
            name: 'orapool-local',
            rules: [{ alert: 'OrapoolLocalCheck', expr: 'vector(1) > 2', for: '5m', labels: { severity: 'warning' }, annotations: { summary: 'local' } }],
          }],
        },
      },
    };
    const file = join(dir, 'extra-values.yaml');
    writeFileSync(file, stringify(extra));
    const withExtra = render([], ['-f', file]);
    expect(withExtra.groups.at(-1)).toEqual(extra.monitoring.prometheusRule.additionalRules[0]);
    expect(withExtra.groups).toHaveLength(spec.groups.length + 1);
  });

  describe('values schema', () => {
    const rejects = (sets: string[], message: RegExp) => {
      const result = helmTemplate(['values-prod.yaml'], ['monitoring.assumeCrds=true', ...sets]);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(message);
    };
    it('rejects disabled given as a string instead of a list', () => rejects(['monitoring.prometheusRule.disabled=OrapoolSlowHolds'], /disabled/));
    it('rejects a runbookBaseUrl that is not an http(s) URL or already carries an anchor', () => {
      rejects(['monitoring.prometheusRule.runbookBaseUrl=docs/runbook.md'], /runbookBaseUrl/);
      rejects(['monitoring.prometheusRule.runbookBaseUrl=https://x.example/r.md#top'], /runbookBaseUrl/);
    });
    it('rejects an additional rule group without rules', () => rejects(['monitoring.prometheusRule.additionalRules[0].name=x'], /additionalRules/));
  });
});
