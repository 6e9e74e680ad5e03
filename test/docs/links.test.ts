/**
 * Every relative link in the documentation resolves: the file exists, and a
 * #anchor into a Markdown file names one of its headings.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, docFiles, read, relativeLinks, ROOT } from './markdown.js';

function problem(file: string, target: string): string | undefined {
  const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
  const resolved = pathPart === '' ? file : join(dirname(file), decodeURIComponent(pathPart));
  if (!existsSync(join(ROOT, resolved))) return `${resolved} does not exist`;
  if (anchor === undefined || anchor === '') return undefined;
  if (statSync(join(ROOT, resolved)).isDirectory() || !resolved.endsWith('.md')) return `#${anchor} points into a non-Markdown target`;
  if (!anchors(read(resolved)).has(anchor)) return `${resolved} has no heading #${anchor}`;
  return undefined;
}

describe('documentation links', () => {
  const files = docFiles();

  it('covers the README, docs/, the chart README and the bench README', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/README.md', 'helm/orapool/README.md', 'bench/README.md']));
  });

  it.each(files)('every relative link in %s resolves (file, and heading for #anchors)', (file) => {
    const broken = relativeLinks(file)
      .map((l) => ({ ...l, why: problem(l.file, l.target) }))
      .filter((l) => l.why !== undefined)
      .map((l) => `${l.file}:${l.line} (${l.target}): ${l.why}`);
    expect(broken).toEqual([]);
  });
});
