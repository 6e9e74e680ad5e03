import type { ServerModeReport } from '../../db/connect-data.js';
import type { PoolFigures } from '../../db/types.js';

/** The pool's figures in a /api/health answer (routes/health.ts): all but the growth step. */
export type HealthPoolReport = Omit<PoolFigures, 'increment'>;

/** What changes from one healthy answer to the next, as measured. */
export interface HealthFigures {
  roundTripSeconds: number;
  pool: HealthPoolReport;
  uptimeMs: number;
}

/** uptimeSeconds in an answer: seconds to the tenth (the round-trip is in milliseconds to the microsecond). */
export const uptimeSeconds = (ms: number): number => Math.round(ms / 100) / 10;

/**
 * The JSON text of a healthy GET /api/health answer: exactly what
 * JSON.stringify writes for the answer as an object (a unit test holds the
 * two equal), written by hand because it is every request's body. Stringify
 * walks three nested objects, and rounding with toFixed() and printing the
 * result as a double costs as much again; both showed in the overhead
 * profiles (bench/results/profiles/). So the strings (server mode, version)
 * are serialized once, and the two decimals are printed from whole numbers
 * of their last digit.
 */
export function healthyBody(serverMode: ServerModeReport, version: string): (f: HealthFigures) => string {
  const mode = JSON.stringify(serverMode).slice(1, -1);
  const head = '{"status":"ok","database":{"reachable":true,"roundTripMs":';
  const database = `${mode ? `,${mode}` : ''}},`;
  const tail = `,"version":${JSON.stringify(version)},"uptimeSeconds":`;
  return ({ roundTripSeconds, pool: p, uptimeMs }) =>
    `${head}${decimal(Math.round(roundTripSeconds * 1e6), 1000)}${database}"pool":${poolJson(p)}${tail}${uptimeJson(uptimeMs)}}`;
}

/** The pool report as JSON.stringify writes it (HealthPoolReport's fields, in order). */
export const poolJson = (p: HealthPoolReport): string =>
  `{"open":${num(p.open)},"inUse":${num(p.inUse)},"idle":${num(p.idle)},"waiting":${num(p.waiting)},"min":${num(p.min)},"max":${num(p.max)},"queueMax":${num(p.queueMax)},"queueTimeoutSeconds":${num(p.queueTimeoutSeconds)}}`;

/** uptimeSeconds(ms) as JSON.stringify writes it. */
export const uptimeJson = (ms: number): string => decimal(Math.round(ms / 100), 10);

/** A number as JSON writes it: String() for a finite one, null otherwise. */
const num = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

/** units / scale as JSON writes it, from whole numbers only (scale 10 or 1000). */
function decimal(units: number, scale: 10 | 1000): string {
  // Beyond 15 digits the shortest form of the quotient may not be its decimal digits.
  if (!(Math.abs(units) < 1e15)) return num(units / scale);
  const magnitude = Math.abs(units);
  const whole = Math.floor(magnitude / scale);
  const part = magnitude - whole * scale;
  const sign = units < 0 ? '-' : '';
  if (part === 0) return `${sign}${whole}`;
  let digits = String(part + scale).slice(1); // zero-padded: 7 -> "007" for scale 1000
  while (digits.endsWith('0')) digits = digits.slice(0, -1);
  return `${sign}${whole}.${digits}`;
}
