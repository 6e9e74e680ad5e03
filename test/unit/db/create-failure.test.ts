import { describe, expect, it } from 'vitest';
import { describeCreateFailure } from '../../../src/db/create-failure.js';
import { driverError } from '../support/fake-database.js';

describe('describeCreateFailure', () => {
  it.each(['ORA-01017', 'ORA-28000', 'ORA-28001'])('stops retrying on %s: another attempt is another failed logon', (code) => {
    expect(describeCreateFailure(driverError(code, 'denied'), 'db:1521/X').stopRetrying).toBeTruthy();
  });

  it.each(['NJS-503', 'NJS-510', 'ORA-12514', 'ORA-12516', 'ORA-00018'])('keeps retrying on %s: the database may come back', (code) => {
    expect(describeCreateFailure(driverError(code, 'down'), 'db:1521/X').stopRetrying).toBeUndefined();
  });

  it('replaces a quoted connect string with its host, port and service', () => {
    const cs = 'tcps://db.example.com:1522/svc?wallet_location=/secret/wallet&ssl_server_dn_match=yes';
    const failure = describeCreateFailure(driverError('NJS-515', `error in parsing connect string "${cs}"`), cs);
    expect(failure).toEqual({ code: 'NJS-515', message: 'NJS-515: error in parsing connect string "tcps://db.example.com:1522/svc"' });
    expect(failure.message).not.toContain('wallet_location');
  });

  it('keeps a message without a code, first line only', () => {
    expect(describeCreateFailure(new Error('boom\nstack-ish detail'), 'db:1521/X')).toEqual({ message: 'boom' });
  });
});
