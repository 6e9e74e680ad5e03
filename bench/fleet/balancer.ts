// A small round-robin HTTP load balancer standing in for a Kubernetes
// Service: each request goes to the next endpoint (ready pods, see
// PodManager.endpoints), with no retry, as kube-proxy gives none. A request
// that finds no endpoint, or whose pod refuses or drops it, is answered the
// way an ingress would (502/503 without Retry-After), so the client counts
// it as lost.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Upstream {
  port: number;
}

export interface Balancer {
  url: string;
  /** Requests forwarded per upstream port, for the report. */
  forwarded: Map<number, number>;
  close(): Promise<void>;
}

export async function startBalancer(endpoints: () => Upstream[]): Promise<Balancer> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const forwarded = new Map<number, number>();
  let next = 0;
  const server = http.createServer((req, res) => {
    const list = endpoints();
    if (list.length === 0) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'NO_ENDPOINTS', message: 'the Service has no ready endpoint' } }));
      return;
    }
    const target = list[next++ % list.length]!;
    forwarded.set(target.port, (forwarded.get(target.port) ?? 0) + 1);
    const upstream = http.request(
      { host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (res.headersSent) return res.destroy();
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'BAD_GATEWAY', message: (err as NodeJS.ErrnoException).code ?? err.message } }));
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
