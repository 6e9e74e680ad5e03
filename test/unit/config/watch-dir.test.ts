import { afterEach, describe, expect, it } from 'vitest';
import { configDirDigest, readConfigDirSync } from '../../../src/config/config-dir.js';
import { watchConfigDir, type ConfigDirWatch } from '../../../src/config/watch-dir.js';
import { waitFor } from '../../support/database-target.js';
import { configMapVolume, type ConfigMapVolume } from '../../support/configmap-volume.js';
import { memoryLogger } from '../support/memory-logger.js';

/** What onChange saw each time it ran: the directory's content then. */
type Seen = Array<Record<string, string>>;

/** The periodic check far away, so only fs.watch can be what noticed. */
const NEVER = 3_600_000;

describe('watchConfigDir over a real directory and the kubelet ..data swap', () => {
  let volume: ConfigMapVolume | undefined;
  let watch: ConfigDirWatch | undefined;
  afterEach(() => {
    watch?.stop();
    volume?.remove();
    watch = undefined;
    volume = undefined;
  });

  function start(
    options: { pollMs?: number; useFsWatch?: boolean; debounceMs?: number; digest?: (dir: string) => string; onChange?: (seen: Seen) => Promise<void> } = {},
  ): Seen {
    const seen: Seen = [];
    volume ??= configMapVolume({ DB_POOL_MAX: '10' });
    const dir = volume.dir;
    watch = watchConfigDir({
      dir,
      logger: memoryLogger().logger,
      debounceMs: options.debounceMs ?? 50,
      pollMs: options.pollMs ?? NEVER,
      ...(options.digest ? { digest: options.digest } : {}),
      useFsWatch: options.useFsWatch,
      onChange: async () => {
        seen.push(readConfigDirSync(dir));
        await options.onChange?.(seen);
      },
    });
    return seen;
  }

  it('checks once at start, so a change between loading and watching is not lost', async () => {
    const seen = start();
    await waitFor('the first check', () => seen.length === 1);
    expect(seen).toEqual([{ DB_POOL_MAX: '10' }]);
  });

  it('hears every ..data symlink swap through fs.watch on the directory (a watch on a key file hears only the first)', async () => {
    const seen = start();
    await waitFor('the first check', () => seen.length === 1);
    volume!.update({ DB_POOL_MAX: '3' });
    await waitFor('the first swap', () => seen.length === 2);
    volume!.update({ DB_POOL_MAX: '4' });
    await waitFor('the second swap', () => seen.length === 3);
    volume!.update({ DB_POOL_MAX: '5', LOG_LEVEL: 'debug' });
    await waitFor('the third swap, adding a key', () => seen.length === 4);
    expect(seen.slice(1)).toEqual([{ DB_POOL_MAX: '3' }, { DB_POOL_MAX: '4' }, { DB_POOL_MAX: '5', LOG_LEVEL: 'debug' }]);
  });

  it('debounces the events of one burst of swaps into one check, and one onChange with the last content', async () => {
    // Checks counted by the digest each one reads: without the debounce, every event of the
    // burst (several per swap) would start a check or queue another behind the running one.
    let checks = 0;
    const seen = start({
      debounceMs: 300,
      digest: (dir) => {
        checks += 1;
        return configDirDigest(dir);
      },
    });
    await waitFor('the first check', () => seen.length === 1);
    checks = 0;
    for (const max of ['4', '5', '6']) volume!.update({ DB_POOL_MAX: max });
    await waitFor('the burst', () => seen.length === 2);
    expect(checks).toBe(1);
    expect(seen[1]).toEqual({ DB_POOL_MAX: '6' });
    // Nothing else changed: checks find the digest handled and stay quiet.
    await watch!.check();
    expect(seen).toHaveLength(2);
  });

  it('does not call onChange again for a swap to equal content', async () => {
    const seen = start();
    await waitFor('the first check', () => seen.length === 1);
    volume!.update({ DB_POOL_MAX: '10' });
    volume!.update({ DB_POOL_MAX: '11' });
    await waitFor('the real change', () => seen.length === 2);
    expect(seen[1]).toEqual({ DB_POOL_MAX: '11' });
  });

  it('finds a change by the periodic content check when fs.watch is not there', async () => {
    const seen = start({ useFsWatch: false, pollMs: 50 });
    await waitFor('the first check', () => seen.length === 1);
    volume!.update({ DB_POOL_MAX: '2' });
    await waitFor('the periodic check', () => seen.length === 2);
    expect(seen[1]).toEqual({ DB_POOL_MAX: '2' });
  });

  it('never runs onChange twice at once: a change during a reload is handled after it', async () => {
    let inside = 0;
    let most = 0;
    let releaseFirst!: () => void;
    const firstMayEnd = new Promise<void>((resolve) => (releaseFirst = resolve));
    const seen = start({
      onChange: async (s) => {
        inside += 1;
        most = Math.max(most, inside);
        if (s.length === 2) await firstMayEnd;
        inside -= 1;
      },
    });
    await waitFor('the first check', () => seen.length === 1);
    volume!.update({ DB_POOL_MAX: '20' });
    await waitFor('the reload that blocks', () => seen.length === 2);
    volume!.update({ DB_POOL_MAX: '21' });
    const pending = watch!.check();
    releaseFirst();
    await pending;
    await waitFor('the change made during it', () => seen.length === 3);
    expect(seen[2]).toEqual({ DB_POOL_MAX: '21' });
    expect(most).toBe(1);
  });

  it('stops: no check after stop()', async () => {
    const seen = start();
    await waitFor('the first check', () => seen.length === 1);
    watch!.stop();
    volume!.update({ DB_POOL_MAX: '30' });
    await watch!.check();
    expect(seen).toHaveLength(1);
  });
});
