/**
 * A bounded min-heap keeping the k best (key, tie, ref) entries: the root is the weakest kept
 * entry, so a candidate is compared with one number before any work is done for it.
 * `tie` breaks equal keys (higher wins: we pass the store seq, so newer documents win ties).
 */
export class TopK {
  readonly k: number;
  size = 0;
  private key: Float64Array;
  private tie: Float64Array;
  private ref: Float64Array;

  constructor(k: number) {
    this.k = Math.max(1, k);
    this.key = new Float64Array(this.k);
    this.tie = new Float64Array(this.k);
    this.ref = new Float64Array(this.k);
  }

  /** The key a candidate must beat to enter (−Infinity while not full). */
  get threshold(): number {
    return this.size < this.k ? -Infinity : this.key[0];
  }

  private less(i: number, j: number): boolean {
    return this.key[i] < this.key[j] || (this.key[i] === this.key[j] && this.tie[i] < this.tie[j]);
  }

  private swap(i: number, j: number): void {
    const k = this.key[i], t = this.tie[i], r = this.ref[i];
    this.key[i] = this.key[j];
    this.tie[i] = this.tie[j];
    this.ref[i] = this.ref[j];
    this.key[j] = k;
    this.tie[j] = t;
    this.ref[j] = r;
  }

  push(key: number, tie: number, ref: number): void {
    if (this.size < this.k) {
      let i = this.size++;
      this.key[i] = key;
      this.tie[i] = tie;
      this.ref[i] = ref;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.less(i, p)) break;
        this.swap(i, p);
        i = p;
      }
      return;
    }
    if (key < this.key[0] || (key === this.key[0] && tie <= this.tie[0])) return;
    this.key[0] = key;
    this.tie[0] = tie;
    this.ref[0] = ref;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.size && this.less(l, m)) m = l;
      if (r < this.size && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }

  /** Entries best first. */
  sorted(): { key: number; tie: number; ref: number }[] {
    const out: { key: number; tie: number; ref: number }[] = [];
    for (let i = 0; i < this.size; i++) out.push({ key: this.key[i], tie: this.tie[i], ref: this.ref[i] });
    out.sort((a, b) => b.key - a.key || b.tie - a.tie);
    return out;
  }
}
