import type { Config } from '../config/load.js';
import { connectTarget } from './connect-target.js';
import { describeServerMode } from './connect-data.js';

/**
 * The one line an operator reads to know the pool's size and where it
 * connects, written when the pool is created (and whenever its size changes).
 * Never the credentials: connectTarget() keeps host, port and service only.
 */
export function poolSizeMessage(headline: string, config: Config): string {
  const p = config.pool;
  return (
    `${headline}: min=${p.min} max=${p.max} increment=${p.increment} ` +
    `queueTimeout=${p.queueTimeoutSeconds}s queueMax=${p.queueMax} recycle=${p.recycleSeconds}s ` +
    `idleTimeout=${p.idleTimeoutSeconds}s pingInterval=${p.pingIntervalSeconds}s ` +
    `database=${connectTarget(config.db.connectString)} ${describeServerMode(config.db.server)}`
  );
}
