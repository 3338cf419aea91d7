/**
 * When a segment builder flushes: after a batch, once the builder's size as measured `lag`
 * batches earlier exceeded the memory budget. Lag 0 is "as soon as it is full"; the worker
 * thread uses a lag of 2 (./parallel-builder.ts says why). Deterministic: the same input in the
 * same batches gives the same segments.
 */
export class FlushPolicy {
  private sizes: number[] = [];
  private readonly budget: number;
  private readonly lag: number;

  constructor(budget: number, lag: number) {
    this.budget = budget;
    this.lag = lag;
  }

  /** Record the builder's size after a batch; true when the builder should flush now. */
  afterBatch(bytes: number): boolean {
    this.sizes.push(bytes);
    if (this.sizes.length <= this.lag) return false;
    const then = this.sizes.shift()!;
    if (then <= this.budget) return false;
    this.sizes = [];
    return true;
  }
}
