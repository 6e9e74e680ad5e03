import { mkdirSync, mkdtempSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A ConfigMap volume as the kubelet writes it (pkg/volume/util/atomic_writer.go):
 * each version in a timestamped directory `..<timestamp>`, the `..data`
 * symlink pointing at the current one, swapped by writing `..data_tmp` and
 * renaming it over `..data` (one atomic rename), and one symlink per key
 * through `..data`. The old version is removed after the swap.
 */
export interface ConfigMapVolume {
  dir: string;
  /** Publish a new version holding exactly these keys. */
  update(data: Record<string, string>): void;
  remove(): void;
}

let versions = 0;

export function configMapVolume(data: Record<string, string>): ConfigMapVolume {
  const dir = mkdtempSync(join(tmpdir(), 'orapool-configmap-'));
  const update = (next: Record<string, string>) => {
    const version = `..${new Date().toISOString().replace(/[-:.]/g, '_')}.${process.pid}_${++versions}`;
    mkdirSync(join(dir, version));
    for (const [key, value] of Object.entries(next)) writeFileSync(join(dir, version, key), value);
    const previous = existsSync(join(dir, '..data')) ? readlinkSync(join(dir, '..data')) : undefined;
    symlinkSync(version, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    for (const key of Object.keys(next)) {
      if (!existsSync(join(dir, key))) symlinkSync(join('..data', key), join(dir, key));
    }
    if (previous) rmSync(join(dir, previous), { recursive: true, force: true });
  };
  update(data);
  return { dir, update, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
