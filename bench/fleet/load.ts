// Steady load through the balancer: closed-loop users sending GET /api/health
// (one pool borrow and one round-trip each), honouring Retry-After on a 503
// as a polite client does. Every answer is recorded with its start time, so a
// phase's figures are the requests it started.
import http from 'node:http';
import { errorCode } from '../load/tally.js';

export type Outcome = 'ok' | 'shed' | 'lost';

export interface RequestRecord {
  startedAt: number;
  ms: number;
  outcome: Outcome;
  /** For a clean 503, its JSON code; for a lost request, what went wrong (status and code, or the socket error). */
  detail: string;
}

/** A clean refusal: 503 with Retry-After and a JSON error code. Anything else but a 2xx is lost. */
export function classify(status: number, retryAfter: string | undefined, body: string): { outcome: Outcome; detail: string } {
  if (status >= 200 && status < 300) return { outcome: 'ok', detail: String(status) };
  // Any JSON code counts (the breaker's DATABASE_UNAVAILABLE too), not only the load bench's shed codes.
  const code = errorCode(body);
  const coded = code !== 'NO_CODE' && code !== 'NOT_JSON';
  if (status === 503 && retryAfter !== undefined && /^\d+$/.test(retryAfter) && coded) return { outcome: 'shed', detail: code };
  return { outcome: 'lost', detail: `${status} ${code}${status === 503 && retryAfter === undefined ? ' (no Retry-After)' : ''}` };
}

export interface LoadGenerator {
  records: RequestRecord[];
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function once(agent: http.Agent, url: URL, timeoutMs: number): Promise<Omit<RequestRecord, 'startedAt' | 'ms'> & { retryAfterSeconds: number }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => resolve({ outcome: 'lost', detail: `response ${(err as NodeJS.ErrnoException).code ?? err.message}`, retryAfterSeconds: 0 }));
      res.on('end', () => {
        const retryAfter = res.headers['retry-after'];
        const verdict = classify(res.statusCode ?? 0, typeof retryAfter === 'string' ? retryAfter : undefined, Buffer.concat(chunks).toString('utf8'));
        resolve({ ...verdict, retryAfterSeconds: verdict.outcome === 'shed' ? Number(retryAfter) : 0 });
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', (err) => resolve({ outcome: 'lost', detail: (err as NodeJS.ErrnoException).code ?? err.message, retryAfterSeconds: 0 }));
  });
}

/**
 * Start `users` closed-loop users against `baseUrl`. A user that is told to
 * retry after N seconds waits min(N, maxBackoffMs) first; after a lost
 * request, a tenth of maxBackoffMs.
 */
export function startLoad(baseUrl: string, options: { users: number; timeoutMs: number; maxBackoffMs: number }): LoadGenerator {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.users });
  const url = new URL('/api/health', baseUrl);
  const records: RequestRecord[] = [];
  let running = true;
  const user = async () => {
    while (running) {
      const startedAt = Date.now();
      const t0 = performance.now();
      const answer = await once(agent, url, options.timeoutMs);
      records.push({ startedAt, ms: Number((performance.now() - t0).toFixed(2)), outcome: answer.outcome, detail: answer.detail });
      if (answer.retryAfterSeconds > 0) await sleep(Math.min(answer.retryAfterSeconds * 1000, options.maxBackoffMs));
      // A failed request is retried after a short pause, as clients with a retry delay do, not in a tight loop.
      else if (answer.outcome === 'lost') await sleep(options.maxBackoffMs / 10);
    }
  };
  const users = Array.from({ length: options.users }, () => user());
  return {
    records,
    async stop() {
      running = false;
      await Promise.all(users);
      agent.destroy();
    },
  };
}
