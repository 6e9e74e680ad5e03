// HTTP control of a running simulator, for load tests that run it as a
// separate process: read stats, inject faults, change latency. Binds to
// 127.0.0.1 only: anyone who reaches it can kill sessions.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Simulator } from '../server/simulator.js';

type Handler = (q: URLSearchParams) => unknown;

class BadRequest extends Error {}

function intParam(q: URLSearchParams, name: string, required: boolean): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') {
    if (required) throw new BadRequest(`query parameter "${name}" is required`);
    return undefined;
  }
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new BadRequest(`query parameter "${name}" must be a number >= 0, got "${raw}"`);
  return n;
}

function onOff(q: URLSearchParams): boolean {
  const on = q.get('on');
  if (on !== '1' && on !== '0') throw new BadRequest('query parameter "on" must be 1 or 0');
  return on === '1';
}

function routes(sim: Simulator): Map<string, Handler> {
  return new Map<string, Handler>([
    ['GET /stats', () => sim.stats()],
    ['POST /stats/reset', () => (sim.resetStats(), sim.stats())],
    [
      'POST /faults/refuse',
      (q) => {
        const on = q.get('on');
        if (on !== '1' && on !== '0') throw new BadRequest('query parameter "on" must be 1 or 0');
        sim.faults.refuseConnections(on === '1');
        return { refusing: on === '1' };
      },
    ],
    ['POST /faults/kill', (q) => ({ killed: sim.faults.killSessions(intParam(q, 'count', false)) })],
    [
      'POST /faults/kill-session',
      (q) => ({
        killed: sim.faults.killSessionsAsDba({
          sid: intParam(q, 'sid', false),
          user: q.get('user') || undefined,
          count: intParam(q, 'count', false),
        }),
      }),
    ],
    [
      'POST /faults/firewall-drop',
      (q) => ({ dropped: sim.faults.firewallDropIdle({ idleMs: intParam(q, 'idleMs', false), count: intParam(q, 'count', false) }) }),
    ],
    ['POST /faults/unregister-service', (q) => (sim.faults.unregisterService(onOff(q)), { serviceUnregistered: q.get('on') === '1' })],
    ['POST /faults/drcp-stopped', (q) => (sim.faults.stopDrcpPool(onOff(q)), { drcpStopped: q.get('on') === '1' })],
    [
      'POST /limits/profile',
      (q) => {
        const limits = {
          sessionsPerUser: intParam(q, 'sessionsPerUser', false),
          idleTimeMs: intParam(q, 'idleTimeMs', false),
          connectTimeMs: intParam(q, 'connectTimeMs', false),
        };
        sim.faults.setProfile(limits);
        return { profile: limits };
      },
    ],
    [
      'POST /limits/processes',
      (q) => {
        const max = intParam(q, 'max', false);
        sim.faults.setMaxProcesses(max);
        return { maxProcesses: max ?? null };
      },
    ],
    ['GET /sessions', () => ({ sessions: sim.sessions() })],
    ['POST /faults/freeze', () => (sim.faults.freeze(), { frozen: true })],
    ['POST /faults/unfreeze', () => (sim.faults.unfreeze(), { frozen: false })],
    [
      'POST /latency',
      (q) => {
        const meanMs = intParam(q, 'ms', true)!;
        const p99Ms = intParam(q, 'p99', false);
        sim.faults.setStatementLatency(p99Ms === undefined ? meanMs : { meanMs, p99Ms });
        return { meanMs, p99Ms: p99Ms ?? meanMs };
      },
    ],
    [
      'POST /latency/logon',
      (q) => {
        const ms = intParam(q, 'ms', true)!;
        sim.faults.setLogonLatency(ms);
        return { logonLatencyMs: ms };
      },
    ],
    ['POST /reset', () => (sim.faults.reset(), { reset: true })],
  ]);
}

/** The control API as a plain (req, res) handler. */
function controlHandler(sim: Simulator): http.RequestListener {
  const table = routes(sim);
  const paths = new Set([...table.keys()].map((k) => k.split(' ')[1]));
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const handler = table.get(`${req.method} ${url.pathname}`);
    if (!handler) {
      if (paths.has(url.pathname)) return send(405, { error: `method ${req.method} not allowed` });
      return send(404, { error: `no route ${url.pathname}` });
    }
    try {
      send(200, handler(url.searchParams));
    } catch (err) {
      if (err instanceof BadRequest || err instanceof RangeError) return send(400, { error: err.message });
      send(500, { error: 'internal error' });
    }
  };
}

export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

export async function startControlServer(sim: Simulator, port = 0): Promise<ControlServer> {
  const server = http.createServer(controlHandler(sim));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
