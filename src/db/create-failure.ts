import { describeError } from '../errors.js';
import { connectTarget } from './connect-target.js';

/**
 * Logon rejections that retrying cannot fix (the credentials are read once,
 * at startup) and that retrying makes worse: every failed logon counts toward
 * the profile's FAILED_LOGIN_ATTEMPTS (10 by default), so a pod retrying a
 * wrong password would lock the account for every other client of it,
 * including the old pods still serving during a rollout.
 */
const REJECTED_LOGON: Readonly<Record<string, string>> = {
  'ORA-01017': 'the database rejected DB_USER/DB_PASSWORD',
  'ORA-28000': 'the account is locked',
  'ORA-28001': 'the password has expired',
};

export interface CreateFailure {
  code?: string;
  /** The driver's first line, with the connect string replaced by its host/port/service. */
  message: string;
  /** Set when retrying cannot help and would count as another failed logon. */
  stopRetrying?: string;
}

/** Describe a failed pool creation for logs and readiness, never echoing the connect string. */
export function describeCreateFailure(error: unknown, connectString: string): CreateFailure {
  const { code, message } = describeError(error);
  // Some driver errors (NJS-515 and friends) quote the whole connect string,
  // which may carry a wallet path or parameters and can come from a Secret.
  const cs = connectString.trim();
  const safe = cs.length > 0 ? message.split(cs).join(connectTarget(cs)) : message;
  const rejected = code !== undefined ? REJECTED_LOGON[code] : undefined;
  return { ...(code ? { code } : {}), message: safe, ...(rejected ? { stopRetrying: rejected } : {}) };
}
