import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from './files.js';
import type { ConfigProblem } from './rules.js';
import { describeVariables } from './spec.js';

/**
 * CONFIG_DIR: settings as one file per variable, the shape of a ConfigMap
 * mounted as a volume. Environment variables from a ConfigMap never change in
 * a running container; these files do, so they are what live reload reads.
 *
 * The kubelet writes a new version as a timestamped directory, points the
 * `..data` symlink at it with one atomic rename, and each key is a symlink
 * through `..data`. Reading the target of `..data` once gives a snapshot of a
 * single version: key files read one by one through their own symlinks could
 * mix two versions when an update lands mid-read.
 */

/** Reads a directory into { name: content }; throws a Node error (ENOENT, EACCES...) when it cannot. */
export type ReadConfigDir = (dir: string) => Record<string, string>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const readConfigDirSync: ReadConfigDir = (dir) => {
  let root = dir;
  try {
    root = realpathSync(join(dir, '..data'));
  } catch {
    // Not a ConfigMap volume (a plain directory): read the files themselves.
  }
  const values: Record<string, string> = {};
  for (const name of readdirSync(root).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(root, name);
    if (!statSync(path).isFile()) continue;
    // Files written by hand (echo, editors) end with a newline; the value does not.
    values[name] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  }
  return values;
};

/** A digest of the directory's settings, for the periodic check: equal digests, nothing to reload. */
export function configDirDigest(dir: string, read: ReadConfigDir = readConfigDirSync): string {
  try {
    return createHash('sha256').update(JSON.stringify(Object.entries(read(dir)))).digest('hex');
  } catch (error) {
    // Unreadable is a state of its own: the reload reports why, once, when it is entered.
    return `unreadable:${(error as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

/** Names a file in CONFIG_DIR may have: every variable, and <NAME>_FILE where the spec allows it. */
function knownNames(): Set<string> {
  const names = new Set<string>();
  for (const doc of describeVariables()) {
    names.add(doc.name);
    if (doc.fileAllowed) names.add(`${doc.name}_FILE`);
  }
  return names;
}

/**
 * The environment with CONFIG_DIR's files laid over it: a file replaces the
 * variable of its name, and NAME_FILE too (a file DB_PASSWORD must not meet
 * an environment DB_PASSWORD_FILE as "set both"). A file of an unknown name
 * is a problem, not ignored: a misspelt DB_POOL_MAXX would otherwise change
 * nothing without a word. CONFIG_DIR in the directory is ignored (a
 * directory cannot move itself; the Helm chart's ConfigMap holds it).
 */
export function overlayConfigDir(env: Environment, read: ReadConfigDir, problems: ConfigProblem[]): Record<string, string | undefined> {
  const dir = env.CONFIG_DIR;
  if (dir === undefined || dir === '') return { ...env };
  let files: Record<string, string>;
  try {
    files = read(dir);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push({ variable: 'CONFIG_DIR', rule: `cannot read ${dir} (${reason})` });
    return { ...env };
  }
  const known = knownNames();
  const merged: Record<string, string | undefined> = { ...env };
  for (const [name, value] of Object.entries(files)) {
    if (name === 'CONFIG_DIR') continue;
    if (!NAME.test(name) || !known.has(name)) {
      problems.push({ variable: `CONFIG_DIR/${name}`, rule: 'is not a setting orapool knows (misspelt?)' });
      continue;
    }
    const setting = name.replace(/_FILE$/, '');
    delete merged[setting];
    delete merged[`${setting}_FILE`];
    merged[name] = value;
  }
  return merged;
}
