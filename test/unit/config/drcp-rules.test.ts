import { describe, expect, it } from 'vitest';
import type { Environment } from '../../../src/config/files.js';
import { ConfigError, loadConfig } from '../../../src/config/load.js';

const required: Environment = { DB_USER: 'orapool', DB_PASSWORD: 'pw', DB_CONNECT_STRING: 'db:1521/FREEPDB1' };
const noFiles = (path: string): string => {
  throw new Error(`unexpected read of ${path}`);
};

function problems(env: Environment): { variable: string; rule: string }[] {
  try {
    loadConfig({ ...required, ...env }, noFiles);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('DRCP settings', () => {
  it('defaults to dedicated sessions, and a pooled mode uses the fixed class orapool, never a random one', () => {
    expect(loadConfig(required, noFiles).db.server).toEqual({ type: 'dedicated', connectionClass: 'orapool', purity: 'default', boundary: 'none' });
    const pooled = loadConfig({ ...required, DB_SERVER_TYPE: 'pooled', DB_POOL_BOUNDARY: 'statement', DB_PURITY: 'self' }, noFiles);
    expect(pooled.db.server).toEqual({ type: 'pooled', connectionClass: 'orapool', purity: 'self', boundary: 'statement' });
    expect(loadConfig({ ...required, DB_SERVER_TYPE: 'pooled', DB_CONNECTION_CLASS: 'orapool-prod' }, noFiles).db.server.connectionClass).toBe('orapool-prod');
  });

  it('refuses a pool boundary or a purity without pooled servers, naming both variables', () => {
    expect(problems({ DB_POOL_BOUNDARY: 'statement' })).toEqual([
      { variable: 'DB_POOL_BOUNDARY', rule: expect.stringContaining('needs DB_SERVER_TYPE=pooled') },
    ]);
    expect(problems({ DB_PURITY: 'new', DB_SERVER_TYPE: 'dedicated' })).toEqual([
      { variable: 'DB_PURITY', rule: expect.stringContaining('(got DB_PURITY=new, DB_SERVER_TYPE=dedicated)') },
    ]);
  });

  it('names each invalid value with its variable, every problem at once, beside unrelated ones', () => {
    const found = problems({ DB_SERVER_TYPE: 'shared', DB_PURITY: 'old', DB_POOL_BOUNDARY: 'call', DB_POOL_MAX: '0' });
    expect(found.map((p) => p.variable).sort()).toEqual(['DB_POOL_BOUNDARY', 'DB_POOL_MAX', 'DB_PURITY', 'DB_SERVER_TYPE']);
    expect(found.find((p) => p.variable === 'DB_SERVER_TYPE')!.rule).toBe('must be one of dedicated, pooled (got "shared")');
    expect(found.find((p) => p.variable === 'DB_POOL_BOUNDARY')!.rule).toBe('must be one of none, statement, transaction (got "call")');
  });

  it('refuses a connection class that would change the descriptor', () => {
    expect(problems({ DB_SERVER_TYPE: 'pooled', DB_CONNECTION_CLASS: 'a)(SERVER=DEDICATED' })).toEqual([
      { variable: 'DB_CONNECTION_CLASS', rule: expect.stringContaining('must be 1 to 128 letters') },
    ]);
  });

  it('refuses a connect string that contradicts the settings, without quoting it', () => {
    const secretish = 'db:1521/FREEPDB1:pooled?wallet_location=/very/secret/place';
    const found = problems({ DB_CONNECT_STRING: secretish });
    expect(found).toEqual([{ variable: 'DB_SERVER_TYPE', rule: expect.stringContaining('DB_CONNECT_STRING asks for SERVER=POOLED') }]);
    expect(JSON.stringify(found)).not.toContain('secret');
    expect(problems({ DB_SERVER_TYPE: 'pooled', DB_POOL_BOUNDARY: 'statement', DB_CONNECT_STRING: 'db/svc:pooled?pool_boundary=transaction' })).toEqual([
      { variable: 'DB_POOL_BOUNDARY', rule: expect.stringContaining('asks for POOL_BOUNDARY=TRANSACTION, but DB_POOL_BOUNDARY gives STATEMENT') },
    ]);
  });

  it('accepts a connect string that already says what the settings say', () => {
    expect(problems({ DB_SERVER_TYPE: 'pooled', DB_CONNECT_STRING: '(DESCRIPTION=(CONNECT_DATA=(SERVER=POOLED)(SERVICE_NAME=s)))' })).toEqual([]);
  });

  it('accepts pooled with a TNS alias (its entry must say SERVER=POOLED) but refuses what only the entry could carry', () => {
    expect(problems({ DB_SERVER_TYPE: 'pooled', DB_CONNECT_STRING: 'mydb_high' })).toEqual([]);
    expect(problems({ DB_SERVER_TYPE: 'pooled', DB_POOL_BOUNDARY: 'statement', DB_CONNECT_STRING: 'mydb_high' })).toEqual([
      { variable: 'DB_POOL_BOUNDARY', rule: expect.stringContaining('Put (POOL_BOUNDARY=STATEMENT) in the entry') },
    ]);
  });
});
