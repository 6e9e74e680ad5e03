import { Writable } from 'node:stream';
import type { Logger } from 'winston';
import { createLogger } from '../../../src/logger.js';

export type LogEntry = Record<string, unknown> & { level: string; message: string };

export interface MemoryLogger {
  logger: Logger;
  /** Every raw line written so far. */
  lines(): string[];
  /** Every line parsed as JSON (JSON format only). */
  entries(): LogEntry[];
  /** Entries whose `event` field is the given one. */
  events(event: string): LogEntry[];
  /** Let winston's streams hand the last writes to the sink. */
  flush(): Promise<void>;
}

/** The real winston logger from src/logger.ts, writing into memory instead of stdout. */
export function memoryLogger(logLevel = 'debug', logFormat: 'json' | 'pretty' = 'json'): MemoryLogger {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ logLevel, logFormat }, sink);
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.length > 0);
  const entries = () => lines().map((line) => JSON.parse(line) as LogEntry);
  return {
    logger,
    lines,
    entries,
    events: (event) => entries().filter((e) => e.event === event),
    flush: async () => {
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
