import { readFileSync } from 'node:fs';

/**
 * The listen backlog the kernel will really give: Linux silently caps a
 * listen(2) backlog at net.core.somaxconn, so HTTP_LISTEN_BACKLOG above it
 * buys nothing, and the operator should hear so at startup instead of
 * finding out in a burst. undefined `somaxconn`: not Linux, or not readable
 * (the cap is then unknown and not reported).
 */
export function effectiveBacklog(requested: number, somaxconn: number | undefined): { backlog: number; cappedBy?: number } {
  return somaxconn !== undefined && somaxconn < requested ? { backlog: somaxconn, cappedBy: somaxconn } : { backlog: requested };
}

/** net.core.somaxconn, or undefined where there is no such file. */
export function readSomaxconn(read: () => string = () => readFileSync('/proc/sys/net/core/somaxconn', 'utf8')): number | undefined {
  try {
    const value = Number.parseInt(read().trim(), 10);
    return Number.isInteger(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
