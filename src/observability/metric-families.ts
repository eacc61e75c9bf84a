/**
 * Metric families whose children are plain objects with a number in them.
 *
 * prom-client's own Counter and Histogram hash the label values into a
 * string on every `inc()` and `observe()` (even through `labels()`), about a
 * microsecond each: on a cached read (~150 µs) or on each of 10,000 sockets
 * an event is written to, that is a cost worth avoiding. Here a child is
 * bound once, at start-up or the first time a label set is seen, and the hot
 * path only adds to its fields. prom-client still does the rest: the
 * registry (with its default process collectors), the text format, escaping
 * and content type; a family reads its children only when scraped.
 */
import type { Metric, Registry } from 'prom-client';

type LabelSet<L extends string> = Record<L, string>;

interface ExportedValue {
  value: number;
  labels: Record<string, string>;
  metricName?: string;
}

abstract class Family<L extends string, C> {
  readonly aggregator = 'sum';
  private readonly children = new Map<string, { labels: LabelSet<L>; child: C }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
    readonly labelNames: readonly L[],
  ) {}

  /** The child of these label values, made the first time: bind it once, keep it, use it on the hot path. */
  child(labels: LabelSet<L>): C {
    const key = this.labelNames.map((name) => labels[name]).join('\u0000');
    let entry = this.children.get(key);
    if (!entry) {
      entry = { labels: { ...labels }, child: this.create() };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  protected abstract create(): C;
  protected abstract values(labels: Record<string, string>, child: C): ExportedValue[];
  protected abstract clear(child: C): void;

  /** What prom-client's registry asks every metric for when it renders the exposition. */
  async get() {
    const values: ExportedValue[] = [];
    for (const { labels, child } of this.children.values()) values.push(...this.values(labels, child));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const { child } of this.children.values()) this.clear(child);
  }

  registerIn(registry: Registry): this {
    // prom-client's registry takes any object that answers get() like its own metrics (it only reads
    // name, help, type and values); its type names only its four classes.
    registry.registerMetric(this as unknown as Metric);
    return this;
  }
}

export class CounterCell {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class CounterFamily<L extends string = never> extends Family<L, CounterCell> {
  constructor(name: string, help: string, labelNames: readonly L[] = []) {
    super(name, help, 'counter', labelNames);
  }
  protected create() {
    return new CounterCell();
  }
  protected values(labels: Record<string, string>, child: CounterCell): ExportedValue[] {
    return [{ value: child.value, labels }];
  }
  protected clear(child: CounterCell) {
    child.value = 0;
  }
}

export class GaugeCell {
  value = 0;
  set(value: number): void {
    this.value = value;
  }
  inc(by = 1): void {
    this.value += by;
  }
  dec(by = 1): void {
    this.value -= by;
  }
}

export class GaugeFamily<L extends string = never> extends Family<L, GaugeCell> {
  constructor(name: string, help: string, labelNames: readonly L[] = []) {
    super(name, help, 'gauge', labelNames);
  }
  protected create() {
    return new GaugeCell();
  }
  protected values(labels: Record<string, string>, child: GaugeCell): ExportedValue[] {
    return [{ value: child.value, labels }];
  }
  protected clear(child: GaugeCell) {
    child.value = 0;
  }
}

export class HistogramCell {
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: Float64Array) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const { bounds } = this;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

export class HistogramFamily<L extends string = never> extends Family<L, HistogramCell> {
  private readonly bounds: Float64Array;
  private readonly le: string[];

  constructor(name: string, help: string, buckets: readonly number[], labelNames: readonly L[] = []) {
    super(name, help, 'histogram', labelNames);
    this.bounds = Float64Array.from(buckets);
    this.le = [...buckets.map(String), '+Inf'];
  }
  protected create() {
    return new HistogramCell(this.bounds);
  }
  protected values(labels: Record<string, string>, child: HistogramCell): ExportedValue[] {
    const out: ExportedValue[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.le.length; i++) {
      cumulative += child.counts[i]!;
      out.push({ value: cumulative, labels: { ...labels, le: this.le[i]! }, metricName: `${this.name}_bucket` });
    }
    out.push({ value: child.sum, labels, metricName: `${this.name}_sum` });
    out.push({ value: child.count, labels, metricName: `${this.name}_count` });
    return out;
  }
  protected clear(child: HistogramCell) {
    child.counts.fill(0);
    child.sum = 0;
    child.count = 0;
  }
}
