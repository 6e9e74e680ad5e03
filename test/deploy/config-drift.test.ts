/**
 * Every copy of the configuration list names exactly the variables
 * src/config/spec.ts knows: none missing, none invented. Each file is read on its
 * own terms (not by re-running the generator), then the generator's --check
 * confirms the files are byte-for-byte what it would write.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { describeVariables } from '../../src/config/spec.js';
import { COMPOSE_ONLY_VARIABLES } from '../../scripts/gen-config-docs.js';
import { CHART, helmRender, KUBECTL, one, parseManifests, ROOT, run, runOk } from './helpers.js';

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const sorted = (names: Iterable<string>) => [...names].sort();

const all = sorted(describeVariables().map((d) => d.name));
const settings = sorted(describeVariables().filter((d) => d.kind === 'setting').map((d) => d.name));
const secretNames = sorted(describeVariables().filter((d) => d.kind !== 'setting').map((d) => d.name));
const fileAllowed = new Set(describeVariables().filter((d) => d.fileAllowed).map((d) => `${d.name}_FILE`));

/** Names set through <NAME>_FILE in a container's env must be variables that allow it. */
function fileVariables(deploymentYaml: unknown): string[] {
  const env = (deploymentYaml as { spec: { template: { spec: { containers: { env?: { name: string }[] }[] } } } }).spec.template.spec.containers[0]!.env ?? [];
  return env.map((e) => e.name).filter((n) => n.endsWith('_FILE'));
}

describe('configuration drift', () => {
  it('.env.example sets every variable once, each with a description, plus only the compose-only section', () => {
    const lines = read('.env.example').split('\n');
    const assigned = lines.map((l, i) => ({ i, m: /^([A-Z][A-Z0-9_]*)=/.exec(l) })).filter((x) => x.m);
    const names = assigned.map((x) => x.m![1]!);
    expect(new Set(names).size).toBe(names.length);
    expect(sorted(names.filter((n) => !COMPOSE_ONLY_VARIABLES.includes(n)))).toEqual(all);
    const composeOnlyStart = lines.findIndex((l) => l.includes('docker compose only'));
    for (const { i, m } of assigned) {
      if (COMPOSE_ONLY_VARIABLES.includes(m![1]!)) expect(i).toBeGreaterThan(composeOnlyStart);
      else expect(i).toBeLessThan(composeOnlyStart);
      expect(lines[i - 1]!.startsWith('#'), `${m![1]} has a comment above it`).toBe(true);
    }
  });

  const tableNames = (file: string) => {
    const text = read(file);
    const table = text.slice(text.indexOf('<!-- config-table:start -->'), text.indexOf('<!-- config-table:end -->'));
    expect(table).toContain('| Variable | Default | Where | Description |');
    return [...table.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
  };

  it('docs/configuration.md lists every variable and nothing else', () => {
    expect(sorted(tableNames('docs/configuration.md'))).toEqual(all);
  });

  it('the README table lists the essential settings, each a real variable, the pool size and credentials among them', () => {
    const names = tableNames('README.md');
    expect(names.filter((n) => !all.includes(n))).toEqual([]);
    for (const name of ['DB_USER', 'DB_PASSWORD', 'DB_CONNECT_STRING', 'DB_POOL_MIN', 'DB_POOL_MAX', 'DB_POOL_TIMEOUT', 'DB_POOL_RECYCLE']) expect(names).toContain(name);
  });

  it('Helm values.yaml `config:` and its schema hold every setting and nothing else', () => {
    const values = parse(read('helm/orapool/values.yaml')) as { config: Record<string, unknown>; database: { credentials: { keys: object; values: object } } };
    expect(sorted(Object.keys(values.config))).toEqual(settings);
    const schema = JSON.parse(read('helm/orapool/values.schema.json')) as { properties: { config: { properties: object; additionalProperties: boolean } } };
    expect(sorted(Object.keys(schema.properties.config.properties))).toEqual(settings);
    expect(schema.properties.config.additionalProperties).toBe(false);
    expect(sorted(Object.keys(values.database.credentials.keys))).toEqual(secretNames);
    expect(sorted(Object.keys(values.database.credentials.values))).toEqual(secretNames);
  });

  it('the rendered Helm ConfigMap holds every setting, the Secret every credential and secret', () => {
    const objects = helmRender([], [...secretNames.map((n) => `database.credentials.values.${n}=v`), 'wallet.enabled=true', 'wallet.secretName=w']);
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && !o.metadata.name.endsWith('-dashboard'))!;
    expect(sorted(Object.keys(configMap.data as object))).toEqual(settings);
    expect(sorted(Object.keys(one(objects, 'Secret').data as object))).toEqual(secretNames);
    const files = fileVariables(one(objects, 'Deployment'));
    expect(sorted(files)).toEqual(sorted(fileAllowed));
  });

  it('the k8s ConfigMap env file holds every setting; the Secret example every credential and secret', () => {
    const envNames = read('k8s/base/config.env')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split('=')[0]!);
    expect(sorted(envNames)).toEqual(settings);
    const [secret] = parseManifests(read('k8s/base/secret.example.yaml'));
    expect(sorted(Object.keys(secret!.stringData as object))).toEqual(secretNames);
    const deployment = one(parseManifests(runOk(KUBECTL, ['kustomize', join(ROOT, 'k8s', 'overlays', 'dev')])), 'Deployment');
    for (const name of fileVariables(deployment)) expect(fileAllowed).toContain(name);
  });

  it('npm run gen:config -- --check finds nothing to regenerate', () => {
    const result = run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'gen-config-docs.ts'), '--check']);
    expect(result.status, result.stderr).toBe(0);
  });

  it('the chart directory holds no values file the drift checks would miss', () => {
    // A new values-*.yaml must be added to the helm tests; this lists what they cover.
    const listed = runOk('ls', [CHART]).split('\n').filter((f) => /^values.*\.yaml$/.test(f));
    expect(sorted(listed)).toEqual(['values-dev.yaml', 'values-prod.yaml', 'values-staging.yaml', 'values.yaml']);
  });
});
