import type { Registry } from 'prom-client';

/**
 * A Prometheus histogram whose observe() costs a bucket search and three
 * additions. prom-client's Histogram, even through a child from labels(),
 * allocates, validates and hashes the labels and looks its bucket up by a
 * float-keyed property on every observation (about a microsecond each; the
 * service makes three per request). Here each label combination is a cell
 * found once, and the exposition is built only when /metrics is scraped, in
 * exactly prom-client's shape (test/unit/metrics/fast-histogram.test.ts
 * compares the two outputs), registered through the registry's public
 * registerMetric().
 */
export interface HistogramCell {
  observe(value: number): void;
}

interface Cell extends HistogramCell {
  labels: Record<string, string>;
  counts: Float64Array;
  sum: number;
  count: number;
}

interface ValuePair {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

export class FastHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly #labelNames: readonly string[];
  readonly #bounds: Float64Array;
  readonly #cells = new Map<string, Cell>();

  constructor(options: { name: string; help: string; labelNames?: readonly string[]; buckets: readonly number[]; registers: Registry[] }) {
    this.name = options.name;
    this.help = options.help;
    this.#labelNames = options.labelNames ?? [];
    this.#bounds = Float64Array.from([...options.buckets].sort((a, b) => a - b));
    for (const registry of options.registers) registry.registerMetric(this as never);
  }

  /** The cell of one label combination, values in labelNames order; keep it: finding it again costs a string key. */
  labels(...values: string[]): HistogramCell {
    if (values.length !== this.#labelNames.length) {
      throw new Error(`${this.name}: expected ${this.#labelNames.length} label values, got ${values.length}`);
    }
    const key = values.join('\u0000');
    let cell = this.#cells.get(key);
    if (!cell) {
      const labels = Object.fromEntries(this.#labelNames.map((n, i) => [n, values[i]!]));
      cell = this.#newCell(labels);
      this.#cells.set(key, cell);
    }
    return cell;
  }

  /** For a histogram without labels. */
  observe(value: number): void {
    (this.#cells.get('') ?? this.labels()).observe(value);
  }

  #newCell(labels: Record<string, string>): Cell {
    const bounds = this.#bounds;
    const name = this.name;
    const cell: Cell = {
      labels,
      counts: new Float64Array(bounds.length),
      sum: 0,
      count: 0,
      observe(value: number) {
        if (!Number.isFinite(value)) throw new TypeError(`${name}: value is not a valid number: ${value}`);
        let i = 0;
        while (i < bounds.length && value > bounds[i]!) i++;
        if (i < bounds.length) cell.counts[i]! += 1;
        cell.sum += value;
        cell.count += 1;
      },
    };
    return cell;
  }

  /** What the registry formats, in prom-client's order: cumulative buckets (le first), +Inf, _sum, _count per cell. */
  async get(): Promise<{ name: string; help: string; type: string; values: ValuePair[]; aggregator: string }> {
    const values: ValuePair[] = [];
    for (const cell of this.#cells.values()) {
      let acc = 0;
      this.#bounds.forEach((le, i) => {
        acc += cell.counts[i]!;
        values.push({ labels: { le, ...cell.labels }, value: acc, metricName: `${this.name}_bucket` });
      });
      values.push(
        { labels: { le: '+Inf', ...cell.labels }, value: cell.count, metricName: `${this.name}_bucket` },
        { labels: { ...cell.labels }, value: cell.sum, metricName: `${this.name}_sum` },
        { labels: { ...cell.labels }, value: cell.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.#cells.clear();
  }
}
