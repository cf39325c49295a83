/**
 * Metrics for hot paths. prom-client's own `inc()`/`observe()` cost 40-250 ns a call (a label-hash
 * look-up and an object per call); the delivery loop and the publish route touch a metric per message,
 * so their metrics are plain number fields here, and prom-client only reads them when /metrics is
 * scraped (a `collect` hook, or a metric object of our own that the registry formats like its own).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { Metric } from 'prom-client';

/** One counter value that a hot path increments as a plain field (no allocation, no look-up). */
export class CounterCell {
  /** Total so far; only ever grows. */
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }
}

/** Name and help text of a metric; names follow Prometheus conventions (`_total`, `_seconds`). */
export interface MetricSpec {
  readonly name: string;
  readonly help: string;
}

/** An unlabelled counter read from one cell at scrape time. */
export function cellCounter(registry: Registry, spec: MetricSpec, cell: CounterCell): Counter {
  return new Counter({
    ...spec,
    registers: [registry],
    collect(this: Counter) {
      this.reset();
      this.inc(cell.value);
    },
  });
}

/**
 * A counter with one label whose children are cells bound once (`cell(value)`), so a hot path holds a
 * cell instead of calling `labels(...)` per event. Values seen at start (`preset`) appear as 0 before
 * the first event, so a rate() over them exists from the start.
 */
export class LabelledCounter {
  private readonly cells = new Map<string, CounterCell>();

  constructor(registry: Registry, spec: MetricSpec, label: string, preset: readonly string[] = []) {
    const cells = this.cells;
    new Counter({
      ...spec,
      labelNames: [label],
      registers: [registry],
      collect(this: Counter) {
        this.reset();
        for (const [value, cell] of cells) this.labels(value).inc(cell.value);
      },
    });
    for (const value of preset) this.cell(value);
  }

  /** The cell of one label value, created at its first use. */
  cell(value: string): CounterCell {
    let cell = this.cells.get(value);
    if (cell === undefined) {
      cell = new CounterCell();
      this.cells.set(value, cell);
    }
    return cell;
  }
}

/** A gauge whose value is read at scrape time. */
export function readGauge(registry: Registry, spec: MetricSpec, read: () => number, labels: Readonly<Record<string, string>> = {}): Gauge {
  const names = Object.keys(labels);
  return new Gauge({
    ...spec,
    labelNames: names,
    registers: [registry],
    collect(this: Gauge) {
      if (names.length === 0) this.set(read());
      else this.set(labels, read());
    },
  });
}

/** One sample of a metric as prom-client's registry formats it. */
interface Sample {
  readonly value: number;
  readonly labels: Record<string, string>;
  readonly metricName: string;
}

/**
 * A histogram whose `observe` is a short scan of a Float64Array, registered with prom-client as a
 * metric object of its own (the registry calls `get()` on every metric when scraped). Output is the
 * standard `_bucket{le}` (cumulative), `_sum` and `_count` lines.
 */
export class HotHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bounds: Float64Array;
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(registry: Registry, spec: MetricSpec, buckets: readonly number[]) {
    this.name = spec.name;
    this.help = spec.help;
    this.bounds = Float64Array.from([...buckets].sort((a, b) => a - b));
    this.counts = new Float64Array(this.bounds.length);
    // the registry only calls get() (and reset() from resetMetrics()), which this object has
    registry.registerMetric(this as unknown as Metric);
  }

  /** Records one value (seconds, bytes, ...). */
  observe(value: number): void {
    this.sum += value;
    this.count++;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        this.counts[i]++;
        return;
      }
    }
  }

  /** Observations so far (for tests). */
  get observations(): number {
    return this.count;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  /** What prom-client's registry formats; called when /metrics is scraped. */
  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i];
      values.push({ metricName: `${this.name}_bucket`, labels: { le: String(this.bounds[i]) }, value: cumulative });
    }
    values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, value: this.count });
    values.push({ metricName: `${this.name}_sum`, labels: {}, value: this.sum });
    values.push({ metricName: `${this.name}_count`, labels: {}, value: this.count });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
