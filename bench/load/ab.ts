// The team's exact command, `ab -n 1000 -c 100 http://localhost:5001/api/health`,
// run with ApacheBench itself (apache2-utils), installed with apt when missing.
import { execFile, spawnSync } from 'node:child_process';

export interface AbResult {
  command: string;
  complete: number;
  /** ab's "Failed requests" minus its Length failures (see lengthMismatches). */
  failed: number;
  /**
   * ab counts a response whose body length differs from the first one as
   * "failed (Length)". /api/health bodies carry the measured round-trip time,
   * so their length varies by a byte or two: these are successful responses.
   */
  lengthMismatches: number;
  non2xx: number;
  successRate: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  raw: string;
}

export function hasAb(): boolean {
  return spawnSync('ab', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** Install apache2-utils with apt when ab is missing. Returns why it could not, or undefined when ab is there. */
export function ensureAb(log: (line: string) => void): string | undefined {
  if (hasAb()) return undefined;
  log('ab (apache2-utils) is missing; installing it with apt-get');
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'apache2-utils']]) {
    const run = spawnSync('apt-get', args, { encoding: 'utf8', timeout: 180_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (run.status !== 0) return `apt-get ${args.join(' ')} failed: ${(run.stderr || run.error?.message || '').trim().split('\n').pop()}`;
  }
  return hasAb() ? undefined : 'apache2-utils installed but ab is still not on PATH';
}

export function runAb(args: { requests: number; concurrency: number; url: string; timeoutSeconds: number }): Promise<AbResult> {
  const argv = ['-n', String(args.requests), '-c', String(args.concurrency), args.url];
  return new Promise((resolve, reject) => {
    execFile('ab', argv, { timeout: args.timeoutSeconds * 1000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const raw = `${stdout}${stderr}`;
      const parsed = parseAb(raw, `ab ${argv.join(' ')}`);
      if (parsed) resolve(parsed);
      else reject(new Error(`ab failed${error ? ` (${error.message})` : ''}:\n${raw}`));
    });
  });
}

export function parseAb(raw: string, command: string): AbResult | undefined {
  const num = (re: RegExp) => {
    const m = re.exec(raw);
    return m ? Number(m[1]) : undefined;
  };
  const complete = num(/^Complete requests:\s+(\d+)/m);
  const rps = num(/^Requests per second:\s+([\d.]+)/m);
  if (complete === undefined || rps === undefined) return undefined;
  const failedAll = num(/^Failed requests:\s+(\d+)/m) ?? 0;
  const lengthMismatches = num(/Length: (\d+)/) ?? 0;
  const non2xx = num(/^Non-2xx responses:\s+(\d+)/m) ?? 0;
  const failed = failedAll - lengthMismatches;
  const pct = (p: number) => num(new RegExp(`^\\s+${p}%\\s+(\\d+)`, 'm')) ?? 0;
  return {
    command,
    complete,
    failed,
    lengthMismatches,
    non2xx,
    successRate: complete === 0 ? 0 : Math.max(0, complete - failed - non2xx) / complete,
    requestsPerSecond: rps,
    latencyMs: { p50: pct(50), p95: pct(95), p99: pct(99), max: pct(100) },
    raw,
  };
}
