/**
 * Reading the project's Markdown the way GitHub renders it: which files are
 * documentation, their headings' anchors, their relative links, and their
 * prose with code, generated blocks and quotes taken out.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../../scripts/doc-blocks.js';

export { ROOT };

export const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

function walk(dir: string): string[] {
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}

/** Every Markdown file the docs tests cover. */
export function docFiles(): string[] {
  return ['README.md', ...walk('docs'), 'helm/orapool/README.md', 'bench/README.md'].filter((p) => existsSync(join(ROOT, p)));
}

/** Fenced code blocks blanked out (line count kept), so nothing inside them counts as a link or heading. */
export function withoutFences(text: string): string {
  let inFence = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return '';
      }
      return inFence ? '' : line;
    })
    .join('\n');
}

/** GitHub's heading anchor: lower case, punctuation dropped (hyphens and underscores kept), spaces to hyphens; repeats get -1, -2, ... */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of withoutFences(text).split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]!
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1]!);
  return out;
}

export interface Link {
  file: string;
  line: number;
  target: string;
}

/** Relative links (inline Markdown links outside code), with the line they are on. */
export function relativeLinks(file: string): Link[] {
  const text = withoutFences(read(file)).replace(/`[^`\n]*`/g, (m) => ' '.repeat(m.length));
  const links: Link[] = [];
  text.split('\n').forEach((lineText, i) => {
    for (const m of lineText.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      links.push({ file, line: i + 1, target });
    }
  });
  return links;
}

/**
 * The prose people wrote: no fenced code, no inline code, no generated blocks
 * (<!-- NAME:start --> ... <!-- NAME:end -->), no link targets, no HTML comments,
 * no block quotes (quoted reports, not our figures).
 */
export function handProse(text: string): string {
  return withoutFences(text)
    .replace(/<!-- ([\w:.-]+):start -->[\s\S]*?<!-- \1:end -->/g, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/`[^`\n]*`/g, '')
    .replace(/\]\([^)]*\)/g, ']')
    .split('\n')
    .filter((l) => !l.startsWith('>'))
    .join('\n');
}

export const rel = (from: string, to: string) => relative(ROOT, join(ROOT, from, to));
