import { readFileSync } from 'node:fs';
import { parse } from 'dotenv';

/**
 * The environment for loadConfig: `.env` (for local runs) under the real
 * environment, which always wins, as twelve-factor tools do. process.env is
 * not modified. A missing .env is normal (containers have none).
 *
 * NAME and NAME_FILE are one setting: when the real environment gives either
 * (say DB_PASSWORD_FILE from a mounted Secret), both are dropped from .env,
 * so a developer's DB_PASSWORD in .env neither overrides it nor turns it into
 * a "set both" error.
 */
export function environmentWithDotEnv(env: NodeJS.ProcessEnv, path = '.env'): Record<string, string | undefined> {
  let fromFile: Record<string, string> = {};
  try {
    fromFile = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const setting = (name: string) => name.replace(/_FILE$/, '');
  const fromEnvironment = new Set(Object.keys(env).filter((name) => env[name] !== undefined).map(setting));
  const kept = Object.fromEntries(Object.entries(fromFile).filter(([name]) => !fromEnvironment.has(setting(name))));
  return { ...kept, ...env };
}
