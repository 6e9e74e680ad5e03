/** helm/orapool/README.md's tables are generated from the values files; every value is documented. */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHART_README, documentedValues, renderChartReadme, VALUES } from '../../scripts/gen-chart-readme.js';
import { read } from './markdown.js';

/** Dotted paths of every leaf of a values tree (arrays and empty maps are leaves). */
function leaves(node: unknown, prefix = ''): string[] {
  if (node === null || typeof node !== 'object' || Array.isArray(node) || Object.keys(node).length === 0) return [prefix];
  return Object.entries(node as Record<string, unknown>).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

describe('helm/orapool/README.md', () => {
  it('is exactly what npm run gen:chart-readme writes (values table and environments table)', () => {
    const current = read(CHART_README);
    expect(current).toBe(renderChartReadme(current));
  });

  it('documents every value in values.yaml, itself or through a documented parent', () => {
    const documented = documentedValues().map((d) => d.key);
    const undocumented = leaves(parse(read(VALUES))).filter((leaf) => !documented.some((k) => leaf === k || leaf.startsWith(`${k}.`)));
    expect(undocumented).toEqual([]);
  });

  it('lists every setting of the generated config: block', () => {
    const config = Object.keys((parse(read(VALUES)) as { config: Record<string, unknown> }).config);
    const keys = new Set(documentedValues().map((d) => d.key));
    expect(config.filter((k) => !keys.has(`config.${k}`))).toEqual([]);
  });

  it('covers install order, the budget guard, the wallet and the Prometheus Operator objects', () => {
    const text = read(CHART_README);
    for (const heading of ['## Install', '## The connection budget guard', '## Wallet', '## Prometheus Operator objects', '## Values']) {
      expect(text).toContain(heading);
    }
    const install = text.split('## Install')[1]!;
    const ns = install.indexOf('kubectl create namespace');
    const secret = install.indexOf('create secret generic');
    const helm = install.indexOf('helm upgrade --install');
    expect(ns).toBeGreaterThanOrEqual(0);
    expect(ns).toBeLessThan(secret);
    expect(secret).toBeLessThan(helm);
  });
});
