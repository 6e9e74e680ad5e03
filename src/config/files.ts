import { readFileSync } from 'node:fs';
import type { ConfigProblem } from './rules.js';
import { describeVariables } from './spec.js';

export type Environment = Readonly<Record<string, string | undefined>>;
export type ReadFile = (path: string) => string;

export const readUtf8: ReadFile = (path) => readFileSync(path, 'utf8');

/**
 * Resolve <NAME>_FILE for credentials and secrets (Kubernetes mounts Secrets
 * as files). Errors name the variable and the path, never the content.
 */
export function resolveFileVariables(env: Environment, readFile: ReadFile, problems: ConfigProblem[]): Record<string, string | undefined> {
  // Empty values count as unset: docker compose and ConfigMaps pass "" for
  // "not given", and a default is what the operator meant.
  const resolved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') resolved[key] = value;
  }
  for (const doc of describeVariables()) {
    if (!doc.fileAllowed) continue;
    const fileVar = `${doc.name}_FILE`;
    const path = resolved[fileVar];
    if (path === undefined) continue;
    if (resolved[doc.name] !== undefined) {
      problems.push({ variable: doc.name, rule: `set both ${doc.name} and ${fileVar}; set only one` });
      continue;
    }
    try {
      // Secret files usually end with a newline (echo, kubectl create secret --from-file).
      const content = readFile(path).replace(/\r?\n$/, '');
      // An empty file is a mounting mistake, not a value: fail now, not at every logon.
      if (content === '') problems.push({ variable: fileVar, rule: `${path} is empty` });
      else resolved[doc.name] = content;
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push({ variable: fileVar, rule: `cannot read ${path} (${reason})` });
    }
  }
  return resolved;
}
