import type { ServerModeReport } from '../../db/connect-data.js';
import type { Database } from '../../db/types.js';
import type { Readiness } from '../../health/readiness.js';
import { errorBody } from '../error-handler.js';
import { ErrorCode, type AppError } from '../errors.js';
import { poolJson, uptimeJson } from './health-body.js';
import { reachableAfter, refusalReason } from './health.js';

export interface HealthRefusalBodyDeps {
  db: Pick<Database, 'figures'>;
  readiness: Readiness;
  version: string;
  startedAtMs: number;
  serverMode: ServerModeReport;
}

/**
 * The JSON text of a refused GET /api/health as the door writes it
 * (fast-refusal.ts): exactly what JSON.stringify writes for errorBody() of
 * the error with the route's facts beside it (healthRefusalDetails), which
 * is what Koa's path answers (a unit test holds the two equal). Under
 * overload this is most requests' body, and building the facts object,
 * spreading it into the error body and stringifying the result cost more
 * than the rest of the refusal's own work (the burst profiles in
 * bench/results/profiles/). So everything but the pool figures, the uptime
 * and the request id is serialized once per kind of refusal.
 */
export function healthRefusalBody(deps: HealthRefusalBodyDeps): (error: AppError, thrown: unknown, requestId: string) => string {
  const mode = JSON.stringify(deps.serverMode).slice(1, -1);
  const database = mode ? `,${mode}},"pool":` : '},"pool":';
  const tail = `,"version":${JSON.stringify(deps.version)},"uptimeSeconds":`;
  // By reachability, then code: the reason is the code's fixed public message except for an unavailable database.
  const heads = [new Map<ErrorCode, string>(), new Map<ErrorCode, string>()] as const;
  const head = (error: AppError, reachable: null | false): string => {
    const fixed = error.code !== ErrorCode.DATABASE_UNAVAILABLE;
    const cache = heads[reachable === null ? 0 : 1];
    let text = fixed ? cache.get(error.code) : undefined;
    if (text === undefined) {
      text = `{"status":"unavailable","reason":${JSON.stringify(refusalReason(deps.readiness, error))},"database":{"reachable":${reachable}${database}`;
      if (fixed) cache.set(error.code, text);
    }
    return text;
  };
  // The error object as errorBody gives it: a 5xx carries its code's fixed text, so it is written once per code.
  const errors = new Map<ErrorCode, string>();
  const errorJson = (error: AppError): string => {
    if (error.expose) return JSON.stringify(errorBody(error, undefined).error);
    let text = errors.get(error.code);
    if (text === undefined) errors.set(error.code, (text = JSON.stringify(errorBody(error, undefined).error)));
    return text;
  };
  return (error, thrown, requestId) =>
    `${head(error, reachableAfter(error, thrown))}${poolJson(deps.db.figures())}${tail}${uptimeJson(Date.now() - deps.startedAtMs)},"error":${errorJson(error)},"requestId":${JSON.stringify(requestId)}}`;
}
