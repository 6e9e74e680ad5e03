import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { environmentWithDotEnv } from '../../../src/config/dotenv.js';

const dotEnv = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'orapool-dotenv-')), '.env');
  writeFileSync(path, text);
  return path;
};

describe('environmentWithDotEnv', () => {
  it('reads .env under the real environment, which wins', () => {
    const path = dotEnv('DB_POOL_MAX=10\nLOG_LEVEL=debug\n');
    expect(environmentWithDotEnv({ DB_POOL_MAX: '40' }, path)).toMatchObject({ DB_POOL_MAX: '40', LOG_LEVEL: 'debug' });
  });

  it('is the real environment alone when there is no .env', () => {
    expect(environmentWithDotEnv({ PORT: '1' }, join(tmpdir(), 'no-such-dir-orapool', '.env'))).toEqual({ PORT: '1' });
  });

  it('lets a NAME_FILE from the real environment hide NAME in .env: no "set both" error', () => {
    const path = dotEnv('DB_USER=dev\nDB_PASSWORD=from-dotenv\nDB_CONNECT_STRING=localhost/FREEPDB1\n');
    const env = environmentWithDotEnv({ DB_PASSWORD_FILE: '/run/secrets/db_password' }, path);
    expect(env.DB_PASSWORD).toBeUndefined();
    const config = loadConfig(env, () => 'from-file\n');
    expect(config.db.password.reveal()).toBe('from-file');
    expect(config.db.user).toBe('dev');
  });

  it('lets NAME from the real environment hide NAME_FILE in .env', () => {
    const path = dotEnv('DB_PASSWORD_FILE=/home/dev/pw\n');
    expect(environmentWithDotEnv({ DB_PASSWORD: 'real' }, path)).toEqual({ DB_PASSWORD: 'real' });
  });
});
