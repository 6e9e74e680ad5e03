// A flame summary of a V8 .cpuprofile (node --cpu-prof): self time by
// function (file:line) and by file/package, as markdown, so a profile can be
// read and committed without the raw multi-megabyte profile.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  selfMs: number;
  share: number;
}

export interface FlameSummary {
  totalMs: number;
  /** Everything but (idle): JavaScript, the native calls it made, (program) (V8 and libuv outside JavaScript) and the garbage collector. */
  busyMs: number;
  gcMs: number;
  functions: SelfTime[];
  files: SelfTime[];
  /** Inclusive (self + callees) time of the project's own functions (not node_modules, not node:): what our code costs with everything it calls. */
  ownInclusive: SelfTime[];
}

/** "node_modules/koa/lib/application.js" -> "koa", "dist/http/metrics.js" -> "dist/http/metrics.js", "node:internal/x" -> "node:internal/x". */
export function fileOf(url: string, root: string): string {
  if (url === '') return '(native)';
  const path = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  return path.startsWith('/') ? relative(root, path) : path;
}

export function summarizeProfile(text: string, root: string, top = 30): FlameSummary {
  const profile = JSON.parse(text) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // The bench's own probe (starting and stopping this profile) is not the server's work.
  const probeNode = new Map<number, boolean>();
  const isProbe = (id: number): boolean => {
    let known = probeNode.get(id);
    if (known === undefined) {
      const up = parent.get(id);
      known = byId.get(id)!.callFrame.url.includes('probe-preload') || (up !== undefined && isProbe(up));
      probeNode.set(id, known);
    }
    return known;
  };
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    if (!isProbe(id)) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  let gcMs = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    totalMs += ms;
    if (functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    if (functionName === '(garbage collector)') gcMs += ms;
    const where = fileOf(url, root);
    const key = `${functionName || '(anonymous)'} ${where}${url ? `:${lineNumber + 1}` : ''}`;
    fn.set(key, (fn.get(key) ?? 0) + ms);
    file.set(where, (file.get(where) ?? 0) + ms);
  }
  const busyMs = totalMs - idleMs;
  const inclusive = new Map<string, number>();
  for (const [id, ms] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url, lineNumber } = byId.get(at)!.callFrame;
      if (!url.startsWith('file://') || url.includes('/node_modules/')) continue;
      const key = `${functionName || '(anonymous)'} ${fileOf(url, root)}:${lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + ms);
    }
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, selfMs: Number(ms.toFixed(1)), share: Number((ms / busyMs).toFixed(4)) }));
  return { totalMs: Number(totalMs.toFixed(1)), busyMs: Number(busyMs.toFixed(1)), gcMs: Number(gcMs.toFixed(1)), functions: rank(fn), files: rank(file), ownInclusive: rank(inclusive) };
}

export function summarizeProfileFile(path: string, root: string, top = 30): FlameSummary {
  return summarizeProfile(readFileSync(path, 'utf8'), root, top);
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** Markdown: a header the caller writes, then the two tables. `requests` turns busy time into µs per request. */
export function flameMarkdown(title: string, summary: FlameSummary, requests?: number): string {
  const perRequest = requests ? ` = ${((summary.busyMs * 1000) / requests).toFixed(1)} µs per request over ${requests} requests` : '';
  const table = (head: string, rows: SelfTime[]) => [
    `| ${head} | Self ms | Share of busy |`,
    '|---|---|---|',
    ...rows.map((r) => `| \`${r.name.replace(/\|/g, '\\|')}\` | ${r.selfMs} | ${pct(r.share)} |`),
  ];
  return [
    `# ${title}`,
    '',
    `Sampled ${summary.totalMs} ms; busy (not idle) ${summary.busyMs} ms${perRequest}; garbage collector ${summary.gcMs} ms.`,
    '',
    '## Self time by file or package',
    '',
    ...table('File / package', summary.files.slice(0, 15)),
    '',
    '## Self time by function',
    '',
    ...table('Function (file:line)', summary.functions),
    '',
    '## Inclusive time of the project\'s own functions (with everything they call)',
    '',
    ...table('Function (file:line)', summary.ownInclusive.slice(0, 20)),
    '',
  ].join('\n');
}
