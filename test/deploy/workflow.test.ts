/**
 * .github/workflows/ci.yml, for forks on GitHub Actions. It cannot run here
 * (no GitHub runner, no Oracle), so it is checked the ways that can: against
 * SchemaStore's github-workflow.json (the schema editors and action-validator
 * use; the npm package @action-validator/core embeds it in its WebAssembly
 * module and no npm package ships it as a file), with ajv, and against what
 * it must do: the normal suite, and the integration suite against an
 * Oracle Free service container with the variables the suite reads.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './helpers.js';

const require = createRequire(import.meta.url);
const WORKFLOW = join(ROOT, '.github', 'workflows', 'ci.yml');
const text = readFileSync(WORKFLOW, 'utf8');
const workflow = parse(text) as Workflow;

interface Step { name?: string; uses?: string; run?: string; env?: Record<string, string> }
interface Job {
  'runs-on': string;
  container?: { image: string; options?: string };
  services?: Record<string, { image: string; env?: Record<string, string>; options?: string; ports?: string[] }>;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow { on: unknown; jobs: Record<string, Job> }

/** SchemaStore's github-workflow.json, as embedded (pretty-printed JSON text) in @action-validator/core's wasm. */
function schemaStoreWorkflowSchema(): Record<string, unknown> {
  const wasm = readFileSync(join(require.resolve('@action-validator/core/package.json'), '..', 'action_validator_bg.wasm')).toString('utf8');
  const id = wasm.indexOf('"$id": "https://json.schemastore.org/github-workflow.json"');
  if (id < 0) throw new Error('github-workflow.json not found in @action-validator/core');
  const start = wasm.lastIndexOf('\n{\n', id) + 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = start; i < wasm.length; i++) {
    const c = wasm[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return JSON.parse(wasm.slice(start, i + 1)) as Record<string, unknown>;
  }
  throw new Error('unterminated schema');
}

const schema = schemaStoreWorkflowSchema();
// SchemaStore schemas carry editor-only keywords (markdownDescription); strict mode would reject them.
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

describe('.github/workflows/ci.yml', () => {
  it("is SchemaStore's github-workflow schema, draft-07", () => {
    expect(schema.$id).toBe('https://json.schemastore.org/github-workflow.json');
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('validates against the github-workflow schema (ajv)', () => {
    expect(validate(workflow), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('would fail the schema if it were wrong (the validation can fail)', () => {
    const broken = structuredClone(workflow) as unknown as { jobs: Record<string, Record<string, unknown>> };
    delete broken.jobs.suite!['runs-on'];
    expect(validate(broken)).toBe(false);
    const typo = structuredClone(workflow) as unknown as { jobs: Record<string, Record<string, unknown>> };
    typo.jobs['real-oracle']!['timeout-minute'] = 60;
    expect(validate(typo)).toBe(false);
  });

  it('validates with action-validator (the same schema, its own validator)', async () => {
    const { validateWorkflow } = (await import('@action-validator/core')) as { validateWorkflow(src: string): { errors: unknown[] } };
    expect(validateWorkflow(text).errors).toEqual([]);
  });

  it('runs the normal suite as the project CI does: bash .ci/run', () => {
    const runs = workflow.jobs.suite!.steps.map((s) => s.run?.trim());
    expect(runs).toContain('bash .ci/run');
  });

  describe('real-Oracle job', () => {
    const job = workflow.jobs['real-oracle']!;
    const service = Object.values(job.services ?? {})[0]!;

    it('starts gvenzl/oracle-free as a service container gated on its health check', () => {
      expect(service.image).toMatch(/^gvenzl\/oracle-free:/);
      expect(service.options).toMatch(/--health-cmd healthcheck\.sh/);
      expect(service.options).toMatch(/--health-retries \d+/);
      expect(service.env).toMatchObject({ APP_USER: expect.any(String), APP_USER_PASSWORD: expect.any(String), ORACLE_PASSWORD: expect.any(String) });
    });

    it('sets exactly the variables test/support/database-target.ts reads, pointing at that service user', () => {
      const source = readFileSync(join(ROOT, 'test', 'support', 'database-target.ts'), 'utf8');
      const read = [...new Set([...source.matchAll(/process\.env\.(ORACLE_TEST_\w+)/g)].map((m) => m[1]!))].sort();
      expect(read).toEqual(['ORACLE_TEST_CONNECT_STRING', 'ORACLE_TEST_PASSWORD', 'ORACLE_TEST_USER']);
      const env = job.env ?? {};
      expect(Object.keys(env).filter((k) => k.startsWith('ORACLE_TEST_')).sort()).toEqual(read);
      expect(env.ORACLE_TEST_USER).toBe(service.env!.APP_USER);
      expect(env.ORACLE_TEST_PASSWORD).toBe(service.env!.APP_USER_PASSWORD);
      const serviceName = Object.keys(job.services!)[0]!;
      // The job runs in a container, so the service is reached by its name; FREEPDB1 is where APP_USER lives.
      expect(job.container).toBeDefined();
      expect(env.ORACLE_TEST_CONNECT_STRING).toBe(`${serviceName}:1521/FREEPDB1`);
    });

    it('waits for a real logon before it runs the integration suite with npm test', () => {
      const runs = job.steps.map((s) => s.run ?? '');
      const wait = runs.findIndex((r) => r.includes('oracledb.getConnection'));
      const suite = runs.findIndex((r) => /^npm test( -- test\/integration)?$/.test(r.trim()));
      expect(wait).toBeGreaterThan(-1);
      expect(suite).toBeGreaterThan(wait);
    });
  });
});
