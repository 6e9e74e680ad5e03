import { describe, expect, it } from 'vitest';
import { BorrowSiteCapture } from '../../../src/db/borrow-sites.js';

describe('BorrowSiteCapture', () => {
  it('records no stacks in the healthy steady state', () => {
    const sut = new BorrowSiteCapture({ windowMs: 60_000, now: () => 1_000 });
    expect(sut.active).toBe(false);
    expect(sut.capture()).toBeUndefined();
  });

  it('records stacks for the window after a slow hold, naming the borrower, then stops again', () => {
    let now = 1_000;
    const sut = new BorrowSiteCapture({ windowMs: 60_000, now: () => now });
    sut.slowHoldSeen();
    function borrowingHandler() {
      return sut.capture();
    }
    const site = borrowingHandler();
    expect(site?.stack).toContain('borrowingHandler');
    now += 59_999;
    expect(sut.capture()).toBeInstanceOf(Error);
    now += 1;
    expect(sut.capture()).toBeUndefined();
    expect(sut.active).toBe(false);
  });

  it('records every borrow with DB_BORROW_SITES=always, before any slow hold', () => {
    const sut = new BorrowSiteCapture({ windowMs: 60_000, now: () => 1_000, always: true });
    expect(sut.active).toBe(true);
    expect(sut.capture()?.stack).toContain('borrowed here');
  });

  it('by default records stacks for ten minutes after a slow hold', () => {
    let now = 1_000;
    const sut = new BorrowSiteCapture({ now: () => now });
    sut.slowHoldSeen();
    now += 10 * 60_000 - 1;
    expect(sut.active).toBe(true);
    now += 1;
    expect(sut.active).toBe(false);
  });
});
