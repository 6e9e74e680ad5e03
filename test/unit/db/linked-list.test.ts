import { describe, expect, it } from 'vitest';
import { Link, LinkedList } from '../../../src/db/linked-list.js';

class Item extends Link {
  constructor(readonly name: string) {
    super();
  }
}

const names = (items: Item[]) => items.map((i) => i.name);

function listOf(...items: string[]) {
  const list = new LinkedList<Item>();
  const added = items.map((name) => list.push(new Item(name)));
  return { list, added };
}

describe('LinkedList', () => {
  it('keeps entries in the order they were pushed and shifts the oldest first', () => {
    const { list } = listOf('a', 'b', 'c');
    expect(list.size).toBe(3);
    expect(list.shift()?.name).toBe('a');
    expect(names(list.snapshot())).toEqual(['b', 'c']);
    expect(list.size).toBe(2);
  });

  it('removes an entry from the middle, the front or the back, and only once', () => {
    const { list, added } = listOf('a', 'b', 'c', 'd');
    const [a, b, , d] = added;
    list.remove(b!);
    list.remove(b!);
    expect(names(list.snapshot())).toEqual(['a', 'c', 'd']);
    list.remove(a!);
    list.remove(d!);
    expect(names(list.snapshot())).toEqual(['c']);
    expect(list.size).toBe(1);
    list.push(new Item('e'));
    expect(names(list.snapshot())).toEqual(['c', 'e']);
  });

  it('ignores an entry that was never in it, and refuses one that is in a list already', () => {
    const { list } = listOf('a');
    const other = listOf('x');
    list.remove(new Item('stranger'));
    list.remove(other.added[0]!);
    expect(list.size).toBe(1);
    expect(other.list.size).toBe(1);
    expect(() => list.push(other.added[0]!)).toThrow(/in a list already/);
  });

  it('takes an entry back after it was removed or shifted', () => {
    const { list, added } = listOf('a', 'b');
    list.remove(added[0]!);
    list.push(added[0]!);
    const b = list.shift()!;
    list.push(b);
    expect(names(list.snapshot())).toEqual(['a', 'b']);
  });

  it('drains every entry oldest first and is empty after', () => {
    const { list } = listOf('a', 'b', 'c');
    expect(names(list.drain())).toEqual(['a', 'b', 'c']);
    expect(list.size).toBe(0);
    expect(list.shift()).toBeUndefined();
    list.push(new Item('d'));
    expect(names(list.snapshot())).toEqual(['d']);
  });

  it('gives a snapshot the caller may remove from while it walks it', () => {
    const { list } = listOf('a', 'b', 'c');
    for (const item of list.snapshot()) if (item.name !== 'b') list.remove(item);
    expect(names(list.snapshot())).toEqual(['b']);
  });
});
