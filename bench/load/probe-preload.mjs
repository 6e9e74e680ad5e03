// Loaded by the load benchmark only, into the processes it measures
// (NODE_OPTIONS="--expose-gc --import <this file>"), never by the product: a
// tiny loopback HTTP port (BENCH_PROBE_PORT) that answers this process's CPU
// time and memory, forces a GC when asked, and starts and stops the V8 CPU
// profiler (what `node --cpu-prof` records, but over the measured window
// only; --cpu-prof is not allowed in NODE_OPTIONS). The service gains no
// endpoint, and orapool, bare Koa and bare node:http are read the same way.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { Session } from 'node:inspector';
import v8 from 'node:v8';

const port = Number(process.env.BENCH_PROBE_PORT ?? 0);
let session;
const post = (method, params = {}) =>
  new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));

/** Committed bytes per V8 heap space (new_space, old_space, code_space, large_object_space, ...): where heapTotal sits. */
const heapSpaces = () => Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]));

/**
 * From /proc/self/status: threads (each V8 isolate, e.g. a loader-hooks
 * worker, brings its own heap and threads) and RSS split into anonymous
 * memory (heaps, buffers) and file-backed pages (the node binary, mapped
 * libraries), so a difference in RSS can be told apart from a difference in
 * what the process has mapped. Empty where /proc is missing.
 */
function procStatus() {
  let text;
  try {
    text = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return {};
  }
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { threads: field('Threads'), rssAnonBytes: field('RssAnon') * 1024, rssFileBytes: field('RssFile') * 1024 };
}

async function answer(url) {
  if (url === '/gc' && typeof globalThis.gc === 'function') {
    // Twice: the first pass may leave weak references the second collects.
    globalThis.gc();
    globalThis.gc();
  }
  if (url.startsWith('/heap-snapshot?')) {
    // For leak hunting by hand: a .heapsnapshot at the path given, after a GC.
    globalThis.gc?.();
    const { writeHeapSnapshot } = await import('node:v8');
    return { file: writeHeapSnapshot(decodeURIComponent(url.slice('/heap-snapshot?'.length))) };
  }
  if (url === '/profile/start') {
    session ??= new Session();
    session.connect();
    await post('Profiler.enable');
    // 1 ms sampling, as --cpu-prof's default.
    await post('Profiler.setSamplingInterval', { interval: Number(process.env.BENCH_PROFILE_INTERVAL_US ?? 1000) });
    await post('Profiler.start');
    return { started: true };
  }
  if (url === '/profile/stop') {
    const { profile } = await post('Profiler.stop');
    session.disconnect();
    return profile;
  }
  return { cpu: process.cpuUsage(), memory: process.memoryUsage(), heapSpaces: heapSpaces(), proc: procStatus(), gc: typeof globalThis.gc === 'function' };
}

if (port > 0) {
  const server = http.createServer((req, res) => {
    answer(req.url ?? '/').then(
      (body) => res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body)),
      (error) => res.writeHead(500, { connection: 'close' }).end(String(error)),
    );
  });
  server.listen(port, '127.0.0.1');
  // Never the reason a process stays alive on shutdown.
  server.unref();
}
