// The listener's answer to a CONNECT: which TNS error refuses it, if any, in
// the order a real listener checks (blocked instance, unknown service, DRCP
// not started for SERVER=POOLED, then a listener-side session limit).
import { pooledConnectData } from './drcp/broker.js';
import type { SessionContext } from './session-context.js';

/** Listener error for "refuse new connections" faults: instances blocking new connections. */
const REFUSE_FAULT_ERROR = 12528;
const SERVICE_NOT_FOUND = 12514;
/** "listener could not find available handler": what a listener answers SERVER=POOLED with when DRCP is not started (oracle-tls-drcp.md §6) */
const NO_HANDLER = 12520;

export interface ListenerVerdict {
  /** 0 to accept, else the TNS error number of the REFUSE packet */
  refuse: number;
  /** the CONNECT_DATA of a SERVER=POOLED connect, when it is one */
  pooled: ReturnType<typeof pooledConnectData>;
}

export function listenerVerdict(ctx: SessionContext, descriptor: string, sessionId: number): ListenerVerdict {
  const service = /\(\s*SERVICE_NAME\s*=\s*([^)\s]*)\s*\)/i.exec(descriptor)?.[1] ?? '';
  const pooled = pooledConnectData(descriptor);
  let refuse = 0;
  if (ctx.faults.refusing) refuse = REFUSE_FAULT_ERROR;
  else if (service.toUpperCase() !== ctx.serviceName.toUpperCase() || ctx.faults.serviceUnregistered) {
    refuse = SERVICE_NOT_FOUND;
  } else if (pooled && (!ctx.broker || ctx.faults.drcpStopped)) refuse = NO_HANDLER;
  else if (ctx.sessionLimitError !== 'ORA-00018' && ctx.accepted.count >= ctx.maxSessions) {
    refuse = Number(ctx.sessionLimitError.slice(4));
  }
  if (refuse) {
    ctx.stats.refused();
    ctx.log(`session ${sessionId}: refusing connect to service "${service}" (ERR=${refuse})`);
  }
  return { refuse, pooled };
}
