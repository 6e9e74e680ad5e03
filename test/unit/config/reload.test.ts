import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigSource, type Config } from '../../../src/config/load.js';
import { ConfigReload } from '../../../src/config/reload.js';
import { createReloadMetrics } from '../../../src/config/reload-metrics.js';
import { metricValue } from '../../support/database-target.js';
import { configMapVolume, type ConfigMapVolume } from '../../support/configmap-volume.js';
import { memoryLogger, type MemoryLogger } from '../support/memory-logger.js';

const ENV = { DB_USER: 'u', DB_PASSWORD: 'p', DB_CONNECT_STRING: 'h/s', PORT: '5001', DB_POOL_MIN: '2' };

interface Sut {
  reload: ConfigReload;
  volume: ConfigMapVolume;
  log: MemoryLogger;
  applied: Array<{ config: Config; changed: readonly string[] }>;
  metrics: () => Promise<string>;
}

describe('ConfigReload: the whole configuration validated again, live settings applied, the rest reported', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  function start(dir: Record<string, string>, env: Record<string, string> = {}, apply?: (next: Config) => Promise<void>): Sut {
    const volume = configMapVolume(dir);
    cleanup.push(volume.remove);
    const environment = { ...ENV, ...env, CONFIG_DIR: volume.dir };
    const registry = new Registry();
    const log = memoryLogger('debug');
    const applied: Sut['applied'] = [];
    const reload = new ConfigReload({
      initial: loadConfigSource(environment),
      load: () => loadConfigSource(environment),
      loadMerged: (merged) => loadConfigSource(merged, undefined, () => ({})),
      apply: async (config, changed) => {
        await apply?.(config);
        applied.push({ config, changed });
      },
      logger: log.logger,
      metrics: createReloadMetrics(registry, 1_700_000_000),
      now: () => 1_800_000_000_000,
    });
    return { reload, volume, log, applied, metrics: () => registry.metrics() };
  }

  it('applies changed live settings, as a new generation, with the log event and metrics', async () => {
    const s = start({ DB_POOL_MAX: '10', LOG_LEVEL: 'info' });
    expect(await s.reload.reload()).toEqual({ result: 'unchanged' });
    s.volume.update({ DB_POOL_MAX: '4', LOG_LEVEL: 'info', ADMISSION_CONTROL: 'false' });

    expect(await s.reload.reload()).toEqual({ result: 'applied', applied: ['DB_POOL_MAX', 'ADMISSION_CONTROL'], restartRequired: [] });
    expect(s.applied).toHaveLength(1);
    expect(s.applied[0]!.config.pool.max).toBe(4);
    expect(s.applied[0]!.config.admission.enabled).toBe(false);
    expect(s.reload.config.pool.max).toBe(4);
    expect(s.reload.generation).toBe(2);
    await s.log.flush();
    expect(s.log.events('config_reloaded')).toEqual([expect.objectContaining({ generation: 2, changed: ['DB_POOL_MAX', 'ADMISSION_CONTROL'] })]);
    const text = await s.metrics();
    expect(metricValue(text, 'orapool_config_generation')).toBe(2);
    expect(metricValue(text, 'orapool_config_last_reload_timestamp_seconds')).toBe(1_800_000_000);
    expect(metricValue(text, 'orapool_config_reloads_total{result="applied"}')).toBe(1);
    expect(metricValue(text, 'orapool_config_reloads_total{result="rejected"}')).toBe(0);
  });

  it('rejects an invalid change whole: every problem logged, nothing applied, the running configuration stays, counted', async () => {
    const s = start({ DB_POOL_MAX: '10' });
    // One valid live change and three mistakes: none of it may reach the pool.
    s.volume.update({ DB_POOL_MAX: '10', DB_POOL_MIN: '50', SHED_HEAP_RATIO: '1.5', DB_POOL_TIMEOUT: 'soon', LOG_LEVEL: 'debug' });

    const outcome = await s.reload.reload();
    expect(outcome.result).toBe('rejected');
    expect(s.applied).toEqual([]);
    expect(s.reload.config.pool.min).toBe(2);
    expect(s.reload.config.logLevel).toBe('info');
    expect(s.reload.generation).toBe(1);
    await s.log.flush();
    const [rejected] = s.log.events('config_reload_rejected');
    expect((rejected!.problems as Array<{ variable: string }>).map((p) => p.variable).sort()).toEqual(['DB_POOL_MIN', 'DB_POOL_TIMEOUT', 'SHED_HEAP_RATIO']);
    expect(rejected!.level).toBe('error');
    expect(s.log.events('config_reloaded')).toEqual([]);
    const text = await s.metrics();
    expect(metricValue(text, 'orapool_config_reloads_total{result="rejected"}')).toBe(1);
    expect(metricValue(text, 'orapool_config_generation')).toBe(1);
    expect(metricValue(text, 'orapool_config_last_reload_timestamp_seconds')).toBe(1_700_000_000);

    // Fixed: the next change applies against the configuration that kept running.
    s.volume.update({ DB_POOL_MAX: '10', LOG_LEVEL: 'debug' });
    expect(await s.reload.reload()).toMatchObject({ result: 'applied', applied: ['LOG_LEVEL'] });
  });

  it('reports a setting that is not live as restart required and never applies it, even beside live ones', async () => {
    const s = start({ DB_POOL_MAX: '10' });
    s.volume.update({ DB_POOL_MAX: '6', PORT: '6001', DB_CONNECT_STRING: 'otherhost/svc' });

    expect(await s.reload.reload()).toEqual({ result: 'restart_required', applied: ['DB_POOL_MAX'], restartRequired: ['PORT', 'DB_CONNECT_STRING'] });
    expect(s.applied[0]!.config.pool.max).toBe(6);
    expect(s.applied[0]!.config.port).toBe(5001);
    expect(s.applied[0]!.config.db.connectString).toBe('h/s');
    expect(s.reload.config.port).toBe(5001);
    await s.log.flush();
    expect(s.log.events('config_restart_required')).toEqual([expect.objectContaining({ level: 'warn', keys: ['PORT', 'DB_CONNECT_STRING'] })]);
    // Names only: the values (a connect string may hold a password) stay out of the log.
    expect(s.log.lines().join('\n')).not.toContain('otherhost');
    const text = await s.metrics();
    expect(metricValue(text, 'orapool_config_reloads_total{result="restart_required"}')).toBe(1);
    expect(metricValue(text, 'orapool_config_reloads_total{result="applied"}')).toBe(1);
  });

  it('does not apply a rotated secret file, which only a restart may take', async () => {
    const secrets = mkdtempSync(join(tmpdir(), 'orapool-secret-'));
    cleanup.push(() => rmSync(secrets, { recursive: true, force: true }));
    writeFileSync(join(secrets, 'pw'), 'first');
    const s = start({ DB_POOL_MAX: '10' }, { DB_PASSWORD: '', DB_PASSWORD_FILE: join(secrets, 'pw') });
    writeFileSync(join(secrets, 'pw'), 'rotated');
    s.volume.update({ DB_POOL_MAX: '8' });

    expect(await s.reload.reload()).toMatchObject({ applied: ['DB_POOL_MAX'], restartRequired: ['DB_PASSWORD'] });
    expect(s.applied[0]!.config.db.password.reveal()).toBe('first');
    await s.log.flush();
    expect(s.log.lines().join('\n')).not.toContain('rotated');
  });

  it('changes nothing and counts a rejection when applying fails (the driver refused)', async () => {
    const s = start({ DB_POOL_MAX: '10' }, {}, async () => {
      throw Object.assign(new Error('pool is closing'), { code: 'SOME-CODE' });
    });
    s.volume.update({ DB_POOL_MAX: '5' });

    expect(await s.reload.reload()).toMatchObject({ result: 'rejected' });
    expect(s.reload.config.pool.max).toBe(10);
    expect(s.reload.generation).toBe(1);
    await s.log.flush();
    expect(s.log.events('config_reload_rejected')[0]!.problems).toEqual([{ variable: 'DB_POOL_MAX', rule: 'could not be applied: SOME-CODE' }]);
    expect(metricValue(await s.metrics(), 'orapool_config_reloads_total{result="rejected"}')).toBe(1);
  });

  it('only reports when nothing live changed, and keeps reporting a pending restart on later changes', async () => {
    const s = start({ DB_POOL_MAX: '10' });
    s.volume.update({ DB_POOL_MAX: '10', DB_CALL_TIMEOUT: '9' });
    expect(await s.reload.reload()).toEqual({ result: 'restart_required', applied: [], restartRequired: ['DB_CALL_TIMEOUT'] });
    expect(s.applied).toEqual([]);
    s.volume.update({ DB_POOL_MAX: '9', DB_CALL_TIMEOUT: '9' });
    expect(await s.reload.reload()).toEqual({ result: 'restart_required', applied: ['DB_POOL_MAX'], restartRequired: ['DB_CALL_TIMEOUT'] });
    expect(s.reload.config.db.callTimeoutSeconds).toBe(5);
  });
});
