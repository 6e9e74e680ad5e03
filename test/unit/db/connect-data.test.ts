import { describe, expect, it } from 'vitest';
import { askedMode, connectStringForm, disagreements, withServerMode, type ServerMode } from '../../../src/db/connect-data.js';

const dedicated: ServerMode = { type: 'dedicated', connectionClass: 'orapool', purity: 'default', boundary: 'none' };
const pooled: ServerMode = { type: 'pooled', connectionClass: 'orapool-prod', purity: 'default', boundary: 'none' };

describe('connectStringForm', () => {
  it.each([
    ['db:1521/FREEPDB1', 'easy-connect'],
    ['tcps://db.example.com:1522/svc?wallet_location=/w', 'easy-connect'],
    ['(DESCRIPTION=(ADDRESS=(HOST=db)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=svc)))', 'descriptor'],
    ['mydb_high', 'alias'],
  ])('%s is %s', (s, form) => expect(connectStringForm(s)).toBe(form));
});

describe('withServerMode', () => {
  it('leaves every form unchanged when dedicated', () => {
    for (const s of ['db:1521/FREEPDB1', 'mydb_high', '(DESCRIPTION=(CONNECT_DATA=(SERVICE_NAME=svc)))']) expect(withServerMode(s, dedicated)).toBe(s);
  });

  it('adds :pooled, purity and boundary to an Easy Connect string, keeping its parameters (the class goes to the driver)', () => {
    expect(withServerMode('tcps://db:1522/svc?wallet_location=/w&ssl_server_dn_match=yes', pooled)).toBe(
      'tcps://db:1522/svc:pooled?wallet_location=/w&ssl_server_dn_match=yes',
    );
    expect(withServerMode('db/svc/inst1', { ...pooled, boundary: 'statement', purity: 'new' })).toBe(
      'db/svc:pooled/inst1?pool_purity=NEW&pool_boundary=STATEMENT',
    );
  });

  it('writes the keys into every CONNECT_DATA of a descriptor', () => {
    const s = '(DESCRIPTION_LIST=(DESCRIPTION=(ADDRESS=(HOST=a))(CONNECT_DATA=(SERVICE_NAME=s)))(DESCRIPTION=(ADDRESS=(HOST=b))(connect_data = (SERVICE_NAME=s))))';
    const out = withServerMode(s, { ...pooled, boundary: 'transaction' });
    expect(out.match(/\(SERVER=POOLED\)\(POOL_BOUNDARY=TRANSACTION\)\s*\(SERVICE_NAME=s\)/g)).toHaveLength(2);
    expect(askedMode(out)).toMatchObject({ server: 'POOLED', boundary: 'TRANSACTION' });
  });

  it('does not add a key the string already has', () => {
    expect(withServerMode('db/svc:pooled?pool_connection_class=orapool-prod', pooled)).toBe('db/svc:pooled?pool_connection_class=orapool-prod');
  });

  it('never touches a TNS alias: its entry is in tnsnames.ora', () => {
    expect(withServerMode('mydb_high', { ...pooled, boundary: 'statement' })).toBe('mydb_high');
  });
});

describe('disagreements', () => {
  it('finds a pooled server asked for by the string but not the settings, and the reverse only when the string says dedicated', () => {
    expect(disagreements('db/svc:pooled', dedicated)).toEqual([{ key: 'SERVER', asked: 'POOLED', wanted: undefined }]);
    expect(disagreements('(DESCRIPTION=(CONNECT_DATA=(SERVER=dedicated)(SERVICE_NAME=s)))', pooled)).toEqual([{ key: 'SERVER', asked: 'DEDICATED', wanted: 'POOLED' }]);
    expect(disagreements('db/svc', pooled)).toEqual([]);
    expect(disagreements('db/svc:dedicated', dedicated)).toEqual([]);
  });

  it('finds POOL_* keys with other values, case-insensitively for purity and boundary', () => {
    expect(disagreements('db/svc:pooled?pool_boundary=statement&pool_purity=self', { ...pooled, boundary: 'statement', purity: 'self' })).toEqual([]);
    expect(disagreements('db/svc:pooled?pool_boundary=transaction&pool_connection_class=other', { ...pooled, boundary: 'statement' })).toEqual([
      { key: 'POOL_CONNECTION_CLASS', asked: 'other', wanted: 'orapool-prod' },
      { key: 'POOL_BOUNDARY', asked: 'TRANSACTION', wanted: 'STATEMENT' },
    ]);
  });
});
