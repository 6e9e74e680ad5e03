import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { describeError } from '../../src/logger.js';
import { memoryLogger } from './support/memory-logger.js';

const PASSWORD = 'pw-Lg5$heron-FROTZ-9921';

describe('createLogger (json)', () => {
  it('writes one JSON object per line with level, message, timestamp, service and the given fields', async () => {
    const log = memoryLogger('info', 'json');
    log.logger.info('pool ready', { event: 'pool_initialized', max: 40 });
    log.logger.warn('slow', { event: 'slow_hold' });
    await log.flush();
    expect(log.lines()).toHaveLength(2);
    const [first, second] = log.entries();
    expect(first).toMatchObject({ level: 'info', message: 'pool ready', event: 'pool_initialized', max: 40, service: 'orapool' });
    expect(Number.isNaN(Date.parse(String(first?.timestamp)))).toBe(false);
    expect(second).toMatchObject({ level: 'warn', event: 'slow_hold' });
  });

  it('drops lines below the configured level', async () => {
    const log = memoryLogger('warn', 'json');
    log.logger.debug('debug line');
    log.logger.info('info line');
    log.logger.warn('warn line');
    log.logger.error('error line');
    await log.flush();
    expect(log.entries().map((e) => e.message)).toEqual(['warn line', 'error line']);
  });

  it('prints a Secret as [redacted] in fields, nested fields and the message', async () => {
    const log = memoryLogger('info', 'json');
    const secret = new Secret(PASSWORD);
    log.logger.info(`connecting with ${secret}`, { password: secret, db: { walletPassword: secret } });
    await log.flush();
    const [line] = log.lines();
    expect(line).not.toContain(PASSWORD);
    expect(JSON.parse(line ?? '{}')).toMatchObject({ password: '[redacted]', db: { walletPassword: '[redacted]' } });
  });

  it('does not print stacks for logged errors', async () => {
    const log = memoryLogger('info', 'json');
    log.logger.error(new Error('boom'));
    await log.flush();
    expect(log.lines().join('\n')).not.toMatch(/\n\s+at /);
    expect(log.entries()[0]?.stack).toBeUndefined();
  });
});

describe('createLogger (pretty)', () => {
  it('writes one readable line per entry with its fields, without the service field', async () => {
    const log = memoryLogger('info', 'pretty');
    log.logger.info('listening', { event: 'listening', port: 5001, pool: { max: 40 } });
    await log.flush();
    const lines = log.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('listening');
    expect(lines[0]).toContain('port=5001');
    expect(lines[0]).toContain('pool={"max":40}');
    expect(lines[0]).not.toContain('service=');
  });

  it('prints a Secret as [redacted]', async () => {
    const log = memoryLogger('info', 'pretty');
    const secret = new Secret(PASSWORD);
    log.logger.info('config', { password: secret, nested: { secret } });
    await log.flush();
    expect(log.lines().join('\n')).not.toContain(PASSWORD);
    expect(log.lines()[0]).toContain('[redacted]');
  });
});

describe('describeError', () => {
  it('keeps the code and the first line of the message, and drops the stack', () => {
    const error = Object.assign(new Error('ORA-00942: table or view does not exist\nHelp: https://docs.oracle.com'), { code: 'ORA-00942' });
    expect(describeError(error)).toEqual({ code: 'ORA-00942', message: 'ORA-00942: table or view does not exist' });
  });

  it('describes a thrown non-Error value as a message', () => {
    expect(describeError('plain string')).toEqual({ message: 'plain string' });
  });
});
