import { cannotAddPooled, connectStringForm, disagreements, type ServerMode } from '../db/connect-data.js';
import type { ConfigProblem } from './rules.js';

/** The class every replica shares when DB_CONNECTION_CLASS is empty: fixed, so replicas (and restarts) reuse each other's pooled servers. */
export const DEFAULT_CONNECTION_CLASS = 'orapool';

/**
 * Letters, digits and _ . $ # -: the class is written into the connect
 * descriptor, where a parenthesis or '=' would change its meaning.
 */
const CLASS_PATTERN = /^[A-Za-z0-9_.$#-]{1,128}$/;

/** Where each CONNECT_DATA key comes from, to name the variable that disagrees with the connect string. */
const VARIABLE_OF = {
  SERVER: 'DB_SERVER_TYPE',
  POOL_CONNECTION_CLASS: 'DB_CONNECTION_CLASS',
  POOL_PURITY: 'DB_PURITY',
  POOL_BOUNDARY: 'DB_POOL_BOUNDARY',
} as const;

/** The mode the values ask for (values that parsed; defaults already applied). */
export function serverModeOf(values: Record<string, unknown>): ServerMode {
  return {
    type: values.DB_SERVER_TYPE as ServerMode['type'],
    connectionClass: (values.DB_CONNECTION_CLASS as string) || DEFAULT_CONNECTION_CLASS,
    purity: values.DB_PURITY as ServerMode['purity'],
    boundary: values.DB_POOL_BOUNDARY as ServerMode['boundary'],
  };
}

/**
 * The DRCP rules, over values that parsed (`skip` names the others). Each
 * problem names the variable to change; the connect string itself is never
 * quoted (it may come from a Secret), only the key it carries.
 */
export function drcpProblems(values: Record<string, unknown>, skip: ReadonlySet<string>): ConfigProblem[] {
  const names = ['DB_SERVER_TYPE', 'DB_CONNECTION_CLASS', 'DB_PURITY', 'DB_POOL_BOUNDARY'];
  if (names.some((name) => skip.has(name))) return [];
  const problems: ConfigProblem[] = [];
  const mode = serverModeOf(values);
  const cls = values.DB_CONNECTION_CLASS as string;
  if (cls !== '' && !CLASS_PATTERN.test(cls)) {
    problems.push({ variable: 'DB_CONNECTION_CLASS', rule: `must be 1 to 128 letters, digits or _ . $ # - (got "${cls}")` });
  }
  const pooled = mode.type === 'pooled';
  if (!pooled && mode.boundary !== 'none') {
    problems.push({
      variable: 'DB_POOL_BOUNDARY',
      rule: `needs DB_SERVER_TYPE=pooled: implicit connection pooling is a DRCP feature (got DB_POOL_BOUNDARY=${mode.boundary}, DB_SERVER_TYPE=${mode.type})`,
    });
  }
  if (!pooled && mode.purity !== 'default') {
    problems.push({
      variable: 'DB_PURITY',
      rule: `needs DB_SERVER_TYPE=pooled: purity applies to DRCP sessions only (got DB_PURITY=${mode.purity}, DB_SERVER_TYPE=${mode.type})`,
    });
  }
  if (skip.has('DB_CONNECT_STRING') || typeof values.DB_CONNECT_STRING !== 'string') return problems;
  // Every problem at once, but one line per variable.
  const named = new Set(problems.map((p) => p.variable));
  return [...problems, ...connectStringProblems(values.DB_CONNECT_STRING, mode).filter((p) => !named.has(p.variable))];
}

function connectStringProblems(connectString: string, mode: ServerMode): ConfigProblem[] {
  if (connectStringForm(connectString) === 'alias') {
    // tnsnames.ora is not rewritten: what the entry must carry cannot be added, so it is not promised.
    const unapplied = [
      ...(mode.purity !== 'default' ? [['DB_PURITY', `(POOL_PURITY=${mode.purity.toUpperCase()})`]] : []),
      ...(mode.boundary !== 'none' ? [['DB_POOL_BOUNDARY', `(POOL_BOUNDARY=${mode.boundary.toUpperCase()})`]] : []),
    ];
    return unapplied.map(([variable, key]) => ({
      variable: variable!,
      rule: `cannot be applied to a TNS alias (DB_CONNECT_STRING): orapool does not rewrite tnsnames.ora. Put ${key} in the entry's CONNECT_DATA and leave ${variable} unset, or give DB_CONNECT_STRING as a descriptor or Easy Connect string`,
    }));
  }
  if (mode.type === 'pooled' && cannotAddPooled(connectString)) {
    return [{ variable: 'DB_SERVER_TYPE', rule: 'is pooled, but DB_CONNECT_STRING is not an Easy Connect string orapool can add :pooled to (host[:port]/service); give a descriptor with (SERVER=POOLED)' }];
  }
  return disagreements(connectString, mode).map((d) => ({
    variable: VARIABLE_OF[d.key],
    rule:
      d.wanted === undefined
        ? `DB_CONNECT_STRING asks for ${d.key}=${d.asked}, which ${VARIABLE_OF[d.key]} does not: set ${VARIABLE_OF[d.key]} to match, or remove it from the connect string`
        : `DB_CONNECT_STRING asks for ${d.key}=${d.asked}, but ${VARIABLE_OF[d.key]} gives ${d.wanted}: set one of them, not both differently`,
  }));
}
