import type { Logger } from 'winston';

/**
 * logger.isLevelEnabled(level), remembered until logger.level changes (a
 * live LOG_LEVEL reload sets it). winston answers it by walking its
 * transports with a fresh callback each time, and the request log asks on
 * every request, mostly to learn that a line will not be written. The
 * service's transports take the logger's level, so it alone decides.
 */
export function levelGate(logger: Logger): (level: string) => boolean {
  let levelSeen: string | undefined;
  const answers = new Map<string, boolean>();
  return (level) => {
    if (logger.level !== levelSeen) {
      levelSeen = logger.level;
      answers.clear();
    }
    let enabled = answers.get(level);
    if (enabled === undefined) {
      enabled = logger.isLevelEnabled(level);
      answers.set(level, enabled);
    }
    return enabled;
  };
}
