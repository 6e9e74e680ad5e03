import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { hostname } from 'node:os';
import { applyConnectionClass, poolAttributes, sessionMachine } from '../../../src/db/pool-attributes.js';
import { version } from '../../../src/version.js';

/**
 * Every value distinct, and none equal to a default, so a field wired to the
 * wrong variable or converted with the wrong unit shows. Units are oracledb's
 * (lib/pool.js, lib/thin/pool.js, lib/thin/sqlnet/sessionAtts.js):
 * queueTimeout and poolPingTimeout in milliseconds; poolTimeout,
 * maxLifetimeSession, poolPingInterval, connectTimeout and
 * transportConnectTimeout in seconds; expireTime in minutes.
 */
const env = {
  DB_USER: 'scott',
  DB_PASSWORD: 'tiger-pw',
  DB_CONNECT_STRING: 'dbhost:1522/ORCLPDB',
  DB_WALLET_LOCATION: '/etc/wallet',
  DB_WALLET_PASSWORD: 'wallet-pw',
  DB_CONFIG_DIR: '/etc/tns',
  DB_POOL_MIN: '3',
  DB_POOL_MAX: '17',
  DB_POOL_INCREMENT: '2',
  DB_POOL_TIMEOUT: '7.5',
  DB_POOL_QUEUE_MAX: '250',
  DB_POOL_RECYCLE: '1800',
  DB_POOL_IDLE_TIMEOUT: '45',
  DB_POOL_PING_INTERVAL: '20',
  DB_POOL_PING_TIMEOUT: '2.25',
  DB_EXPIRE_TIME: '4',
  DB_CONNECT_TIMEOUT: '12',
  DB_STMT_CACHE_SIZE: '44',
};

describe('poolAttributes(loadConfig(env))', () => {
  const sut = poolAttributes(loadConfig(env, () => '')) as Record<string, unknown>;

  it.each([
    ['user', 'scott'],
    ['password', 'tiger-pw'],
    ['connectString', 'dbhost:1522/ORCLPDB'],
    ['walletLocation', '/etc/wallet'],
    ['walletPassword', 'wallet-pw'],
    ['configDir', '/etc/tns'],
    ['poolMin', 3],
    ['poolMax', 17],
    ['poolIncrement', 2],
    ['queueTimeout', 7500], // ms: DB_POOL_TIMEOUT 7.5 s
    ['queueMax', 250],
    ['maxLifetimeSession', 1800], // s
    ['stmtCacheSize', 44],
    ['poolTimeout', 45], // s: DB_POOL_IDLE_TIMEOUT
    ['poolPingInterval', 20], // s
    ['poolPingTimeout', 2250], // ms: DB_POOL_PING_TIMEOUT 2.25 s
    ['expireTime', 4], // minutes
    ['connectTimeout', 12], // s
    ['transportConnectTimeout', 12], // s: the TCP connect is bounded by the same budget
    ['enableStatistics', true],
    ['machine', hostname()], // V$SESSION.MACHINE: the pod
    ['program', 'orapool'],
    ['terminal', `orapool/${version}`],
  ])('sets %s to %s', (attribute, expected) => {
    expect(sut[attribute]).toStrictEqual(expected);
  });

  it('sets nothing else', () => {
    expect(Object.keys(sut).sort()).toEqual(
      [
        'user', 'password', 'connectString', 'walletLocation', 'walletPassword', 'configDir', 'poolMin', 'poolMax', 'poolIncrement',
        'queueTimeout', 'queueMax', 'maxLifetimeSession', 'stmtCacheSize', 'poolTimeout', 'poolPingInterval', 'poolPingTimeout', 'expireTime',
        'connectTimeout', 'transportConnectTimeout', 'enableStatistics', 'machine', 'program', 'terminal',
      ].sort(),
    );
  });

  it('names the machine with characters oracledb accepts (it refuses others, which would stop the pool)', () => {
    expect(sessionMachine('orapool-7d9f8-x2k4q')).toBe('orapool-7d9f8-x2k4q');
    expect(sessionMachine('host (weird)=1')).toBe('host__weird__1');
    expect(sessionMachine('h'.repeat(80))).toHaveLength(64);
    expect(sessionMachine('')).toBe('unknown');
  });

  it('leaves the wallet and config directory out when they are not configured', () => {
    const bare = poolAttributes(loadConfig({ DB_USER: 'u', DB_PASSWORD: 'p', DB_CONNECT_STRING: 'h/s' }, () => '')) as Record<string, unknown>;
    expect(bare).not.toHaveProperty('walletLocation');
    expect(bare).not.toHaveProperty('walletPassword');
    expect(bare).not.toHaveProperty('configDir');
  });

  it('never rounds a sub-second queue timeout to 0 (which oracledb reads as "wait forever")', () => {
    const attrs = poolAttributes(loadConfig({ ...env, DB_POOL_TIMEOUT: '0.001' }, () => '')) as Record<string, unknown>;
    expect(attrs.queueTimeout).toBe(1);
  });

  it('asks for pooled servers in the connect string and sets the driver-wide class only when pooled', () => {
    const pooled = loadConfig({ ...env, DB_SERVER_TYPE: 'pooled', DB_POOL_BOUNDARY: 'statement' }, () => '');
    expect(poolAttributes(pooled).connectString).toBe('dbhost:1522/ORCLPDB:pooled?pool_boundary=STATEMENT');
    const driver = { connectionClass: '' };
    applyConnectionClass(driver, pooled);
    expect(driver.connectionClass).toBe('orapool');
    applyConnectionClass(driver, loadConfig(env, () => ''));
    expect(driver.connectionClass).toBe('');
    expect(poolAttributes(loadConfig(env, () => '')).connectString).toBe('dbhost:1522/ORCLPDB');
  });
});
