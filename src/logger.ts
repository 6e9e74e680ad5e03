import winston from 'winston';
import type { Config } from './config/load.js';

/**
 * JSON lines in production (one object per line, for log pipelines), a
 * readable single line in development. Secrets cannot reach here by accident:
 * they travel as Secret objects, which format as "[redacted]".
 */
export function createLogger(
  config: Pick<Config, 'logLevel' | 'logFormat'>,
  stream: NodeJS.WritableStream = process.stdout,
): winston.Logger {
  const format =
    config.logFormat === 'json'
      ? winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: false }), winston.format.json())
      : winston.format.combine(
          winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
          winston.format.colorize(),
          winston.format.printf(({ timestamp, level, message, ...meta }) => {
            const fields = Object.entries(meta)
              .filter(([key]) => key !== 'service')
              .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
              .join(' ');
            return `${String(timestamp)} ${level} ${String(message)}${fields ? `  ${fields}` : ''}`;
          }),
        );
  return winston.createLogger({
    level: config.logLevel,
    levels: winston.config.npm.levels,
    defaultMeta: { service: 'orapool' },
    format,
    transports: [new winston.transports.Stream({ stream })],
  });
}

/** An error as a log field: code and message, no stack (it says nothing new for driver errors). */
export function describeError(error: unknown): { code?: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { ...(typeof code === 'string' ? { code } : {}), message: error.message.split('\n')[0] ?? '' };
  }
  return { message: String(error) };
}
