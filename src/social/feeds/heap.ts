/**
 * A binary heap: the best element (by `better`) on top. rank.ts keeps one head per author in it,
 * so each step of the greedy placement costs O(log authors) instead of a walk over every author.
 */
export class Heap<T> {
  private readonly xs: T[] = [];
  private readonly better: (a: T, b: T) => boolean;

  constructor(better: (a: T, b: T) => boolean) {
    this.better = better;
  }

  get size(): number {
    return this.xs.length;
  }

  push(x: T): void {
    const xs = this.xs;
    xs.push(x);
    let i = xs.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.better(xs[i], xs[up])) break;
      [xs[i], xs[up]] = [xs[up], xs[i]];
      i = up;
    }
  }

  pop(): T | undefined {
    const xs = this.xs;
    if (xs.length === 0) return undefined;
    const top = xs[0];
    const last = xs.pop()!;
    if (xs.length > 0) {
      xs[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < xs.length && this.better(xs[l], xs[m])) m = l;
        if (r < xs.length && this.better(xs[r], xs[m])) m = r;
        if (m === i) break;
        [xs[i], xs[m]] = [xs[m], xs[i]];
        i = m;
      }
    }
    return top;
  }
}
