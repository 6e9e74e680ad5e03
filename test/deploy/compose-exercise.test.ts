/**
 * docker-compose.yml exercised on a real Docker engine: the sim profile as
 * the file's header runs it (`docker compose --profile sim up --build sim
 * app-sim prometheus`), with every setting read from the file by
 * compose-run.ts (builds and their targets, command, environment with its
 * interpolation from .env.example, secrets as files with their uid/gid/mode,
 * ports, healthchecks, depends_on order), then /api/health and /metrics
 * through the published port, Prometheus scraping the app, and everything
 * removed. No Compose v2 exists here (compose.test.ts validates the file
 * against the spec's schema instead).
 *
 * What cannot run here says so on stderr and is left out, nothing else:
 * images the file pulls from a registry (none is reachable) unless a local
 * stand-in exists. Prometheus has one: Debian's prometheus binary in the
 * stand-in base, so the scrape config and rules file are exercised for real.
 *
 * When no Docker engine can start, the whole file is skipped with a printed
 * reason (startEngine's error).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  containerName, dependencies, loadCompose, planRun, portIsFree, readEnvFile, removeAll, startOrder, waitHealthy,
  type ComposeFile, type PlanContext, type RunPlan,
} from './compose-run.js';
import { docker, dockerOk, ensureStandInImage, startEngine, type Engine } from './docker-engine.js';
import { ROOT, waitFor } from './helpers.js';

const PROFILES = ['sim'];
const REQUESTED = ['sim', 'app-sim', 'prometheus'];
/** The Prometheus the file pulls, replaced by Debian's (2.42) in the stand-in base. */
const PROMETHEUS_STANDIN = 'orapool-compose-standin/prometheus:debian';

const started = await startEngine().then(
  (engine) => ({ engine, reason: undefined }),
  (error: Error) => ({ engine: undefined, reason: error.message.split('\n')[0] }),
);
if (started.reason) process.stderr.write(`compose-exercise.test.ts SKIPPED: no Docker engine could start: ${started.reason}\n`);

const say = (line: string) => process.stderr.write(`compose exercise: ${line}\n`);

