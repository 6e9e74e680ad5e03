/**
 * Generates the rule facts in docs/runbook.md from monitoring/orapool.rules.yml:
 * the index table, and in each alert's section the expression, `for`, severity
 * and the rule's own description, so thresholds are never retyped by hand.
 * The sections' prose (confirm, act) is hand-written around the blocks.
 *
 *   npm run gen:runbook            rewrite
 *   npm run gen:runbook -- --check exit 1 on drift (test/docs/runbook.test.ts)
 */
import { parse } from 'yaml';
import { cell, readRepo, replaceBlock, runGenerator, stamp } from './doc-blocks.js';

export const RUNBOOK = 'docs/runbook.md';
export const RULES = 'monitoring/orapool.rules.yml';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: { severity?: string };
  annotations?: { summary?: string; description?: string };
}

export function alertRules(text: string = readRepo(RULES)): AlertRule[] {
  const doc = parse(text) as { groups: { rules: (AlertRule | { record: string })[] }[] };
  return doc.groups.flatMap((g) => g.rules).filter((r): r is AlertRule => 'alert' in r);
}

/** The anchor GitHub gives a heading that is exactly the alert name. */
export const anchor = (alert: string) => alert.toLowerCase();

const STAMP = stamp('scripts/gen-runbook.ts', RULES, 'npm run gen:runbook');

function indexBlock(rules: AlertRule[]): string {
  return [
    STAMP,
    '',
    '| Alert | Severity | For | Fires when (PromQL) |',
    '| --- | --- | --- | --- |',
    ...rules.map((r) => `| [${r.alert}](#${anchor(r.alert)}) | ${r.labels?.severity ?? '-'} | ${r.for ?? '0m'} | \`${cell(r.expr.trim())}\` |`),
  ].join('\n');
}

function ruleBlock(r: AlertRule): string {
  return [
    STAMP,
    '',
    `**Severity** ${r.labels?.severity ?? '-'}, **for** ${r.for ?? '0m'}. **Fires when:**`,
    '',
    '```promql',
    r.expr.trim(),
    '```',
    '',
    `> ${(r.annotations?.description ?? r.annotations?.summary ?? '').trim().replace(/\s*\n\s*/g, ' ')}`,
  ].join('\n');
}

export function renderRunbook(current: string = readRepo(RUNBOOK)): string {
  const rules = alertRules();
  let text = replaceBlock(current, 'runbook-index', indexBlock(rules), RUNBOOK);
  for (const r of rules) text = replaceBlock(text, `rule:${r.alert}`, ruleBlock(r), RUNBOOK);
  return text;
}

export const renderAll = () => new Map([[RUNBOOK, renderRunbook()]]);

if (import.meta.url === `file://${process.argv[1]}`) runGenerator(renderAll, 'npm run gen:runbook');
