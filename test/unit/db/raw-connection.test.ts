import { describe, expect, it } from 'vitest';
import type oracledb from 'oracledb';
import { asRawConnection } from '../../../src/db/raw-connection.js';

/** The driver's Connection as far as the adapter touches it: public setters over the thin implementation's fields. */
function driverConnection(impl: Record<string, unknown> | undefined) {
  const sets: string[] = [];
  const conn = {
    _impl: impl,
    set module(value: string) {
      sets.push(`module=${value}`);
      if (impl) impl._module = value;
    },
    set action(value: string) {
      sets.push(`action=${value}`);
      if (impl) impl._action = value;
    },
    set clientId(value: string) {
      sets.push(`clientId=${value}`);
    },
  };
  return { raw: () => asRawConnection(conn as unknown as oracledb.Connection), sets };
}

describe('the driver connection adapter', () => {
  it('gives a dedicated session MODULE and ACTION only when they change, and the client identifier every time', () => {
    const { raw, sets } = driverConnection({ _drcpEnabled: false, _module: '', _action: '' });
    for (const [action, id] of [['/api/health', 'a'], ['/api/health', 'b'], ['', 'c'], ['/api/health', 'd']] as const) {
      const borrowed = raw(); // a new adapter per borrow, the same session behind it
      borrowed.module = 'orapool/1.0.0';
      borrowed.action = action;
      borrowed.clientId = id;
    }
    expect(sets).toEqual(['module=orapool/1.0.0', 'action=/api/health', 'clientId=a', 'clientId=b', 'action=', 'clientId=c', 'action=/api/health', 'clientId=d']);
  });

  it('always sets them on a DRCP session, whose server session may be another one on each borrow', () => {
    const { raw, sets } = driverConnection({ _drcpEnabled: true, _module: 'orapool/1.0.0', _action: '/api/health' });
    const borrowed = raw();
    borrowed.module = 'orapool/1.0.0';
    borrowed.action = '/api/health';
    expect(sets).toEqual(['module=orapool/1.0.0', 'action=/api/health']);
  });

  it('always sets them when the driver’s internals are not there to say what the session carries', () => {
    const { raw, sets } = driverConnection(undefined);
    const borrowed = raw();
    borrowed.module = 'm';
    borrowed.action = 'a';
    expect(sets).toEqual(['module=m', 'action=a']);
  });
});
