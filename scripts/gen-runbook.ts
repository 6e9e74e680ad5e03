/**
 * Generates the rule facts in docs/runbook.md from monitoring/orapool.rules.yml:
 * the index table (alert, severity, for, page or ticket, expression), the
 * table of recording rules, and in each alert's section the expression,
 * `for`, severity and the rule's own description, so thresholds are never
 * retyped by hand. The sections' prose (what it means, confirm, act, why
 * these numbers) is hand-written around the blocks. An alert without a
 * section gets a skeleton appended whose TODO the doc test rejects, so a new
 * alert cannot ship without its runbook.
 *
 *   npm run gen:runbook            rewrite
 *   npm run gen:runbook -- --check exit 1 on drift (test/docs/runbook.test.ts)
 */
import { isMap, isSeq, parse, parseDocument, type Pair, type YAMLMap } from 'yaml';
import { cell, readRepo, replaceBlock, runGenerator, stamp } from './doc-blocks.js';

export const RUNBOOK = 'docs/runbook.md';
export const RULES = 'monitoring/orapool.rules.yml';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: { severity?: string };
  annotations?: { summary?: string; description?: string; runbook_url?: string };
}

export interface RecordingRule {
  record: string;
  expr: string;
}

const allRules = (text: string, group?: string) =>
  (parse(text) as { groups: { name: string; rules: (AlertRule | RecordingRule)[] }[] }).groups
    .filter((g) => group === undefined || g.name === group)
    .flatMap((g) => g.rules);

export function alertRules(text: string = readRepo(RULES)): AlertRule[] {
  return allRules(text).filter((r): r is AlertRule => 'alert' in r);
}

/** The recording rules of the whole file, or of one group. */
export function recordingRules(text: string = readRepo(RULES), group?: string): RecordingRule[] {
  return allRules(text, group).filter((r): r is RecordingRule => 'record' in r);
}

/**
 * The comment written above a rule's `expr` (why these thresholds and this
 * `for`), by rule name, and the comment above a group's `rules` (the SLOs),
 * by group name. Kept in the rules file next to the numbers it justifies.
 */
export function ruleComments(text: string = readRepo(RULES)): { rules: Map<string, string>; groups: Map<string, string> } {
  const doc = parseDocument(text);
  const rules = new Map<string, string>();
  const groups = new Map<string, string>();
  const commentOf = (map: YAMLMap, key: string) => {
    const pair = map.items.find((p) => (p.key as { value?: unknown }).value === key) as Pair<{ commentBefore?: string }> | undefined;
    return (pair?.key?.commentBefore ?? '').split('\n').map((l) => l.trim()).join(' ').trim();
  };
  const list = doc.get('groups');
  if (!isSeq(list)) return { rules, groups };
  for (const group of list.items) {
    if (!isMap(group)) continue;
    groups.set(String(group.get('name')), commentOf(group, 'rules'));
    const items = group.get('rules');
    if (!isSeq(items)) continue;
    for (const rule of items.items) {
      if (isMap(rule)) rules.set(String(rule.get('alert') ?? rule.get('record')), commentOf(rule, 'expr'));
    }
  }
  return { rules, groups };
}

/** What an on-call engineer gets: critical pages, warning is a ticket. */
const response = (severity?: string) => (severity === 'critical' ? 'page' : 'ticket');

/** The anchor GitHub gives a heading that is exactly the alert name. */
export const anchor = (alert: string) => alert.toLowerCase();

const STAMP = stamp('scripts/gen-runbook.ts', RULES, 'npm run gen:runbook');

function indexBlock(rules: AlertRule[]): string {
  return [
    STAMP,
    '',
    '| Alert | Severity | Response | For | Fires when (PromQL) |',
    '| --- | --- | --- | --- | --- |',
    ...rules.map(
      (r) => `| [${r.alert}](#${anchor(r.alert)}) | ${r.labels?.severity ?? '-'} | ${response(r.labels?.severity)} | ${r.for ?? '0m'} | \`${cell(r.expr.trim())}\` |`,
    ),
  ].join('\n');
}

/** A rule group's own comment, then its recorded series and their expressions. */
function recordsBlock(records: RecordingRule[], comment: string): string {
  return [
    STAMP,
    '',
    comment,
    '',
    '| Recorded series | Expression |',
    '| --- | --- |',
    ...records.map((r) => `| \`${r.record}\` | \`${cell(r.expr.trim())}\` |`),
  ].join('\n');
}

/** The hand-written part of a new alert's section, to be filled in before the doc test passes. */
function skeleton(alert: string): string {
  return [
    `## ${alert}`,
    '',
    `<!-- rule:${alert}:start -->`,
    `<!-- rule:${alert}:end -->`,
    '',
    '**What it means.** TODO',
    '',
    '**Confirm.** TODO',
    '',
    '**Act.** TODO',
    '',
  ].join('\n');
}

function ruleBlock(r: AlertRule, why: string): string {
  if (!why) throw new Error(`${RULES}: ${r.alert} has no comment above its expr saying why these thresholds and this for`);
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
    '',
    `**Why these numbers.** ${why}`,
  ].join('\n');
}

export function renderRunbook(current: string = readRepo(RUNBOOK)): string {
  const rules = alertRules();
  let text = replaceBlock(current, 'runbook-index', indexBlock(rules), RUNBOOK);
  const comments = ruleComments();
  for (const [block, group] of [['runbook-slos', 'orapool-slo'], ['runbook-autoscaling', 'orapool-autoscaling']] as const) {
    text = replaceBlock(text, block, recordsBlock(recordingRules(readRepo(RULES), group), comments.groups.get(group) ?? ''), RUNBOOK);
  }
  for (const r of rules) if (!text.includes(`<!-- rule:${r.alert}:start -->`)) text = `${text.trimEnd()}\n\n${skeleton(r.alert)}`;
  for (const r of rules) text = replaceBlock(text, `rule:${r.alert}`, ruleBlock(r, comments.rules.get(r.alert) ?? ''), RUNBOOK);
  return text;
}

export const renderAll = () => new Map([[RUNBOOK, renderRunbook()]]);

if (import.meta.url === `file://${process.argv[1]}`) runGenerator(renderAll, 'npm run gen:runbook');
