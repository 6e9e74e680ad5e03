/** Every alert has a runbook section under its own name, every section an alert, and the rule facts are generated. */
import { describe, expect, it } from 'vitest';
import { alertRules, anchor, renderRunbook, RUNBOOK } from '../../scripts/gen-runbook.js';
import { anchors, read } from './markdown.js';

const runbook = read(RUNBOOK);
const alerts = alertRules().map((r) => r.alert);
const sections = [...runbook.matchAll(/^## (\S+)\s*$/gm)].map((m) => m[1]!).filter((h) => /^Orapool[A-Z]/.test(h));

describe('docs/runbook.md', () => {
  it('the rules file has alerts at all', () => {
    expect(alerts.length).toBeGreaterThan(0);
  });

  it('has a section, anchored by the alert name, for every alert in monitoring/orapool.rules.yml', () => {
    const have = anchors(runbook);
    expect(alerts.filter((a) => !have.has(anchor(a)))).toEqual([]);
  });

  it('has no section for an alert the rules file lacks', () => {
    expect(sections.filter((s) => !alerts.includes(s))).toEqual([]);
  });

  it('each section says what it means, how to confirm and what to do', () => {
    for (const alert of alerts) {
      const body = runbook.split(new RegExp(`^## ${alert}\\s*$`, 'm'))[1]?.split(/^## /m)[0] ?? '';
      expect(body, alert).toContain('**What it means.**');
      expect(body, alert).toContain('**Confirm.**');
      expect(body, alert).toContain('**Act.**');
      expect(body, alert).toContain('**Why these numbers.**');
      expect(body, `${alert}: the skeleton npm run gen:runbook appended is not filled in`).not.toContain('TODO');
    }
  });

  it('carries the rule facts exactly as npm run gen:runbook writes them', () => {
    expect(runbook).toBe(renderRunbook(runbook));
  });
});
