/** OR: documents any child matches (`a OR b`, and the expansions of a prefix). */
import type { MatchNode, SegmentContext } from './node.ts';
import { EMPTY, union, type DocSet } from './docset.ts';

export class OrNode implements MatchNode {
  readonly kind: 'or' | 'prefix' = 'or';
  readonly children: MatchNode[];
  constructor(children: MatchNode[]) {
    this.children = children;
  }
  cost(ctx: SegmentContext): number {
    let c = 0;
    for (const ch of this.children) c += ch.cost(ctx);
    return c;
  }
  docs(ctx: SegmentContext, within?: DocSet): DocSet {
    let r: DocSet = EMPTY;
    for (const ch of this.children) r = union(r, ch.docs(ctx, within));
    return r;
  }
  keys(): string[] {
    return this.children.flatMap((c) => c.keys());
  }
  toString(): string {
    return `(${this.children.map(String).join(' OR ')})`;
  }
}
