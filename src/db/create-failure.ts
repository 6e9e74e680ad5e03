import { describeError } from '../logger.js';
import { connectTarget } from './connect-target.js';
import { rejectedLogon } from './oracle-errors.js';

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
  // Some driver errors (the thin driver's network errors) quote the whole connect string,
  // which may carry a wallet path or parameters and can come from a Secret.
  const cs = connectString.trim();
  const safe = cs.length > 0 ? message.split(cs).join(connectTarget(cs)) : message;
  const rejected = rejectedLogon(code);
  return { ...(code ? { code } : {}), message: safe, ...(rejected ? { stopRetrying: rejected } : {}) };
}
