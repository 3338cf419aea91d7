/**
 * A small Prometheus registry: counters, gauges and histograms with labels, written in the text
 * exposition format (version 0.0.4). Enough for the server's own metrics without a dependency.
 */

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${escapeLabel(labels[k])}"`).join(',');
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function fmt(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return Number.isInteger(n) ? String(n) : n.toPrecision(6).replace(/\.?0+$/, '');
}

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  readonly name: string;
  readonly help: string;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const [k, v] of this.values) out += `${this.name}${k ? `{${k}}` : ''} ${fmt(v)}\n`;
    return out;
  }
}

/** A gauge whose value is read when metrics are scraped. */
export class Gauge implements Metric {
  readonly name: string;
  readonly help: string;
  private readonly read: () => number | undefined;
  constructor(name: string, help: string, read: () => number | undefined) {
    this.name = name;
    this.help = help;
    this.read = read;
  }
  render(): string {
    const v = this.read();
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n`;
    if (v !== undefined && Number.isFinite(v)) out += `${this.name} ${fmt(v)}\n`;
    return out;
  }
}

interface Series {
  labels: string;
  buckets: Float64Array;
  sum: number;
  count: number;
}

export class Histogram implements Metric {
  readonly name: string;
  readonly help: string;
  private readonly bounds: number[];
  private readonly series = new Map<string, Series>();
  constructor(name: string, help: string, bounds: number[]) {
    this.name = name;
    this.help = help;
    this.bounds = [...bounds].sort((a, b) => a - b);
  }
  observe(labels: Labels, value: number): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { labels: k, buckets: new Float64Array(this.bounds.length), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]) s.buckets[i]++;
    s.sum += value;
    s.count++;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const s of this.series.values()) {
      const sep = s.labels ? ',' : '';
      for (let i = 0; i < this.bounds.length; i++) {
        out += `${this.name}_bucket{${s.labels}${sep}le="${fmt(this.bounds[i])}"} ${s.buckets[i]}\n`;
      }
      out += `${this.name}_bucket{${s.labels}${sep}le="+Inf"} ${s.count}\n`;
      const l = s.labels ? `{${s.labels}}` : '';
      out += `${this.name}_sum${l} ${fmt(s.sum)}\n${this.name}_count${l} ${s.count}\n`;
    }
    return out;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join('');
  }
}
