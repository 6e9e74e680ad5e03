import { EnvError, makeValidator, bool as envalidBool, str as envalidStr, type Spec } from 'envalid';

// The validators spec.ts declares its variables with: envalid's, plus the
// rules orapool's generators and checks read (kind, range, live, JSON type).

/** Where a variable lives when deployed: a ConfigMap, or a Secret. */
export type VariableKind = 'setting' | 'secret' | 'credential';

export type ValueType = 'integer' | 'number' | 'boolean' | 'string';

/** Bounds a value must keep (JSON-schema names, so the Helm schema takes them as they are). */
export interface Range {
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
  /** Why the bound exists, appended to the problem ("must be >= 1<why> (got 0)"). */
  why?: string;
  /** The whole rule, when the bounds alone would say it badly. */
  rule?: string;
}

/** What the spec says beyond envalid. */
export interface Rules {
  /** Default 'setting'. */
  kind?: VariableKind;
  range?: Range;
  /** Applied to the running service when it changes in CONFIG_DIR (src/config/reload.ts); otherwise a restart is required. */
  live?: boolean;
}

/** An envalid validator whose spec also takes Rules (envalid keeps extra fields: its validators spread the spec). */
function withRules<T>(type: ValueType, validator: (spec: Spec<T>) => Spec<T>) {
  return (spec: Spec<T> & Rules) => ({ ...(validator(spec) as Spec<T> & { _parse: (input: string) => T }), type });
}

export const int = withRules<number>('integer', makeValidator<number>((input) => {
  if (!/^-?\d+$/.test(input.trim())) throw new EnvError(`must be a whole number (got "${input}")`);
  return Number.parseInt(input, 10);
}));

export const decimal = withRules<number>('number', makeValidator<number>((input) => {
  const value = Number(input.trim());
  if (input.trim() === '' || !Number.isFinite(value)) throw new EnvError(`must be a number (got "${input}")`);
  return value;
}));

export const port = withRules<number>('integer', makeValidator<number>((input) => {
  const value = Number(input.trim());
  if (!/^\d+$/.test(input.trim()) || value < 1 || value > 65535) {
    throw new EnvError(`must be a TCP port from 1 to 65535 (got "${input}")`);
  }
  return value;
}));

export const str = withRules<string>('string', envalidStr as (spec: Spec<string>) => Spec<string>);
export const bool = withRules<boolean>('boolean', envalidBool as (spec: Spec<boolean>) => Spec<boolean>);
