/**
 * An open-addressing hash table from a pair of small non-negative integers (a, b) to an int
 * value, in typed arrays. Used on the indexing hot path for bigrams: a JS Map keyed by
 * a * 2^22 + b would hash heap-allocated doubles (the keys exceed the small-integer range) and
 * allocate on every lookup; this allocates nothing per lookup.
 *
 * One Int32Array holds each slot's (a, b, value) side by side: the table is far larger than the
 * CPU caches, so a probe costs one cache miss rather than one per array.
 */
export class PairTable {
  /** Slot i is t[3i] = a (-1 when empty), t[3i + 1] = b, t[3i + 2] = value. */
  private t: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1 << 16) {
    let cap = 1;
    while (cap < capacity * 2) cap <<= 1;
    this.t = PairTable.alloc(cap);
    this.mask = cap - 1;
  }

  private static alloc(cap: number): Int32Array {
    const t = new Int32Array(3 * cap);
    for (let i = 0; i < t.length; i += 3) t[i] = -1;
    return t;
  }

  /** The index into `t` of the slot of (a, b): where it is, or the empty slot it would take. */
  private slot(a: number, b: number): number {
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
    h ^= h >>> 15;
    const mask = this.mask;
    const t = this.t;
    let i = h & mask;
    for (;;) {
      const k = 3 * i;
      const ka = t[k];
      if (ka === -1 || (ka === a && t[k + 1] === b)) return k;
      i = (i + 1) & mask;
    }
  }

  /** The value for (a, b), or -1. */
  get(a: number, b: number): number {
    const k = this.slot(a, b);
    return this.t[k] === -1 ? -1 : this.t[k + 2];
  }

  set(a: number, b: number, v: number): void {
    const k = this.claim(a, b); // first: claiming may replace this.t
    this.t[k + 2] = v;
  }

  /** Add `d` to the value of (a, b) (0 when absent). */
  add(a: number, b: number, d: number): void {
    const k = this.claim(a, b);
    this.t[k + 2] += d;
  }

  /** The index into `t` of (a, b)'s slot, inserted with value 0 when absent (growing if due). */
  private claim(a: number, b: number): number {
    const k = this.slot(a, b);
    const t = this.t;
    if (t[k] !== -1) return k;
    t[k] = a;
    t[k + 1] = b;
    t[k + 2] = 0;
    this.size++;
    if (this.size * 2 <= this.mask) return k;
    this.grow();
    return this.slot(a, b);
  }

  private grow(): void {
    const o = this.t;
    const cap = (o.length / 3) * 2;
    this.t = PairTable.alloc(cap);
    this.mask = cap - 1;
    const t = this.t;
    for (let i = 0; i < o.length; i += 3) {
      if (o[i] === -1) continue;
      const k = this.slot(o[i], o[i + 1]);
      t[k] = o[i];
      t[k + 1] = o[i + 1];
      t[k + 2] = o[i + 2];
    }
  }

  /** Every entry, in slot order. */
  forEach(fn: (a: number, b: number, v: number) => void): void {
    const t = this.t;
    for (let i = 0; i < t.length; i += 3) if (t[i] !== -1) fn(t[i], t[i + 1], t[i + 2]);
  }

  bytes(): number {
    return this.t.length * 4;
  }
}
