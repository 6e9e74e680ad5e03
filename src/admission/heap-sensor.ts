import { getHeapStatistics } from 'node:v8';

/**
 * V8 heap used / heap limit, sampled at most every `everyMs`: admission
 * control reads it on every request, and fresher than that buys nothing.
 * (No RSS here: that is a syscall.)
 */
export function sampledHeapRatio(everyMs = 250, now: () => number = Date.now): () => number {
  let value = 0;
  let at = Number.NEGATIVE_INFINITY;
  return () => {
    const t = now();
    if (t - at >= everyMs) {
      const heap = getHeapStatistics();
      value = heap.used_heap_size / heap.heap_size_limit;
      at = t;
    }
    return value;
  };
}
