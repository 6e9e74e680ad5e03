import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/config/secret.js';

const VALUE = 'sec-Hn3%walrus-QUUX-5150';

describe('Secret', () => {
  it('prints [redacted] through every accidental path', () => {
    const secret = new Secret(VALUE);
    const renderings = [
      String(secret),
      `${secret}`,
      JSON.stringify({ secret }),
      inspect(secret),
      inspect({ nested: { secret } }, { depth: null, showHidden: true }),
      `${[secret]}`,
    ];
    for (const text of renderings) {
      expect(text).not.toContain(VALUE);
      expect(text).toContain('[redacted]');
    }
  });

  it('hands out the value only through reveal()', () => {
    expect(new Secret(VALUE).reveal()).toBe(VALUE);
  });

  it('does not expose the value as an own property', () => {
    const secret = new Secret(VALUE);
    expect(Object.keys(secret)).toEqual([]);
    expect(Object.values(secret)).not.toContain(VALUE);
    expect(JSON.stringify(Object.entries(secret))).not.toContain(VALUE);
  });

  it('knows whether it is empty without revealing itself', () => {
    expect(new Secret('').isEmpty).toBe(true);
    expect(new Secret(VALUE).isEmpty).toBe(false);
  });
});
