import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The rules that keep src/ readable from its file list. Each scans the real
 * files, so a change that breaks a rule fails here with the file named.
 */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const SIM_SRC = fileURLToPath(new URL('../../packages/oracle-sim/src/', import.meta.url));
const CATALOGUE = 'db/oracle-errors.ts';
const MAX_LINES = 300;

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(SRC, path).split('\\').join('/')] : [];
  });
}

const files = sourceFiles();
/** Relative to src/, like the rest: ../packages/oracle-sim/src/... */
const simFiles = sourceFiles(SIM_SRC);
const read = (file: string) => readFileSync(join(SRC, file), 'utf8');
/** Module specifiers of every import and export ... from in a file. */
const importsOf = (text: string) => [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);

describe('src/ structure', () => {
  it('finds the source files it checks', () => {
    expect(files).toContain(CATALOGUE);
    expect(files).toContain('db/pool.ts');
    expect(files.length).toBeGreaterThan(30);
  });

  it(`keeps every file at ${MAX_LINES} lines or fewer`, () => {
    const long = files.map((file) => [file, read(file).split('\n').length] as const).filter(([, lines]) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it(`keeps every simulator source file (packages/oracle-sim/src) at ${MAX_LINES} lines or fewer too`, () => {
    expect(simFiles).toContain('../packages/oracle-sim/src/server/session.ts');
    const long = simFiles.map((file) => [file, read(file).split('\n').length] as const).filter(([, lines]) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it(`spells Oracle error codes (NJS-, ORA-, DPI-, TNS-) only in the catalogue, ${CATALOGUE}`, () => {
    const spelled = files
      .filter((file) => file !== CATALOGUE)
      .flatMap((file) => [...read(file).matchAll(/\b(?:NJS|ORA|DPI|TNS)-\d+/g)].map((m) => `${file}: ${m[0]}`));
    expect(spelled).toEqual([]);
  });

  it('keeps HTTP out of src/db: no koa, no src/http, no status numbers, no Retry-After', () => {
    // What src/db may import: itself, the config and logger types, the version string, Node, the libraries it wraps,
    // and metrics/fast-histogram.ts (prom-client's histogram format at a fraction of its cost per observation).
    const allowed = (specifier: string) =>
      specifier.startsWith('./') ||
      specifier.startsWith('node:') ||
      ['../config/load.js', '../logger.js', '../version.js', '../metrics/fast-histogram.js', 'oracledb', 'winston', 'prom-client'].includes(specifier);
    const problems: string[] = [];
    for (const file of files.filter((f) => f.startsWith('db/'))) {
      const text = read(file);
      for (const specifier of importsOf(text)) if (!allowed(specifier)) problems.push(`${file} imports ${specifier}`);
      for (const m of text.matchAll(/\bAppError\b|Retry-After|\bctx\.|\bstatus(?:Code)?\s*[:=]\s*[1-5]\d\d\b/g)) problems.push(`${file}: ${m[0]}`);
    }
    expect(problems).toEqual([]);
  });

  it('lets only src/db import oracledb', () => {
    const outside = files.filter((file) => !file.startsWith('db/') && importsOf(read(file)).includes('oracledb'));
    expect(outside).toEqual([]);
  });
});
