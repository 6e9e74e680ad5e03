/**
 * What a LinkedList holds: an object of its own with the two links in it, so
 * adding allocates nothing beyond the entry itself and removing it from
 * anywhere is O(1).
 */
export class Link {
  prev: Link | undefined = undefined;
  next: Link | undefined = undefined;
  /** The list it is in, if any. */
  owner: object | undefined = undefined;
}

/**
 * The queues and watch lists of the request path (the WAIT queue, the
 * deadlines, the breaker's waiting borrows), instead of a Set or a Map.
 * Every request adds an entry and removes it a moment later, and in V8
 * (Node 20) an entry deleted from a long-lived Set or Map is still reachable
 * at the next scavenges: the entry, and all it reaches (the request's
 * promise chain and its Koa context), was promoted to the old generation,
 * which then needed a full collection every couple of seconds. A removed
 * Link keeps nothing, its neighbours point past it
 * (test/unit/db/promotion.test.ts; bench/results/profiles/promoted/).
 */
export class LinkedList<L extends Link> {
  #first: L | undefined;
  #last: L | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(link: L): L {
    if (link.owner) throw new Error('LinkedList.push: the entry is in a list already');
    link.owner = this;
    link.prev = this.#last;
    link.next = undefined;
    if (this.#last) this.#last.next = link;
    else this.#first = link;
    this.#last = link;
    this.#size += 1;
    return link;
  }

  /** Take link out; one that is not in this list (removed, shifted, never added, or in another) is left alone. */
  remove(link: L): void {
    if (link.owner !== this) return;
    const { prev, next } = link;
    if (prev) prev.next = next;
    else this.#first = next as L | undefined;
    if (next) next.prev = prev;
    else this.#last = prev as L | undefined;
    link.prev = link.next = link.owner = undefined;
    this.#size -= 1;
  }

  /** Take the oldest entry out and return it. */
  shift(): L | undefined {
    const link = this.#first;
    if (link) this.remove(link);
    return link;
  }

  /** Take every entry out, oldest first. */
  drain(): L[] {
    const all: L[] = [];
    for (let link = this.shift(); link; link = this.shift()) all.push(link);
    return all;
  }

  /** Every entry, oldest first, without taking them out (a snapshot: the callback may remove entries). */
  snapshot(): L[] {
    const all: L[] = [];
    for (let link = this.#first; link; link = link.next as L | undefined) all.push(link);
    return all;
  }
}
