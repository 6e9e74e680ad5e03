import { describe, expect, it } from 'vitest';
import { effectiveBacklog, readSomaxconn } from '../../src/listen-backlog.js';

describe('listen backlog', () => {
  it('keeps the requested backlog when the kernel allows it', () => {
    expect(effectiveBacklog(4096, 4096)).toEqual({ backlog: 4096 });
    expect(effectiveBacklog(511, 4096)).toEqual({ backlog: 511 });
  });

  it('reports the cap when net.core.somaxconn is below the request', () => {
    expect(effectiveBacklog(4096, 128)).toEqual({ backlog: 128, cappedBy: 128 });
  });

  it('reports nothing when the cap is unknown (no /proc)', () => {
    expect(effectiveBacklog(4096, undefined)).toEqual({ backlog: 4096 });
  });

  it('reads somaxconn, and gives undefined for a missing or odd file', () => {
    expect(readSomaxconn(() => '4096\n')).toBe(4096);
    expect(readSomaxconn(() => 'x')).toBeUndefined();
    expect(
      readSomaxconn(() => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
  });
});
