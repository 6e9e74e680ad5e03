// Preloaded into the real service by the memory-watermark integration test
// (NODE_OPTIONS="--expose-gc --import=<this file>"); never part of the service.
//
// 1. A container memory limit on a host that has none: the service measures
//    RSS against the cgroup limit (src/health/memory.ts), and a test machine
//    outside a container has no limit, so every ratio would be 0. When
//    ORAPOOL_TEST_MEMORY_LIMIT_BYTES is set, reading cgroup v2 memory.max
//    returns it. RSS itself stays real.
// 2. Real memory pressure on demand: SIGUSR2 allocates
//    ORAPOOL_TEST_BALLAST_BYTES of touched memory (RSS really grows); the next
//    SIGUSR2 frees it and collects garbage (RSS really falls). Each toggle
//    prints one JSON line on stderr: {"event":"test_ballast","held":...,"rssBytes":...}.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const limit = Number(process.env.ORAPOOL_TEST_MEMORY_LIMIT_BYTES ?? 0);
if (limit > 0) {
  const readFileSync = fs.readFileSync;
  fs.readFileSync = function patchedReadFileSync(path, ...rest) {
    if (path === '/sys/fs/cgroup/memory.max') return `${limit}\n`;
    return readFileSync.call(this, path, ...rest);
  };
  // ESM importers of node:fs (import { readFileSync }) see the patched function too.
  syncBuiltinESMExports();
}

const ballastBytes = Number(process.env.ORAPOOL_TEST_BALLAST_BYTES ?? 0);
let ballast;
process.on('SIGUSR2', () => {
  if (ballast) {
    ballast = undefined;
    globalThis.gc?.();
  } else {
    ballast = Buffer.allocUnsafe(ballastBytes).fill(1); // fill: touch every page, so RSS counts it
  }
  process.stderr.write(`${JSON.stringify({ event: 'test_ballast', held: ballast !== undefined, rssBytes: process.memoryUsage.rss() })}\n`);
});
