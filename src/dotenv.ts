import { readFileSync } from 'node:fs';
import { parse } from 'dotenv';

/**
 * The environment for loadConfig: `.env` (for local runs) under the real
 * environment, which always wins, as twelve-factor tools do. process.env is
 * not modified. A missing .env is normal (containers have none).
 */
export function environmentWithDotEnv(env: NodeJS.ProcessEnv, path = '.env'): Record<string, string | undefined> {
  let fromFile: Record<string, string> = {};
  try {
    fromFile = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return { ...fromFile, ...env };
}