describe.skipIf(started.engine === undefined)('docker-compose.yml, profile sim, on a real Docker engine', () => {
  const engine = started.engine as Engine;
  const env = readEnvFile(join(ROOT, '.env.example'));
  const file: ComposeFile = loadCompose(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), env);
  const ctx: PlanContext = {
    file,
    projectDir: ROOT,
    env,
    // The README's first step is cp .env.example .env; the test reads .env.example in its place.
    envFiles: { '.env': join(ROOT, '.env.example') },
    imageStandIns: { [file.services.prometheus!.image!]: PROMETHEUS_STANDIN },
  };
  const order = startOrder(file, PROFILES, REQUESTED);
  const plans: RunPlan[] = [];
  const builtImages: string[] = [];
  /** Service name -> how many runs of its healthcheck it took to pass. */
  const healthy = new Map<string, number>();
  const startLog: string[] = [];
  const begun = Date.now();
  const name = (service: string) => containerName(file, service);
  const inspect = (service: string) =>
    (JSON.parse(dockerOk(['inspect', name(service)])) as { Config: { Env: string[]; StopTimeout?: number }; HostConfig: Record<string, unknown>; State: { Status: string; Running: boolean }; RestartCount: number }[])[0]!;

  beforeAll(async () => {
    for (const [service, s] of Object.entries(file.services)) {
      if (order.includes(service)) continue;
      const why = s.profiles && !s.profiles.some((p) => PROFILES.includes(p))
        ? `profile ${s.profiles.join(', ')}, and its image ${s.image} cannot be pulled (no registry reachable)`
        : s.build
          ? `depends on ${dependencies(s).map((d) => d.name).join(', ')}, which cannot run here; app-sim runs the same build against the simulator`
          : `its image ${s.image} cannot be pulled (no registry reachable); the sim profile stands in for it`;
      say(`SKIPPED service ${service}: ${why}`);
    }
    say(`Prometheus runs as ${PROMETHEUS_STANDIN} (Debian's prometheus in the stand-in base) instead of ${file.services.prometheus!.image}`);

    // --build: each image the started services name, once, from the file's build section.
    const base = ensureStandInImage();
    for (const service of order) {
      const s = file.services[service]!;
      if (!s.build || builtImages.includes(s.image!)) continue;
      dockerOk(['build', '--network', 'host', '--build-arg', `NODE_IMAGE=${base}`, ...(s.build.target ? ['--target', s.build.target] : []), '-t', s.image!, join(ROOT, s.build.context)], 900_000);
      builtImages.push(s.image!);
    }
    const context = mkdtempSync(join(tmpdir(), 'orapool-prometheus-standin-'));
    try {
      copyFileSync('/usr/bin/prometheus', join(context, 'prometheus'));
      // Like prom/prometheus: the binary as entrypoint, nobody as user, /prometheus owned by it
      // (a new named volume takes the ownership of the image's folder).
      writeFileSync(join(context, 'Dockerfile'), [
        `FROM ${base}`,
        'COPY prometheus /bin/prometheus',
        'RUN mkdir -p /prometheus /etc/prometheus && chown 65534:65534 /prometheus',
        'USER 65534:65534',
        'WORKDIR /prometheus',
        'ENTRYPOINT ["/bin/prometheus"]',
        'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]',
      ].join('\n'));
      dockerOk(['build', '--network', 'host', '-t', PROMETHEUS_STANDIN, context], 300_000);
      builtImages.push(PROMETHEUS_STANDIN);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }

    removeAll(file, []); // leftovers of an interrupted run
    for (const service of order) {
      const plan = planRun(service, ctx);
      plans.push(plan);
      // --network host: the published port is the container's own port on this machine.
      for (const port of plan.ports) {
        if (!(await portIsFree(port.host))) throw new Error(`port ${port.host} (service ${service}) is in use on this machine; the compose exercise needs it free`);
      }
      for (const dependency of dependencies(file.services[service]!)) {
        if (dependency.condition === 'service_healthy' && !healthy.has(dependency.name)) throw new Error(`${service} would start before ${dependency.name} is healthy`);
      }
      for (const volume of plan.volumes) dockerOk(['volume', 'create', '--label', `com.docker.compose.project=${file.name}`, volume]);
      dockerOk(plan.args);
      startLog.push(service);
      const healthcheck = file.services[service]!.healthcheck;
      if (healthcheck) healthy.set(service, await waitHealthy(name(service), healthcheck));
    }
    say(`${order.join(', ')} started in ${Math.round((Date.now() - begun) / 1000)} s (builds included)`);
  });

  afterAll(async () => {
    removeAll(file, plans);
    for (const image of builtImages) docker(['image', 'rm', '-f', image]);
    say(`done in ${Math.round((Date.now() - begun) / 1000)} s; containers, volumes and images removed (the stand-in base is kept)`);
    await engine.stop();
  });

  it('starts sim, app-sim and prometheus in depends_on order, app-sim only once sim passed its own healthcheck', () => {
    expect(order).toEqual(['sim', 'app-sim', 'prometheus']);
    expect(startLog).toEqual(order);
    expect(dependencies(file.services['app-sim']!)).toEqual([{ name: 'sim', condition: 'service_healthy' }]);
    expect(healthy.get('sim')).toBeGreaterThanOrEqual(1);
    for (const service of order) expect(inspect(service).State.Running, service).toBe(true);
  });

  it('runs the sim from the Dockerfile target the file names, with its environment interpolated from .env.example', () => {
    expect(file.services.sim!.build).toEqual({ context: '.', target: 'sim' });
    const environment = inspect('sim').Config.Env;
    expect(environment).toContain(`SIM_USER=${env.DB_USER}`);
    // ${DB_PASSWORD:?...}: the .env value, the same one the app gets as a secret file.
    expect(environment).toContain(`SIM_PASSWORD=${env.DB_PASSWORD}`);
    expect(environment).toContain('SIM_SERVICE=FREEPDB1');
  });

  it('gives app-sim the password only as /run/secrets/db_password, owned by uid/gid 1000 with mode 0400, and an empty DB_PASSWORD', () => {
    const stat = JSON.parse(dockerOk(['exec', name('app-sim'), 'node', '-e',
      "const s=require('fs').statSync('/run/secrets/db_password');console.log(JSON.stringify({uid:s.uid,gid:s.gid,mode:(s.mode&0o777).toString(8),same:require('fs').readFileSync('/run/secrets/db_password','utf8')===process.argv[1]}))",
      env.DB_PASSWORD!])) as { uid: number; gid: number; mode: string; same: boolean };
    expect(stat).toEqual({ uid: 1000, gid: 1000, mode: '400', same: true });
    const environment = inspect('app-sim').Config.Env;
    expect(environment).toContain('DB_PASSWORD=');
    expect(environment).toContain('DB_PASSWORD_FILE=/run/secrets/db_password');
    expect(environment).toContain('DB_CONNECT_STRING=sim:1521/FREEPDB1');
  });

  it('runs app-sim with the file’s restrictions: read-only root, /tmp tmpfs, no capabilities, no-new-privileges, 30 s to stop', () => {
    const app = inspect('app-sim');
    expect(app.HostConfig.ReadonlyRootfs).toBe(true);
    expect(Object.keys(app.HostConfig.Tmpfs as Record<string, string>)).toEqual(['/tmp']);
    expect(app.HostConfig.CapDrop).toEqual(['ALL']);
    expect(app.HostConfig.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(app.Config.StopTimeout).toBe(30);
  });

  it('answers /api/health 200 with the database reachable, and /metrics, through the published port', async () => {
    const port = plans[order.indexOf('app-sim')]!.ports[0]!.host;
    expect(port).toBe(5001);
    await waitFor('app-sim /readyz 200', async () => {
      const status = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(3000) }).then((r) => r.status, () => 0);
      return status === 200 ? true : undefined;
    }, 60_000, 500).catch((error: Error) => {
      const logs = docker(['logs', '--tail', '20', name('app-sim')]);
      throw new Error(`${error.message}\n--- app-sim logs ---\n${logs.stdout}${logs.stderr}`);
    });
    const health = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(5000) });
    expect(health.status).toBe(200);
    expect(((await health.json()) as { database: { reachable: boolean } }).database.reachable).toBe(true);
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^orapool_database_up 1$/m);
    expect(inspect('app-sim').RestartCount).toBe(0);
  }, 90_000);

  it('passes the image’s own HEALTHCHECK in app-sim (the file declares none for it)', () => {
    const image = (JSON.parse(dockerOk(['image', 'inspect', file.services['app-sim']!.image!])) as { Config: { Healthcheck: { Test: string[] } } }[])[0]!;
    const result = docker(['exec', name('app-sim'), ...image.Config.Healthcheck.Test.slice(1)]);
    expect(result.status, result.stderr).toBe(0);
  });

  it('has Prometheus load the rules file and scrape app:5001 (app-sim’s alias) as up', async () => {
    const port = plans[order.indexOf('prometheus')]!.ports[0]!.host;
    const target = await waitFor('Prometheus to scrape app:5001', async () => {
      const body = await fetch(`http://127.0.0.1:${port}/api/v1/targets`, { signal: AbortSignal.timeout(3000) }).then((r) => r.json(), () => undefined) as
        | { data: { activeTargets: { labels: { job: string; instance: string }; health: string; lastError: string }[] } }
        | undefined;
      const found = body?.data.activeTargets.find((t) => t.labels.job === 'orapool');
      return found?.health === 'up' ? found : undefined;
    }, 60_000, 1000);
    expect(target.labels.instance).toBe('app:5001');
    const rules = (await (await fetch(`http://127.0.0.1:${port}/api/v1/rules`)).json()) as { data: { groups: { file: string; rules: unknown[] }[] } };
    expect(rules.data.groups.length).toBeGreaterThan(0);
    expect(rules.data.groups.every((g) => g.file === '/etc/prometheus/rules/orapool.rules.yml' && g.rules.length > 0)).toBe(true);
    const up = (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent('orapool_database_up')}`)).json()) as { data: { result: { value: [number, string] }[] } };
    expect(up.data.result[0]?.value[1]).toBe('1');
  }, 90_000);
});
