/** AND: documents every child matches, minus those a NOT child matches. */
import type { MatchNode, SegmentContext } from './node.ts';
import { EMPTY, difference, type DocSet } from './docset.ts';
import { NotNode } from './not.ts';

export class AndNode implements MatchNode {
  readonly kind: 'and' | 'phrase' = 'and';
  readonly children: MatchNode[];
  constructor(children: MatchNode[]) {
    this.children = children;
  }
  cost(ctx: SegmentContext): number {
    let c = Infinity;
    for (const ch of this.children) if (!(ch instanceof NotNode)) c = Math.min(c, ch.cost(ctx));
    return c === Infinity ? 0 : c;
  }
  docs(ctx: SegmentContext, within?: DocSet): DocSet {
    const pos = this.children.filter((c) => !(c instanceof NotNode));
    const neg = this.children.filter((c): c is NotNode => c instanceof NotNode);
    if (pos.length === 0) return EMPTY; // nothing positive matches nothing (never "everything but")
    // Rarest first: each next child only checks the documents still alive.
    const costs = pos.map((c) => c.cost(ctx));
    const order = pos.map((_, i) => i).sort((a, b) => costs[a] - costs[b]);
    let r = within;
    for (const i of order) {
      r = pos[i].docs(ctx, r);
      if (r.length === 0) return EMPTY;
    }
    for (const n of neg) {
      r = difference(r!, n.child.docs(ctx, r));
      if (r.length === 0) return EMPTY;
    }
    return r!;
  }
  keys(): string[] {
    return this.children.flatMap((c) => c.keys());
  }
  toString(): string {
    return `(${this.children.map(String).join(' AND ')})`;
  }
}
