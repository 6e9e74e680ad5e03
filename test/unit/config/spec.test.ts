import { describe, expect, it } from 'vitest';
import { describeVariables } from '../../../src/config/spec.js';

describe('describeVariables', () => {
  const docs = describeVariables();
  const byName = new Map(docs.map((d) => [d.name, d]));

  it('marks DB_PASSWORD and DB_WALLET_PASSWORD as secret, and only those', () => {
    expect(docs.filter((d) => d.kind === 'secret').map((d) => d.name).sort()).toEqual(['DB_PASSWORD', 'DB_WALLET_PASSWORD']);
  });

  it('allows _FILE exactly for credentials and secrets', () => {
    expect(docs.filter((d) => d.fileAllowed).map((d) => d.name).sort()).toEqual([
      'DB_CONNECT_STRING',
      'DB_PASSWORD',
      'DB_USER',
      'DB_WALLET_PASSWORD',
    ]);
  });

  it('marks the credentials as required and gives everything else a default', () => {
    expect(docs.filter((d) => d.required).map((d) => d.name).sort()).toEqual(['DB_CONNECT_STRING', 'DB_PASSWORD', 'DB_USER']);
    expect(byName.get('DB_POOL_MAX')?.default).toBe('40');
  });

  it('documents every variable with a description and an example', () => {
    for (const doc of docs) {
      expect(doc.desc, doc.name).not.toBe('');
      expect(doc.example, doc.name).not.toBe('');
    }
  });

  it('lists the choices of a choice variable', () => {
    expect(byName.get('LOG_LEVEL')?.choices).toEqual(['error', 'warn', 'info', 'http', 'verbose', 'debug']);
  });
});

describe('the spec types and ranges', () => {
  const byName = new Map(describeVariables().map((d) => [d.name, d]));

  it('gives every variable its JSON type', () => {
    expect(byName.get('DB_POOL_MAX')?.type).toBe('integer');
    expect(byName.get('DB_POOL_TIMEOUT')?.type).toBe('number');
    expect(byName.get('ADMISSION_CONTROL')?.type).toBe('boolean');
    expect(byName.get('HOST')?.type).toBe('string');
  });

  // A new number without a declared range is a rule someone forgot: say so, or declare it unbounded here.
  it('declares a range for every number (none is unbounded)', () => {
    const numbers = describeVariables().filter((d) => d.type === 'integer' || d.type === 'number');
    expect(numbers.length).toBeGreaterThan(0);
    expect(numbers.filter((d) => d.range === undefined).map((d) => d.name)).toEqual([]);
  });
});
