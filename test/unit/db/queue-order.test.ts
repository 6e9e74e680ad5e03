import { describe, expect, it } from 'vitest';
import { arrivalStep } from '../../../src/db/queue-order.js';

describe('arrivalStep', () => {
  it.each([
    ['nobody queued, a slot free', { queued: 0, freeSlots: 3 }, 'go'],
    ['nobody queued, no slot: the driver queues it', { queued: 0, freeSlots: 0 }, 'go'],
    ['others queued, no slot: the driver queues it last', { queued: 5, freeSlots: 0 }, 'go'],
    ['others queued and a slot just came back: it is theirs', { queued: 5, freeSlots: 1 }, 'after-handoff'],
    ['queue full, no slot', { queued: 10, freeSlots: 0 }, 'full'],
    ['queue full, but the handoff makes room', { queued: 10, freeSlots: 1 }, 'after-handoff'],
    ['queue over full after every handoff', { queued: 12, freeSlots: 2 }, 'full'],
    ['more free slots than queued: one is left over for it', { queued: 2, freeSlots: 5 }, 'go'],
    ['as many free slots as queued: all theirs', { queued: 2, freeSlots: 2 }, 'after-handoff'],
  ] as const)('%s -> %s', (_label, queue, step) => {
    expect(arrivalStep(queue, 10)).toBe(step);
  });

  it('counts earlier arrivals still waiting for a handoff as queued: in a burst only those with room wait', () => {
    // Queue full, one slot back: room for exactly one newcomer after the handoff.
    expect(arrivalStep({ queued: 10, freeSlots: 1 }, 10, 0)).toBe('after-handoff');
    expect(arrivalStep({ queued: 10, freeSlots: 1 }, 10, 1)).toBe('full');
    // Nobody in the driver's queue yet, but one of ours is about to join it and the slot is its.
    expect(arrivalStep({ queued: 0, freeSlots: 1 }, 10, 1)).toBe('after-handoff');
  });
});
