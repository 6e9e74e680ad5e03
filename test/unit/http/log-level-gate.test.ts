import { Writable } from 'node:stream';
import winston from 'winston';
import { describe, expect, it } from 'vitest';
import { levelGate } from '../../../src/http/log-level-gate.js';

function loggerAt(level: string): winston.Logger {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  return winston.createLogger({ level, levels: winston.config.npm.levels, transports: [new winston.transports.Stream({ stream: sink })] });
}

describe('levelGate', () => {
  it('answers as logger.isLevelEnabled does', () => {
    const logger = loggerAt('warn');
    const enabled = levelGate(logger);
    for (const level of ['error', 'warn', 'info', 'debug']) expect(enabled(level)).toBe(logger.isLevelEnabled(level));
    expect(enabled('info')).toBe(false);
  });

  it('follows a live change of logger.level (a LOG_LEVEL reload), both ways', () => {
    const logger = loggerAt('warn');
    const enabled = levelGate(logger);
    expect(enabled('info')).toBe(false);
    logger.level = 'info';
    expect(enabled('info')).toBe(true);
    expect(enabled('debug')).toBe(false);
    logger.level = 'debug';
    expect(enabled('debug')).toBe(true);
    logger.level = 'error';
    expect(enabled('info')).toBe(false);
    expect(enabled('warn')).toBe(false);
  });
});
