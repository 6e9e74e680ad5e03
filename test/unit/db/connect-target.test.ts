import { describe, expect, it } from 'vitest';
import { connectTarget } from '../../../src/db/connect-target.js';

describe('connectTarget', () => {
  it('keeps a plain Easy Connect string', () => {
    expect(connectTarget('db.example.com:1521/FREEPDB1')).toBe('db.example.com:1521/FREEPDB1');
  });

  it('drops Easy Connect parameters, which may name wallets and secrets', () => {
    const target = connectTarget('tcps://adb.eu-frankfurt-1.oraclecloud.com:1522/abc_high?wallet_location=/etc/wallet&ssl_server_dn_match=yes');
    expect(target).toBe('tcps://adb.eu-frankfurt-1.oraclecloud.com:1522/abc_high');
    expect(target).not.toContain('wallet');
  });

  it('drops anything before "@" that looks like credentials', () => {
    const target = connectTarget('scott/Tiger-Pa55word@db.example.com:1521/ORCL');
    expect(target).toBe('db.example.com:1521/ORCL');
    expect(target).not.toContain('Tiger-Pa55word');
    expect(target).not.toContain('scott');
  });

  it('trims surrounding whitespace', () => {
    expect(connectTarget('  localhost/FREEPDB1 \n')).toBe('localhost/FREEPDB1');
  });

  it('extracts host, port and service from a descriptor and nothing else', () => {
    const descriptor =
      '(DESCRIPTION=(RETRY_COUNT=20)(ADDRESS=(PROTOCOL=tcps)(HOST=adb.example.com)(PORT=1522))' +
      '(CONNECT_DATA=(SERVICE_NAME=svc_high.adb.oraclecloud.com))(SECURITY=(MY_WALLET_DIRECTORY=/etc/secret-wallet)))';
    const target = connectTarget(descriptor);
    expect(target).toBe('adb.example.com:1522/svc_high.adb.oraclecloud.com');
    expect(target).not.toContain('secret-wallet');
  });

  it('reads descriptor keys case-insensitively and with spaces around "="', () => {
    expect(connectTarget('(description=(address=(protocol=tcp)(host = db1)(port = 1521))(connect_data=(service_name = orcl)))')).toBe(
      'db1:1521/orcl',
    );
  });

  it('falls back to SID when a descriptor has no SERVICE_NAME', () => {
    expect(connectTarget('(DESCRIPTION=(ADDRESS=(HOST=db2)(PORT=1521))(CONNECT_DATA=(SID=XE)))')).toBe('db2:1521/XE');
  });

  it('marks missing descriptor parts with "?" and omits a missing port', () => {
    expect(connectTarget('(DESCRIPTION=(CONNECT_DATA=(SERVER=DEDICATED)))')).toBe('?/?');
  });
});
