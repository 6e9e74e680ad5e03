import { inspect } from 'node:util';

/**
 * A value that must never reach a log line, an error message, a metric or a
 * health payload. Every accidental path (string interpolation, JSON.stringify,
 * util.inspect, winston's formatters) prints "[redacted]"; only `reveal()`
 * hands out the real value, and only src/db/ calls it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    // Frozen so no holder can swap toJSON/toString for ones that reveal.
    Object.freeze(this);
  }

  reveal(): string {
    return this.#value;
  }

  get isEmpty(): boolean {
    return this.#value.length === 0;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return '[redacted]';
  }
}
