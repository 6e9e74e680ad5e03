// The burst's client, run by the load benchmark as its own plain node
// process (burst.ts, BurstClient), never by the product. In a burst the
// client's own work (1000 connects, 1000 requests, 1000 answers parsed) is
// as large as the server's, so it must be the same client in every run: not
// the benchmark's driver, whose heap by then holds every earlier scenario's
// results and whose collector pauses would land in whichever burst they
// happen to fall. One JSON line on stdin per burst ({url, connections,
// timeoutSeconds}); one JSON line back with every answer's latency and this
// process's CPU time for the burst.
import http from 'node:http';
import { createInterface } from 'node:readline';

/** Every request on its own new connection, all sent before any answer can arrive. */
async function burst({ url, connections, timeoutSeconds }) {
  const target = new URL('/api/health', url);
  const byStatus = {};
  const errors = {};
  const shed = [];
  const all = [];
  const cpu = process.cpuUsage();
  const one = () =>
    new Promise((resolve) => {
      const sent = performance.now();
      const req = http.get(target, { agent: false, timeout: timeoutSeconds * 1000, headers: { connection: 'close' } }, (res) => {
        res.resume();
        res.on('end', () => {
          const ms = performance.now() - sent;
          const status = String(res.statusCode ?? 0);
          byStatus[status] = (byStatus[status] ?? 0) + 1;
          all.push(ms);
          if (status === '503') shed.push(ms);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
      req.on('error', (error) => {
        const code = error.code ?? error.message;
        errors[code] = (errors[code] ?? 0) + 1;
        resolve();
      });
    });
  await Promise.all(Array.from({ length: connections }, one));
  const used = process.cpuUsage(cpu);
  return { byStatus, errors, shed, all, clientCpuMs: (used.user + used.system) / 1000 };
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  process.stdout.write(`${JSON.stringify(await burst(JSON.parse(line)))}\n`);
}
