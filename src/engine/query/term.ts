/** A term: one postings list (an exact syllable, a folded syllable or a folded word pair). */
import type { MatchNode, SegmentContext } from './node.ts';
import { EMPTY, filterByList, intersect, type DocSet } from './docset.ts';

export class TermNode implements MatchNode {
  readonly kind = 'term' as const;
  /** `e` + exact form, `f` + folded form, `b` + "folded folded" (adjacent pair). */
  readonly key: string;
  constructor(key: string) {
    this.key = key;
  }
  cost(ctx: SegmentContext): number {
    const o = ctx.ord(this.key);
    return o < 0 ? 0 : ctx.seg.df(o);
  }
  docs(ctx: SegmentContext, within?: DocSet): DocSet {
    const o = ctx.ord(this.key);
    if (o < 0) return EMPTY;
    if (within === undefined) return ctx.listDocs(o);
    // Few survivors next to a long list: decode only the blocks that can hold them.
    if (within.length * 8 < ctx.seg.df(o)) return filterByList(ctx.seg, o, within);
    return intersect(within, ctx.listDocs(o));
  }
  keys(): string[] {
    return [this.key];
  }
  toString(): string {
    const kind = this.key[0] === 'e' ? 'exact' : this.key[0] === 'f' ? 'folded' : 'pair';
    return `${kind}:${this.key.slice(1)}`;
  }
}
