import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Environment } from '../../../src/config/files.js';
import { ConfigError, loadConfig, type Config } from '../../../src/config/load.js';
import { MAX_SHUTDOWN_SECONDS } from '../../../src/config/spec.js';
import { Secret } from '../../../src/config/secret.js';

// Distinctive values, so a leak anywhere is found by a plain substring search.
const PASSWORD = 'pw-Xq7!zebra-PLUGH-4417';
const WALLET_PASSWORD = 'wallet-Kv9#otter-XYZZY-0032';

const required: Environment = {
  DB_USER: 'orapool',
  DB_PASSWORD: PASSWORD,
  DB_CONNECT_STRING: 'db.example.com:1521/FREEPDB1',
};

/** A readFile that fails the test if it is called. */
const noFiles = (path: string): string => {
  throw new Error(`unexpected read of ${path}`);
};

function problemsOf(env: Environment, readFile: (path: string) => string = noFiles): ConfigError {
  try {
    loadConfig(env, readFile);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

function variablesOf(error: ConfigError): string[] {
  return error.problems.map((p) => p.variable).sort();
}

function enoent(path: string): never {
  throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
}

describe('loadConfig defaults', () => {
  it('uses the documented pool and port defaults when only the credentials are given', () => {
    const config = loadConfig(required, noFiles);
    expect(config.pool.min).toBe(5);
    expect(config.pool.max).toBe(40);
    expect(config.pool.queueTimeoutSeconds).toBe(30);
    expect(config.pool.recycleSeconds).toBe(3600);
    expect(config.port).toBe(5001);
  });

  it('uses safe defaults for the rest of the service', () => {
    const config = loadConfig(required, noFiles);
    expect(config.nodeEnv).toBe('production');
    expect(config.logLevel).toBe('info');
    expect(config.logFormat).toBe('json');
    expect(config.pool.queueMax).toBeGreaterThan(0);
    expect(config.admission.enabled).toBe(true);
    expect(config.shutdown.delaySeconds + config.shutdown.drainSeconds).toBeLessThanOrEqual(MAX_SHUTDOWN_SECONDS);
    expect(config.db.walletLocation).toBeUndefined();
    expect(config.db.walletPassword).toBeUndefined();
    expect(config.db.configDir).toBeUndefined();
    expect(config.readinessDatabase).toBe('required');
  });

  it('reads READINESS_DATABASE=startup', () => {
    expect(loadConfig({ ...required, READINESS_DATABASE: 'startup' }, noFiles).readinessDatabase).toBe('startup');
  });

  it('reads the credentials it was given', () => {
    const config = loadConfig(required, noFiles);
    expect(config.db.user).toBe('orapool');
    expect(config.db.connectString).toBe('db.example.com:1521/FREEPDB1');
    expect(config.db.password.reveal()).toBe(PASSWORD);
  });
});

describe('loadConfig environment overrides', () => {
  it('takes every pool and port setting from the environment', () => {
    const config = loadConfig(
      {
        ...required,
        DB_POOL_MIN: '2',
        DB_POOL_MAX: '12',
        DB_POOL_TIMEOUT: '2.5',
        DB_POOL_QUEUE_MAX: '50',
        DB_POOL_RECYCLE: '0',
        DB_SLOW_HOLD_SECONDS: '0',
        PORT: '8080',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'debug',
        ADMISSION_CONTROL: 'false',
        MEMORY_HIGH_WATERMARK: '0',
        SHUTDOWN_DELAY_SECONDS: '0',
        SHUTDOWN_DRAIN_SECONDS: '1',
      },
      noFiles,
    );
    expect(config.pool).toMatchObject({ min: 2, max: 12, queueTimeoutSeconds: 2.5, queueMax: 50, recycleSeconds: 0, slowHoldSeconds: 0 });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.logLevel).toBe('debug');
    expect(config.admission.enabled).toBe(false);
    expect(config.memory.highWatermark).toBe(0);
    expect(config.shutdown).toEqual({ delaySeconds: 0, drainSeconds: 1 });
  });

  it('picks pretty logs for development when LOG_FORMAT is auto, and honours an explicit LOG_FORMAT', () => {
    expect(loadConfig({ ...required, NODE_ENV: 'development' }, noFiles).logFormat).toBe('pretty');
    expect(loadConfig({ ...required, NODE_ENV: 'development', LOG_FORMAT: 'json' }, noFiles).logFormat).toBe('json');
    expect(loadConfig({ ...required, NODE_ENV: 'test' }, noFiles).logFormat).toBe('json');
  });

  it('treats an empty string as unset, so the default applies', () => {
    const config = loadConfig({ ...required, DB_POOL_MAX: '', PORT: '', LOG_LEVEL: '', DB_WALLET_PASSWORD: '' }, noFiles);
    expect(config.pool.max).toBe(40);
    expect(config.port).toBe(5001);
    expect(config.logLevel).toBe('info');
    expect(config.db.walletPassword).toBeUndefined();
  });

  it('reports an empty required variable as missing', () => {
    const error = problemsOf({ ...required, DB_PASSWORD: '' });
    expect(variablesOf(error)).toEqual(['DB_PASSWORD']);
    expect(error.problems[0]?.rule).toMatch(/required/);
  });

  it('ignores an empty <NAME>_FILE instead of reading it', () => {
    const config = loadConfig({ ...required, DB_PASSWORD_FILE: '' }, noFiles);
    expect(config.db.password.reveal()).toBe(PASSWORD);
  });

  it('reports every missing credential', () => {
    expect(variablesOf(problemsOf({}))).toEqual(['DB_CONNECT_STRING', 'DB_PASSWORD', 'DB_USER']);
  });
});

describe('loadConfig <NAME>_FILE variables', () => {
  const fileVariables = [
    ['DB_PASSWORD', (c: Config) => c.db.password.reveal()],
    ['DB_USER', (c: Config) => c.db.user],
    ['DB_CONNECT_STRING', (c: Config) => c.db.connectString],
    ['DB_WALLET_PASSWORD', (c: Config) => c.db.walletPassword?.reveal()],
  ] as const;

  it.each(fileVariables)('reads %s from the file named by its _FILE variable, without the trailing newline', (name, read) => {
    const env: Record<string, string> = { ...(required as Record<string, string>) };
    delete env[name];
    env[`${name}_FILE`] = `/run/secrets/${name.toLowerCase()}`;
    const reads: string[] = [];
    const config = loadConfig(env, (path) => {
      reads.push(path);
      return `value-of-${name}\n`;
    });
    expect(read(config)).toBe(`value-of-${name}`);
    expect(reads).toEqual([`/run/secrets/${name.toLowerCase()}`]);
  });

  it('trims a CRLF line ending but keeps other whitespace in the value', () => {
    const config = loadConfig({ ...required, DB_PASSWORD: undefined, DB_PASSWORD_FILE: '/s/pw' }, () => '  spaced pass \r\n');
    expect(config.db.password.reveal()).toBe('  spaced pass ');
  });

  it.each(fileVariables.map(([name]) => name))('rejects %s set both directly and by file, naming the variable', (name) => {
    const error = problemsOf({ ...required, [name]: 'direct-value', [`${name}_FILE`]: '/run/secrets/x' });
    expect(variablesOf(error)).toEqual([name]);
    expect(error.problems[0]?.rule).toContain(`${name}_FILE`);
    expect(error.message).not.toContain('direct-value');
  });

  it('reports an unreadable file under <NAME>_FILE with the path and reason, and not as a missing <NAME>', () => {
    const error = problemsOf({ ...required, DB_PASSWORD: undefined, DB_PASSWORD_FILE: '/run/secrets/missing' }, enoent);
    expect(variablesOf(error)).toEqual(['DB_PASSWORD_FILE']);
    expect(error.problems[0]?.rule).toContain('/run/secrets/missing');
    expect(error.problems[0]?.rule).toContain('ENOENT');
  });

  it('never copies the file reader’s error text into the problem', () => {
    const readFile = () => {
      throw Object.assign(new Error(`EACCES: first bytes were ${PASSWORD}`), { code: 'EACCES' });
    };
    const error = problemsOf({ ...required, DB_PASSWORD: undefined, DB_PASSWORD_FILE: '/run/secrets/pw' }, readFile);
    expect(error.message).not.toContain(PASSWORD);
    expect(JSON.stringify(error.problems)).not.toContain(PASSWORD);
  });

  it.each(['DB_PASSWORD', 'DB_USER', 'DB_CONNECT_STRING'])(
    'rejects an empty %s_FILE at startup, as it rejects an empty value in the environment',
    (name) => {
      // An empty value in the environment counts as unset and is reported as
      // missing; the same empty value read from a mounted file is accepted, so
      // the service starts and retries a logon that can never succeed.
      const env: Record<string, string | undefined> = { ...required, [name]: undefined, [`${name}_FILE`]: '/run/secrets/empty' };
      const error = problemsOf(env, () => '\n');
      expect(error.problems.map((p) => p.variable)).toEqual(expect.arrayContaining([expect.stringContaining(name)]));
    },
  );

  it('does not read _FILE for plain settings', () => {
    const config = loadConfig({ ...required, DB_POOL_MAX_FILE: '/run/secrets/max' }, noFiles);
    expect(config.pool.max).toBe(40);
  });
});

describe('loadConfig validation', () => {
  const invalid: Array<[string, Environment, string]> = [
    ['DB_POOL_MAX is not a number', { DB_POOL_MAX: 'abc' }, 'DB_POOL_MAX'],
    ['DB_POOL_MAX is a fraction', { DB_POOL_MAX: '4.5' }, 'DB_POOL_MAX'],
    ['DB_POOL_MIN exceeds DB_POOL_MAX', { DB_POOL_MIN: '10', DB_POOL_MAX: '4' }, 'DB_POOL_MIN'],
    ['DB_POOL_QUEUE_MAX is 0 (unbounded to oracledb)', { DB_POOL_QUEUE_MAX: '0' }, 'DB_POOL_QUEUE_MAX'],
    ['DB_POOL_QUEUE_MAX is -1 (unbounded to oracledb)', { DB_POOL_QUEUE_MAX: '-1' }, 'DB_POOL_QUEUE_MAX'],
    ['DB_POOL_TIMEOUT is 0 (wait forever to oracledb)', { DB_POOL_TIMEOUT: '0' }, 'DB_POOL_TIMEOUT'],
    ['DB_POOL_TIMEOUT is not a number', { DB_POOL_TIMEOUT: 'soon' }, 'DB_POOL_TIMEOUT'],
    ['DB_CALL_TIMEOUT is 0', { DB_CALL_TIMEOUT: '0' }, 'DB_CALL_TIMEOUT'],
    // Below 1 ms the driver's milliseconds round to 0: "no limit" again.
    ['DB_POOL_TIMEOUT rounds to 0 ms', { DB_POOL_TIMEOUT: '0.0004' }, 'DB_POOL_TIMEOUT'],
    ['DB_POOL_PING_TIMEOUT rounds to 0 ms', { DB_POOL_PING_TIMEOUT: '0.0004' }, 'DB_POOL_PING_TIMEOUT'],
    ['DB_CALL_TIMEOUT rounds to 0 ms', { DB_CALL_TIMEOUT: '0.0004' }, 'DB_CALL_TIMEOUT'],
    // oracledb takes whole seconds here and would refuse every pool creation (NJS-007).
    ['DB_CONNECT_TIMEOUT is a fraction', { DB_CONNECT_TIMEOUT: '1.5' }, 'DB_CONNECT_TIMEOUT'],
    ['DB_CONNECT_TIMEOUT is 0', { DB_CONNECT_TIMEOUT: '0' }, 'DB_CONNECT_TIMEOUT'],
    ['the low memory watermark equals the high one', { MEMORY_HIGH_WATERMARK: '0.8', MEMORY_LOW_WATERMARK: '0.8' }, 'MEMORY_LOW_WATERMARK'],
    ['the low memory watermark is above the high one', { MEMORY_HIGH_WATERMARK: '0.7', MEMORY_LOW_WATERMARK: '0.8' }, 'MEMORY_LOW_WATERMARK'],
    ['a watermark is not a ratio', { MEMORY_HIGH_WATERMARK: '1.5' }, 'MEMORY_HIGH_WATERMARK'],
    ['the low watermark is not a ratio (one problem, not two)', { MEMORY_LOW_WATERMARK: '1.5' }, 'MEMORY_LOW_WATERMARK'],
    ['shutdown delay + drain exceed MAX_SHUTDOWN_SECONDS', { SHUTDOWN_DELAY_SECONDS: '30', SHUTDOWN_DRAIN_SECONDS: '91' }, 'SHUTDOWN_DRAIN_SECONDS'],
    ['LOG_LEVEL is not one of the choices', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['READINESS_DATABASE is not one of the choices', { READINESS_DATABASE: 'never' }, 'READINESS_DATABASE'],
    ['PORT is not a number', { PORT: 'http' }, 'PORT'],
    ['PORT is 0', { PORT: '0' }, 'PORT'],
    ['PORT is above 65535', { PORT: '70000' }, 'PORT'],
    ['ADMISSION_CONTROL is not a boolean', { ADMISSION_CONTROL: 'maybe' }, 'ADMISSION_CONTROL'],
  ];

  it.each(invalid)('rejects the configuration when %s, naming only that variable', (_, overrides, variable) => {
    const error = problemsOf({ ...required, ...overrides });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(variablesOf(error)).toEqual([variable]);
    expect(error.message).toContain(variable);
  });

  it('accepts a shutdown budget of exactly MAX_SHUTDOWN_SECONDS', () => {
    const config = loadConfig({ ...required, SHUTDOWN_DELAY_SECONDS: '20', SHUTDOWN_DRAIN_SECONDS: String(MAX_SHUTDOWN_SECONDS - 20) }, noFiles);
    expect(config.shutdown.delaySeconds + config.shutdown.drainSeconds).toBe(MAX_SHUTDOWN_SECONDS);
  });

  it('accepts any low watermark when the high watermark is 0 (memory watch off)', () => {
    const config = loadConfig({ ...required, MEMORY_HIGH_WATERMARK: '0', MEMORY_LOW_WATERMARK: '0.8' }, noFiles);
    expect(config.memory.highWatermark).toBe(0);
  });

  it('states the choices and the bad value for a choice variable', () => {
    const rule = problemsOf({ ...required, LOG_LEVEL: 'loud' }).problems[0]?.rule ?? '';
    expect(rule).toContain('"loud"');
    expect(rule).toContain('debug');
  });

  it('reports several bad variables together in one ConfigError', () => {
    const error = problemsOf({
      DB_USER: 'orapool',
      DB_CONNECT_STRING: 'db:1521/X',
      DB_POOL_MAX: 'abc',
      DB_POOL_QUEUE_MAX: '0',
      LOG_LEVEL: 'loud',
      PORT: '99999',
      MEMORY_HIGH_WATERMARK: '0.5',
      MEMORY_LOW_WATERMARK: '0.6',
    });
    expect(variablesOf(error)).toEqual(['DB_PASSWORD', 'DB_POOL_MAX', 'DB_POOL_QUEUE_MAX', 'LOG_LEVEL', 'MEMORY_LOW_WATERMARK', 'PORT']);
    for (const variable of variablesOf(error)) expect(error.message).toContain(variable);
  });

  it('does not add cross-field problems computed from values that failed to parse', () => {
    const error = problemsOf({ ...required, DB_POOL_MAX: 'abc', DB_POOL_MIN: '5' });
    expect(variablesOf(error)).toEqual(['DB_POOL_MAX']);
    expect(error.message).not.toMatch(/NaN|undefined/);
  });
});

describe('loadConfig and secrets', () => {
  const secretEnv: Environment = { ...required, DB_WALLET_PASSWORD: WALLET_PASSWORD, DB_WALLET_LOCATION: '/etc/wallet' };

  it('keeps both passwords out of a ConfigError raised for other variables', () => {
    const error = problemsOf({ ...secretEnv, DB_POOL_MAX: 'abc', LOG_LEVEL: 'loud', PORT: '0', DB_USER_FILE: '/x' });
    const everything = [error.message, JSON.stringify(error.problems), inspect(error, { depth: null }), String(error)].join('\n');
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(WALLET_PASSWORD);
  });

  it('keeps a password read from a file out of a ConfigError', () => {
    const error = problemsOf(
      { ...required, DB_PASSWORD: undefined, DB_PASSWORD_FILE: '/run/pw', DB_WALLET_PASSWORD_FILE: '/run/wpw', PORT: 'x' },
      (path) => (path === '/run/pw' ? `${PASSWORD}\n` : `${WALLET_PASSWORD}\n`),
    );
    const everything = [error.message, JSON.stringify(error.problems)].join('\n');
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(WALLET_PASSWORD);
  });

  it('never prints either password through JSON.stringify, util.inspect, String() or interpolation of the Config', () => {
    const config = loadConfig(secretEnv, noFiles);
    const renderings = [
      JSON.stringify(config),
      inspect(config, { depth: null, showHidden: true }),
      String(config),
      `${config.db.password} ${config.db.walletPassword}`,
      JSON.stringify(config.db),
      inspect(config.db.password),
    ];
    for (const text of renderings) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(WALLET_PASSWORD);
    }
    expect(JSON.parse(JSON.stringify(config)).db.password).toBe('[redacted]');
  });

  it('hands out the passwords only through Secret.reveal()', () => {
    const config = loadConfig(secretEnv, noFiles);
    expect(config.db.password).toBeInstanceOf(Secret);
    expect(config.db.walletPassword).toBeInstanceOf(Secret);
    expect(config.db.walletPassword?.reveal()).toBe(WALLET_PASSWORD);
  });
});

describe('loadConfig result', () => {
  it('is frozen at every level of plain objects', () => {
    const config = loadConfig(required, noFiles);
    const walk = (value: object, path: string): void => {
      if (value instanceof Secret) return;
      expect(Object.isFrozen(value), `${path} is frozen`).toBe(true);
      for (const [key, inner] of Object.entries(value)) {
        if (inner && typeof inner === 'object') walk(inner as object, `${path}.${key}`);
      }
    };
    walk(config, 'config');
  });

  it('throws on any attempt to change it', () => {
    const config = loadConfig(required, noFiles) as unknown as { pool: { max: number }; port: number; db: object };
    expect(() => {
      config.pool.max = 1000;
    }).toThrow(TypeError);
    expect(() => {
      config.port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.db as { user: string }).user = 'system';
    }).toThrow(TypeError);
    expect(config.pool.max).toBe(40);
  });

  it('freezes the Secret instances too, so no code can shadow toJSON to leak the password', () => {
    // loadConfig's deepFreeze skips Secret; nothing stops code holding the config from doing this:
    const config = loadConfig(required, noFiles);
    const password = config.db.password as unknown as { toJSON: () => string };
    try {
      password.toJSON = () => config.db.password.reveal();
    } catch {
      // frozen: the assignment fails, which is what we want
    }
    expect(Object.isFrozen(config.db.password)).toBe(true);
    expect(JSON.stringify(config)).not.toContain(PASSWORD);
  });
});
