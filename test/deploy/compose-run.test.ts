/**
 * The compose interpreter's own rules (no engine needed): interpolation the
 * way Compose does it, start order from depends_on and profiles, and the
 * docker run call it makes for the file's services.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { interpolate, loadCompose, planRun, readEnvFile, startOrder, type RunPlan } from './compose-run.js';
import { ROOT } from './helpers.js';

const env = readEnvFile(join(ROOT, '.env.example'));
const file = loadCompose(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), env);
const ctx = { file, projectDir: ROOT, env, envFiles: { '.env': join(ROOT, '.env.example') } };
const plans: RunPlan[] = [];
afterEach(() => {
  for (const plan of plans.splice(0)) for (const dir of plan.secretDirs) rmSync(dir, { recursive: true, force: true });
});
const plan = (service: string) => {
  const p = planRun(service, ctx);
  plans.push(p);
  return p;
};
const valueOf = (args: string[], flag: string) => args.flatMap((a, i) => (args[i - 1] === flag ? [a] : []));

describe('interpolate (Compose rules)', () => {
  const vars = { SET: 'value', EMPTY: '' };
  it.each([
    ['${SET}', 'value'],
    ['$SET/x', 'value/x'],
    ['${UNSET}', ''],
    ['${UNSET:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${UNSET-fallback}', 'fallback'],
    ['${SET:-fallback}', 'value'],
    ['${SET:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['$$SET', '$SET'],
    ['${SET:?needed}', 'value'],
  ])('%s -> %s', (input, expected) => {
    expect(interpolate(input, vars)).toBe(expected);
  });

  it('fails with the message for ${VAR:?message} when VAR is unset or empty, and ${VAR?message} only when unset', () => {
    expect(() => interpolate('${UNSET:?set it in .env}', vars)).toThrow(/UNSET.*set it in \.env/);
    expect(() => interpolate('${EMPTY:?set it}', vars)).toThrow(/EMPTY/);
    expect(interpolate('${EMPTY?set it}', vars)).toBe('');
    expect(() => interpolate('${UNSET?set it}', vars)).toThrow(/UNSET/);
  });

  it('refuses the sim profile without DB_PASSWORD, as the file asks (${DB_PASSWORD:?...})', () => {
    const { DB_PASSWORD: _, ...without } = env;
    expect(() => loadCompose(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), without)).toThrow(/DB_PASSWORD.*cp \.env\.example \.env/);
  });
});

describe('the file as the interpreter reads it', () => {
  it('takes the sim user from DB_USER in .env.example, and reads mode 0400 as octal', () => {
    expect(file.services.sim!.environment!.SIM_USER).toBe(env.DB_USER);
    expect(file.services.sim!.build).toEqual({ context: '.', target: 'sim' }); // '.' stays a string
    expect(file.services['app-sim']!.secrets).toEqual([{ source: 'db_password', uid: '1000', gid: '1000', mode: 0o400 }]);
  });

  it('starts sim before app-sim (service_healthy) for the profile-sim command, and refuses a service of an inactive profile', () => {
    expect(startOrder(file, ['sim'], ['sim', 'app-sim', 'prometheus'])).toEqual(['sim', 'app-sim', 'prometheus']);
    expect(startOrder(file, ['sim'], ['app-sim'])).toEqual(['sim', 'app-sim']);
    expect(() => startOrder(file, [], ['app-sim'])).toThrow(/profiles sim/);
  });

  it('runs app-sim on the host network with every compose name resolving locally, env_file under environment, and the secret file', () => {
    const { args, ports } = plan('app-sim');
    expect(valueOf(args, '--network')).toEqual(['host']);
    expect(valueOf(args, '--add-host')).toEqual(expect.arrayContaining(['app:127.0.0.1', 'sim:127.0.0.1']));
    const environment = valueOf(args, '-e');
    expect(environment).toContain('DB_PASSWORD=');
    expect(environment).not.toContain(`DB_PASSWORD=${env.DB_PASSWORD}`);
    expect(environment).toContain('DB_CONNECT_STRING=sim:1521/FREEPDB1');
    expect(environment).toContain('NODE_ENV=production'); // from env_file
    const [mount] = valueOf(args, '-v');
    const [source, target, mode] = mount!.split(':');
    expect([target, mode]).toEqual(['/run/secrets/db_password', 'ro']);
    const stat = statSync(source!);
    expect([stat.uid, stat.gid, stat.mode & 0o777]).toEqual([1000, 1000, 0o400]);
    expect(readFileSync(source!, 'utf8')).toBe(env.DB_PASSWORD);
    expect(ports).toEqual([{ hostIp: undefined, host: 5001, container: 5001 }]);
    expect(args.slice(-1)).toEqual(['orapool:local']);
  });

  it('refuses a published port whose host and container ports differ (not reproducible on the host network)', () => {
    const changed = { ...file, services: { ...file.services, sim: { ...file.services.sim!, ports: ['15210:1521'] } } };
    expect(() => planRun('sim', { ...ctx, file: changed })).toThrow(/15210:1521/);
  });

  it('refuses a setting it does not implement rather than ignoring it', () => {
    const changed = { ...file, services: { ...file.services, sim: { ...file.services.sim!, user: 'root' } } };
    expect(() => planRun('sim', { ...ctx, file: changed })).toThrow(/does not implement user/);
  });
});
