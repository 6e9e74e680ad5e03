/** The README is a front door: small, and it still opens with the two commands and the three curls. */
import { describe, expect, it } from 'vitest';
import { read } from './markdown.js';

const README = read('README.md');
const MAX_BYTES = 15 * 1024;

describe('README.md', () => {
  it(`is at most 15 KB (${MAX_BYTES} bytes)`, () => {
    expect(Buffer.byteLength(README, 'utf8')).toBeLessThanOrEqual(MAX_BYTES);
  });

  it('starts with the two commands, run and test, in its first code block', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(README)?.[1] ?? '';
    expect(firstBlock).toMatch(/^npm ci && npm run dev\s/m);
    expect(firstBlock).toMatch(/^npm test\s/m);
  });

  it('shows the three curls: health, readiness, metrics', () => {
    expect(README).toContain('curl -s localhost:5001/api/health');
    expect(README).toContain('curl -s localhost:5001/readyz');
    expect(README).toContain('curl -s localhost:5001/metrics');
  });

  it('keeps the endpoints, the error-code table and the generated configuration table', () => {
    for (const path of ['GET /api/health', 'GET /livez', 'GET /readyz', 'GET /metrics']) expect(README).toContain(path);
    for (const code of ['POOL_QUEUE_TIMEOUT', 'POOL_QUEUE_FULL', 'OVERLOADED', 'DATABASE_TIMEOUT', 'DATABASE_UNAVAILABLE', 'SHUTTING_DOWN', 'NOT_FOUND', 'METHOD_NOT_ALLOWED', 'INTERNAL']) {
      expect(README).toMatch(new RegExp(`^\\| [^\\n]*\`${code}\``, 'm'));
    }
    expect(README).toContain('<!-- config-table:start -->');
    expect(README).toContain('<!-- config-table:end -->');
  });

  it('has a feature list of ten lines', () => {
    const section = /## What it does\n([\s\S]*?)\n## /.exec(README)?.[1] ?? '';
    expect(section.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(10);
  });

  it('links into docs/', () => {
    for (const page of ['configuration', 'design', 'operations', 'runbook', 'deployment', 'performance', 'testing']) {
      expect(README).toContain(`](docs/${page}.md`);
    }
  });
});
