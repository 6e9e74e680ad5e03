import { describe, expect, it } from 'vitest';
import { Readiness } from '../../../src/health/readiness.js';

function setup(options: { created?: boolean; maxAge?: number } = {}) {
  let now = 1000;
  let created = options.created ?? true;
  const sut = new Readiness({ poolCreated: () => created, maxSuccessAgeSeconds: options.maxAge ?? 20, now: () => now });
  return {
    sut,
    advance: (seconds: number) => {
      now += seconds;
    },
    setCreated: (value: boolean) => {
      created = value;
    },
  };
}

describe('Readiness', () => {
  it('is not ready while the pool is not created, and says so', () => {
    const { sut } = setup({ created: false });
    sut.recordSuccess(0.01);
    const status = sut.status();
    expect(status.ready).toBe(false);
    expect(status.reasons).toEqual(['database pool not initialized']);
  });

  it('is not ready before any successful round-trip', () => {
    const { sut } = setup();
    const status = sut.status();
    expect(status.ready).toBe(false);
    expect(status.reasons).toEqual(['no recent successful database round-trip']);
    expect(status.database).toEqual({ up: false, lastSuccessAgeSeconds: null, lastRoundTripSeconds: null, lastError: null });
  });

  it('is ready after a recent success and reports its age and round-trip', () => {
    const { sut, advance } = setup();
    sut.recordSuccess(0.004);
    advance(3);
    const status = sut.status();
    expect(status.ready).toBe(true);
    expect(status.reasons).toEqual([]);
    expect(status.database).toEqual({ up: true, lastSuccessAgeSeconds: 3, lastRoundTripSeconds: 0.004, lastError: null });
  });

  it('still counts a success exactly maxSuccessAgeSeconds old, and not one older', () => {
    const { sut, advance } = setup({ maxAge: 20 });
    sut.recordSuccess(0.01);
    advance(20);
    expect(sut.status().ready).toBe(true);
    advance(0.5);
    const status = sut.status();
    expect(status.ready).toBe(false);
    expect(status.reasons).toEqual(['no recent successful database round-trip']);
    expect(status.database.up).toBe(false);
  });

  it('names the failure code of the last round-trip', () => {
    const { sut } = setup();
    sut.recordSuccess(0.01);
    sut.recordFailure('ORA-12541');
    const status = sut.status();
    expect(status.ready).toBe(false);
    expect(status.reasons).toEqual(['last database round-trip failed (ORA-12541)']);
    expect(status.database.lastError).toBe('ORA-12541');
    expect(status.database.up).toBe(false);
  });

  it('recovers on the next success after a failure', () => {
    const { sut } = setup();
    sut.recordFailure('NJS-123');
    sut.recordSuccess(0.02);
    expect(sut.status().ready).toBe(true);
    expect(sut.database().lastError).toBeNull();
  });

  it('is not ready once shutting down, even with a fresh success', () => {
    const { sut } = setup();
    sut.recordSuccess(0.01);
    sut.markShuttingDown();
    expect(sut.shuttingDown).toBe(true);
    expect(sut.status()).toMatchObject({ ready: false, reasons: ['shutting down'] });
    sut.recordSuccess(0.01);
    expect(sut.status().ready).toBe(false);
  });

  it('is not ready under memory pressure, and ready again when it ends', () => {
    const { sut } = setup();
    sut.recordSuccess(0.01);
    sut.setMemoryPressure(true);
    expect(sut.status()).toMatchObject({ ready: false, reasons: ['memory above MEMORY_HIGH_WATERMARK'] });
    sut.setMemoryPressure(false);
    expect(sut.status().ready).toBe(true);
  });

  it('lists every reason at once', () => {
    const { sut } = setup({ created: false });
    sut.markShuttingDown();
    sut.setMemoryPressure(true);
    expect(sut.status().reasons).toEqual(['shutting down', 'database pool not initialized', 'memory above MEMORY_HIGH_WATERMARK']);
  });

  it('reports an infinite success age before any success', () => {
    const { sut, advance } = setup();
    expect(sut.successAge()).toBe(Number.POSITIVE_INFINITY);
    sut.recordSuccess(0.01);
    advance(7);
    expect(sut.successAge()).toBe(7);
  });
});

describe('Readiness before the pool exists', () => {
  it('names the last creation failure in the reason when it is known', () => {
    const sut = new Readiness({ poolCreated: () => false, createError: () => 'ORA-01017', maxSuccessAgeSeconds: 10, now: () => 0 });
    expect(sut.status()).toMatchObject({ ready: false, reasons: ['database pool not initialized (last attempt: ORA-01017)'] });
  });
});

describe('Readiness with READINESS_DATABASE', () => {
  function modeSetup(databaseReadiness: 'required' | 'startup', created = true) {
    let now = 1000;
    const sut = new Readiness({ poolCreated: () => created, maxSuccessAgeSeconds: 20, databaseReadiness, now: () => now });
    return { sut, advance: (seconds: number) => (now += seconds) };
  }

  it('required: a failed round-trip after a success makes the replica not ready', () => {
    const { sut } = modeSetup('required');
    sut.recordSuccess(0.01);
    sut.recordFailure('NJS-123');
    expect(sut.status()).toMatchObject({ ready: false, reasons: ['last database round-trip failed (NJS-123)'], notes: [] });
  });

  it('startup: a failed round-trip after a success leaves it ready and reports the database down in a note', () => {
    const { sut } = modeSetup('startup');
    sut.recordSuccess(0.01);
    sut.recordFailure('NJS-123');
    const status = sut.status();
    expect(status).toMatchObject({ ready: true, reasons: [], notes: ['last database round-trip failed (NJS-123)'] });
    expect(status.database).toMatchObject({ up: false, lastError: 'NJS-123' });
  });

  it('startup: a stale success leaves it ready, with a note', () => {
    const { sut, advance } = modeSetup('startup');
    sut.recordSuccess(0.01);
    advance(60);
    expect(sut.status()).toMatchObject({ ready: true, notes: ['no recent successful database round-trip'] });
    expect(sut.database().up).toBe(false);
  });

  it('startup: stays not ready while the pool was never created', () => {
    const { sut } = modeSetup('startup', false);
    expect(sut.status()).toMatchObject({ ready: false, reasons: ['database pool not initialized'] });
  });

  it('startup: stays not ready until the first round-trip succeeds, even with the pool created', () => {
    const { sut } = modeSetup('startup');
    sut.recordFailure('ORA-12541');
    expect(sut.status()).toMatchObject({ ready: false, reasons: ['last database round-trip failed (ORA-12541)'] });
    sut.recordSuccess(0.01);
    expect(sut.status()).toMatchObject({ ready: true, reasons: [], notes: [] });
  });

  it('startup: shutdown and memory pressure still make it not ready during an outage', () => {
    const { sut } = modeSetup('startup');
    sut.recordSuccess(0.01);
    sut.recordFailure('NJS-123');
    sut.setMemoryPressure(true);
    expect(sut.status()).toMatchObject({ ready: false, reasons: ['memory above MEMORY_HIGH_WATERMARK'] });
    sut.setMemoryPressure(false);
    sut.markShuttingDown();
    expect(sut.status()).toMatchObject({ ready: false, reasons: ['shutting down'] });
  });

  it('defaults to required', () => {
    const sut = new Readiness({ poolCreated: () => true, maxSuccessAgeSeconds: 20, now: () => 0 });
    sut.recordSuccess(0.01);
    sut.recordFailure('NJS-123');
    expect(sut.status().ready).toBe(false);
  });
});
