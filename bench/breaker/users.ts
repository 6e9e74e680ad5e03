// Closed-loop users that keep every response with its own send and receive
// times (autocannon only gives per-second buckets), so the breaker bench can
// split one continuous run at the moments the breaker opened and the database
// came back. Polite users wait out a 503's Retry-After before their next
// request, as a well-behaved client does; the others send it at once (a
// retry storm: the worst case for the service).
import { Agent, request } from 'node:http';
import { errorCode } from '../load/tally.js';

export interface Sample {
  /** ms since the run started (performance.now() based) */
  sentMs: number;
  doneMs: number;
  status: number;
  /** error.code of a non-2xx JSON body, 'OK' for a 2xx, 'CLIENT_ERROR' when the request failed */
  code: string;
  retryAfter: boolean;
}

export interface Users {
  samples: Sample[];
  /** ms on the same clock as the samples. */
  now(): number;
  stop(): Promise<void>;
}

function once(agent: Agent, url: URL, timeoutMs: number): Promise<{ status: number; body: string; retryAfter: string | undefined }> {
  return new Promise((resolve) => {
    const req = request(url, { agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), retryAfter: res.headers['retry-after'] }));
      res.on('error', () => resolve({ status: 0, body: '', retryAfter: undefined }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '', retryAfter: undefined }));
    req.end();
  });
}

/** Start `count` users sending GET `url` back to back until stop(). */
export function startUsers(url: string, count: number, options: { polite: boolean; timeoutMs?: number }): Users {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const agent = new Agent({ keepAlive: true, maxSockets: count });
  const target = new URL(url);
  const started = performance.now();
  const now = () => performance.now() - started;
  const samples: Sample[] = [];
  let running = true;
  const sleepWhileRunning = async (ms: number) => {
    for (const end = now() + ms; running && now() < end; ) await new Promise((resolve) => setTimeout(resolve, Math.min(100, end - now())));
  };
  const user = async () => {
    while (running) {
      const sentMs = now();
      const r = await once(agent, target, timeoutMs);
      const code = r.status === 0 ? 'CLIENT_ERROR' : r.status < 300 ? 'OK' : errorCode(r.body);
      samples.push({ sentMs, doneMs: now(), status: r.status, code, retryAfter: r.retryAfter !== undefined });
      const wait = Number(r.retryAfter);
      if (options.polite && r.status === 503 && wait > 0) await sleepWhileRunning(wait * 1000);
      // No response at all (a reset socket): pause, so a dead connection does not spin the loop.
      if (r.status === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const loops = Array.from({ length: count }, () => user());
  return {
    samples,
    now,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}
