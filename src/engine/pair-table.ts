/**
 * An open-addressing hash table from a pair of small non-negative integers (a, b) to an int
 * value, in typed arrays. Used on the indexing hot path for bigrams: a JS Map keyed by
 * a * 2^22 + b would hash heap-allocated doubles (the keys exceed the small-integer range) and
 * allocate on every lookup; this allocates nothing per lookup.
 */
export class PairTable {
  private keysA: Int32Array;
  private keysB: Int32Array;
  private vals: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1 << 16) {
    let cap = 1;
    while (cap < capacity * 2) cap <<= 1;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private slot(a: number, b: number): number {
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
    h ^= h >>> 15;
    let i = h & this.mask;
    const ka = this.keysA;
    const kb = this.keysB;
    while (ka[i] !== -1 && (ka[i] !== a || kb[i] !== b)) i = (i + 1) & this.mask;
    return i;
  }

  /** The value for (a, b), or -1. */
  get(a: number, b: number): number {
    const i = this.slot(a, b);
    return this.keysA[i] === -1 ? -1 : this.vals[i];
  }

  set(a: number, b: number, v: number): void {
    const i = this.slot(a, b);
    if (this.keysA[i] === -1) {
      this.keysA[i] = a;
      this.keysB[i] = b;
      this.size++;
      this.vals[i] = v;
      if (this.size * 2 > this.mask) this.grow();
      return;
    }
    this.vals[i] = v;
  }

  /** Add `d` to the value of (a, b) (0 when absent). */
  add(a: number, b: number, d: number): void {
    const i = this.slot(a, b);
    if (this.keysA[i] === -1) {
      this.keysA[i] = a;
      this.keysB[i] = b;
      this.vals[i] = d;
      this.size++;
      if (this.size * 2 > this.mask) this.grow();
      return;
    }
    this.vals[i] += d;
  }

  private grow(): void {
    const oa = this.keysA;
    const ob = this.keysB;
    const ov = this.vals;
    const cap = oa.length * 2;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
    for (let i = 0; i < oa.length; i++) {
      if (oa[i] === -1) continue;
      const j = this.slot(oa[i], ob[i]);
      this.keysA[j] = oa[i];
      this.keysB[j] = ob[i];
      this.vals[j] = ov[i];
    }
  }

  forEach(fn: (a: number, b: number, v: number) => void): void {
    for (let i = 0; i < this.keysA.length; i++) if (this.keysA[i] !== -1) fn(this.keysA[i], this.keysB[i], this.vals[i]);
  }

  bytes(): number {
    return this.keysA.length * 12;
  }
}
