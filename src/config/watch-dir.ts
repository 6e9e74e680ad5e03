import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'winston';
import { configDirDigest } from './config-dir.js';

export interface WatchConfigDirOptions {
  dir: string;
  /** Called when the directory's content changed; never twice at once. */
  onChange(): Promise<unknown>;
  logger: Logger;
  /** Quiet time after the last event before reading: one kubelet update is several events. */
  debounceMs?: number;
  /** The periodic content check, for what fs.watch misses (network filesystems, inotify limits). */
  pollMs?: number;
  /** Digest of the directory (config-dir.ts); replaceable in tests. */
  digest?: (dir: string) => string;
  /** false: the periodic check alone (tests of the fallback). */
  useFsWatch?: boolean;
}

export const CONFIG_DIR_DEBOUNCE_MS = 200;
export const CONFIG_DIR_POLL_MS = 10_000;

export interface ConfigDirWatch {
  /** Check now (what a debounced event or the periodic check does); resolves once handled. */
  check(): Promise<void>;
  stop(): void;
}

/**
 * Watch CONFIG_DIR for changes: fs.watch on the directory itself, not on a
 * file (the kubelet replaces files by swapping the `..data` symlink, and a
 * watch on a file's inode never hears of the new one), debounced, plus a
 * periodic digest of the content as a fallback. Either way onChange runs
 * only when the digest differs from the last one handled, and runs one at a
 * time: a change during a reload is handled right after it.
 *
 * The first check runs at start: a change made between loading the
 * configuration and watching is not lost (onChange finds nothing changed
 * when there is none).
 */
export function watchConfigDir(options: WatchConfigDirOptions): ConfigDirWatch {
  const { dir, logger } = options;
  const debounceMs = options.debounceMs ?? CONFIG_DIR_DEBOUNCE_MS;
  const digest = options.digest ?? ((d: string) => configDirDigest(d));
  let handled: string | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let debounce: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;

  const runOnce = async (): Promise<void> => {
    do {
      again = false;
      const current = digest(dir);
      if (current === handled) continue;
      handled = current;
      try {
        await options.onChange();
      } catch (error) {
        logger.error('Config reload failed', { event: 'config_reload_failed', error: String((error as Error)?.message ?? error) });
      }
    } while (again && !stopped);
  };

  const check = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = runOnce().finally(() => {
      running = undefined;
    });
    return running;
  };

  const startWatching = () => {
    if (options.useFsWatch === false || watcher || stopped) return;
    try {
      watcher = watch(dir, { persistent: false }, () => {
        clearTimeout(debounce);
        debounce = setTimeout(() => void check(), debounceMs);
        debounce.unref();
      });
      watcher.on('error', (error) => {
        // The directory went away (or was replaced): the periodic check goes on and watches again.
        logger.warn('CONFIG_DIR watch lost; relying on the periodic check', { event: 'config_watch_lost', dir, error: error.message });
        watcher?.close();
        watcher = undefined;
      });
    } catch (error) {
      logger.warn('Cannot watch CONFIG_DIR; relying on the periodic check', {
        event: 'config_watch_lost',
        dir,
        error: (error as NodeJS.ErrnoException).code ?? String(error),
      });
    }
  };

  startWatching();
  const poll = setInterval(() => {
    startWatching();
    void check();
  }, options.pollMs ?? CONFIG_DIR_POLL_MS);
  poll.unref();
  void check();

  return {
    check,
    stop() {
      stopped = true;
      clearInterval(poll);
      clearTimeout(debounce);
      watcher?.close();
      watcher = undefined;
    },
  };
}
