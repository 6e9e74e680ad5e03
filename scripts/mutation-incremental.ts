/**
 * Rewrites Stryker's incremental result (reports/stryker-incremental.json, which
 * is committed) in a canonical form, so a re-run that changed nothing leaves
 * git clean. Stryker writes files, mutants and tests in completion order and
 * numbers them as it goes: two identical runs differ on most lines. Here files
 * are sorted by path, mutants by location, tests by file and name, ids are
 * renumbered in that order (coveredBy/killedBy follow), and the machine's
 * absolute projectRoot is dropped. Stryker matches mutants by location and
 * tests by name, not by id, so the result is reused as before. Results for
 * files (source or test) that no longer exist are dropped: Stryker keeps every
 * mutant outside the current run's --mutate, moved files included.
 *
 *   tsx scripts/mutation-incremental.ts [reports/stryker-incremental.json]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

interface Position {
  line: number;
  column: number;
}
interface Mutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  location: { start: Position; end: Position };
  coveredBy?: string[];
  killedBy?: string[];
  [key: string]: unknown;
}
interface Test {
  id: string;
  name: string;
  location?: { start: Position };
  [key: string]: unknown;
}
interface Report {
  files: Record<string, { mutants: Mutant[]; [key: string]: unknown }>;
  testFiles?: Record<string, { tests: Test[]; [key: string]: unknown }>;
  projectRoot?: string;
  [key: string]: unknown;
}

const byPosition = (a: Position, b: Position): number => a.line - b.line || a.column - b.column;
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function canonical(report: Report, exists: (path: string) => boolean = existsSync): Report {
  const testIds = new Map<string, string>();
  /** Tests of test files that no longer exist: no mutant may still name them. */
  const gone = new Set(
    Object.entries(report.testFiles ?? {})
      .filter(([f]) => !exists(f))
      .flatMap(([, entry]) => entry.tests.map((t) => t.id)),
  );
  const testFiles: NonNullable<Report['testFiles']> = {};
  let nextTest = 0;
  for (const file of Object.keys(report.testFiles ?? {})
    .filter((f) => exists(f))
    .sort()) {
    const entry = report.testFiles![file]!;
    const tests = [...entry.tests].sort(
      (a, b) => compareText(a.name, b.name) || byPosition(a.location?.start ?? { line: 0, column: 0 }, b.location?.start ?? { line: 0, column: 0 }),
    );
    testFiles[file] = {
      ...entry,
      tests: tests.map((t) => {
        const id = String(nextTest++);
        testIds.set(t.id, id);
        return { ...t, id };
      }),
    };
  }
  const renumber = (ids: string[] | undefined) =>
    ids
      ?.filter((id) => !gone.has(id))
      .map((id) => testIds.get(id) ?? id)
      .sort((a, b) => Number(a) - Number(b));

  const files: Report['files'] = {};
  let nextMutant = 0;
  for (const file of Object.keys(report.files)
    .filter((f) => exists(f))
    .sort()) {
    const entry = report.files[file]!;
    const mutants = [...entry.mutants].sort(
      (a, b) =>
        byPosition(a.location.start, b.location.start) ||
        byPosition(a.location.end, b.location.end) ||
        compareText(a.mutatorName, b.mutatorName) ||
        compareText(a.replacement ?? '', b.replacement ?? ''),
    );
    files[file] = {
      ...entry,
      // relativeFileName: Stryker adds it to the mutants it keeps from outside
      // the run's --mutate; the file's key already says it.
      mutants: mutants.map(({ relativeFileName: _sameAsKey, ...m }) => ({
        ...m,
        id: String(nextMutant++),
        ...(m.coveredBy ? { coveredBy: renumber(m.coveredBy) } : {}),
        ...(m.killedBy ? { killedBy: renumber(m.killedBy) } : {}),
      })),
    };
  }
  const { projectRoot: _machineSpecific, ...rest } = report;
  return { ...rest, files, ...(report.testFiles ? { testFiles } : {}) };
}

const path = process.argv[2] ?? 'reports/stryker-incremental.json';
const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
writeFileSync(path, `${JSON.stringify(canonical(report), null, 2)}\n`);
console.log(`${path}: canonical order written`);
