// A ConfigMap mounted as a volume, updated the way the kubelet updates it:
// the keys are symlinks `KEY -> ..data/KEY`, `..data` is a symlink to a
// timestamped directory, and an update writes a new directory and swaps
// `..data` with one rename, so a reader never sees half an update (and a
// watcher on the file inode sees nothing at all: it must watch the directory).
import { mkdirSync, mkdtempSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ConfigVolume {
  dir: string;
  /** Replace the volume's content with `data` in one atomic swap; returns when the swap happened (ms since epoch). */
  update(data: Record<string, string>): number;
  remove(): void;
}

export function createConfigVolume(initial: Record<string, string>): ConfigVolume {
  const dir = mkdtempSync(join(tmpdir(), 'orapool-configmap-'));
  let generation = 0;
  let keys = new Set<string>();
  const write = (data: Record<string, string>): number => {
    const version = `..${new Date().toISOString().replace(/[-:.]/g, '_')}.${++generation}`;
    mkdirSync(join(dir, version));
    for (const [key, value] of Object.entries(data)) writeFileSync(join(dir, version, key), value);
    let previous: string | undefined;
    try {
      previous = readlinkSync(join(dir, '..data'));
    } catch {
      previous = undefined;
    }
    symlinkSync(version, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    const swappedAt = Date.now();
    for (const key of Object.keys(data)) {
      if (!keys.has(key)) symlinkSync(join('..data', key), join(dir, key));
    }
    for (const key of keys) if (!(key in data)) rmSync(join(dir, key), { force: true });
    keys = new Set(Object.keys(data));
    if (previous) rmSync(join(dir, previous), { recursive: true, force: true });
    return swappedAt;
  };
  write(initial);
  return { dir, update: write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
