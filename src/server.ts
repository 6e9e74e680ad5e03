import { createServer, type RequestListener, type Server } from 'node:http';

/** Listen on host:port; resolves once the socket is bound, rejects on EADDRINUSE and friends. */
export function listen(listener: RequestListener, port: number, host: string, backlog: number): Promise<Server> {
  const server = createServer(listener);
  // Longer than typical load balancer idle timeouts (AWS ALB: 60 s), so the
  // balancer, not us, closes idle keep-alive connections: otherwise it may
  // send a request on a socket we are closing and answer the client 502.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
