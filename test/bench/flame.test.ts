import { describe, expect, it } from 'vitest';
import { fileOf, flameMarkdown, summarizeProfile } from '../../bench/load/flame.js';

/** root -> (idle); root -> koa handler -> our app; root -> the bench's probe. Samples in µs. */
const profile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 3, 5, 6] },
    { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
    { id: 3, callFrame: { functionName: 'handle', url: 'file:///repo/node_modules/koa/lib/application.js', lineNumber: 9 }, children: [4] },
    { id: 4, callFrame: { functionName: 'route', url: 'file:///repo/dist/app.js', lineNumber: 19 } },
    { id: 5, callFrame: { functionName: 'answer', url: 'file:///repo/bench/load/probe-preload.mjs', lineNumber: 1 } },
    { id: 6, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
  ],
  samples: [2, 3, 4, 4, 5, 6],
  timeDeltas: [1000, 2000, 3000, 3000, 50_000, 1000],
  startTime: 0,
  endTime: 60_000,
};

describe('flame summary', () => {
  const summary = summarizeProfile(JSON.stringify(profile), '/repo/');

  it('counts self time by function and by package, leaving out idle time and the probe', () => {
    expect(summary.totalMs).toBe(10);
    expect(summary.busyMs).toBe(9);
    expect(summary.gcMs).toBe(1);
    expect(summary.functions[0]).toEqual({ name: 'route dist/app.js:20', selfMs: 6, share: Number((6 / 9).toFixed(4)) });
    expect(summary.files.map((f) => f.name)).toEqual(['dist/app.js', 'koa', '(native)']);
  });

  it("gives our own functions' inclusive time, callees included", () => {
    expect(summary.ownInclusive).toEqual([{ name: 'route dist/app.js:20', selfMs: 6, share: Number((6 / 9).toFixed(4)) }]);
  });

  it('names packages by their node_modules folder, scoped ones with their scope', () => {
    expect(fileOf('file:///a/node_modules/@koa/router/lib/x.js', '/a/')).toBe('@koa/router');
    expect(fileOf('node:internal/streams/readable', '/a/')).toBe('node:internal/streams/readable');
  });

  it('writes markdown with the per-request busy time', () => {
    expect(flameMarkdown('t', summary, 3)).toContain('= 3000.0 µs per request over 3 requests');
  });
});
