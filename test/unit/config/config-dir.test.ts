import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configDirDigest, overlayConfigDir, readConfigDirSync } from '../../../src/config/config-dir.js';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import type { ConfigProblem } from '../../../src/config/rules.js';
import { configMapVolume, type ConfigMapVolume } from '../../support/configmap-volume.js';

const CREDENTIALS = { DB_USER: 'u', DB_PASSWORD: 'p', DB_CONNECT_STRING: 'h/s' };

describe('CONFIG_DIR (config-dir.ts) over real directories', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });
  const volume = (data: Record<string, string>): ConfigMapVolume => {
    const v = configMapVolume(data);
    cleanup.push(v.remove);
    return v;
  };

  it('reads a ConfigMap volume through ..data: the keys, not the timestamped directories or the symlinks', () => {
    const v = volume({ DB_POOL_MAX: '12', LOG_LEVEL: 'debug\n' });
    expect(readConfigDirSync(v.dir)).toEqual({ DB_POOL_MAX: '12', LOG_LEVEL: 'debug' });
    v.update({ DB_POOL_MAX: '3' });
    expect(readConfigDirSync(v.dir)).toEqual({ DB_POOL_MAX: '3' });
  });

  it('reads a plain directory too, skipping dotfiles', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orapool-plain-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'DB_POOL_MIN'), '2\r\n');
    writeFileSync(join(dir, '.swp'), 'editor junk');
    symlinkSync(join(dir, 'DB_POOL_MIN'), join(dir, 'DB_POOL_INCREMENT'));
    expect(readConfigDirSync(dir)).toEqual({ DB_POOL_INCREMENT: '2', DB_POOL_MIN: '2' });
  });

  it('lets a file override the environment, the <NAME>_FILE form included', () => {
    const v = volume({ DB_POOL_MAX: '7', DB_PASSWORD: 'from-dir' });
    const config = loadConfig({ ...CREDENTIALS, DB_PASSWORD: undefined, DB_PASSWORD_FILE: '/nowhere', DB_POOL_MAX: '40', CONFIG_DIR: v.dir });
    expect(config.pool.max).toBe(7);
    expect(config.db.password.reveal()).toBe('from-dir');
    expect(config.configDir).toBe(v.dir);
  });

  it('treats an empty file as unset, as an empty environment variable is', () => {
    const v = volume({ DB_POOL_MAX: '' });
    expect(loadConfig({ ...CREDENTIALS, DB_POOL_MAX: '9', CONFIG_DIR: v.dir }).pool.max).toBe(40);
  });

  it('names every unknown file and every invalid value at once', () => {
    const v = volume({ DB_POOL_MAXX: '3', DB_POOL_MAX: 'lots', DB_POOL_TIMEOUT: '0', CONFIG_DIR: '/ignored' });
    let problems: ConfigProblem[] = [];
    try {
      loadConfig({ ...CREDENTIALS, CONFIG_DIR: v.dir });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems.map((p) => p.variable).sort()).toEqual(['CONFIG_DIR/DB_POOL_MAXX', 'DB_POOL_MAX', 'DB_POOL_TIMEOUT']);
  });

  it('reports a directory it cannot read as a CONFIG_DIR problem', () => {
    const problems: ConfigProblem[] = [];
    overlayConfigDir({ CONFIG_DIR: '/no/such/dir' }, readConfigDirSync, problems);
    expect(problems).toEqual([{ variable: 'CONFIG_DIR', rule: 'cannot read /no/such/dir (ENOENT)' }]);
  });

  it('digests the content: equal for equal settings, different after a swap, a state of its own when unreadable', () => {
    const v = volume({ DB_POOL_MAX: '5' });
    const first = configDirDigest(v.dir);
    v.update({ DB_POOL_MAX: '5' });
    expect(configDirDigest(v.dir)).toBe(first);
    v.update({ DB_POOL_MAX: '6' });
    expect(configDirDigest(v.dir)).not.toBe(first);
    expect(configDirDigest('/no/such/dir')).toBe('unreadable:ENOENT');
  });
});
