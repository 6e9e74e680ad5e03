// Loaded by the load benchmark only, into the processes it measures
// (NODE_OPTIONS="--expose-gc --import <this file>"), never by the product: a
// tiny loopback HTTP port (BENCH_PROBE_PORT) that answers this process's CPU
// time and memory, forces a GC when asked, and starts and stops the V8 CPU
// profiler (what `node --cpu-prof` records, but over the measured window
// only; --cpu-prof is not allowed in NODE_OPTIONS). The service gains no
// endpoint, and orapool, bare Koa and bare node:http are read the same way.
import http from 'node:http';
import { Session } from 'node:inspector';

const port = Number(process.env.BENCH_PROBE_PORT ?? 0);
let session;
const post = (method, params = {}) =>
  new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));

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
    await post('Profiler.setSamplingInterval', { interval: 1000 });
    await post('Profiler.start');
    return { started: true };
  }
  if (url === '/profile/stop') {
    const { profile } = await post('Profiler.stop');
    session.disconnect();
    return profile;
  }
  return { cpu: process.cpuUsage(), memory: process.memoryUsage(), gc: typeof globalThis.gc === 'function' };
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
