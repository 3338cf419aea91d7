/** NOT: only meaningful inside an AND, whose matches it removes (`-word`, `-"phrase"`). */
import type { MatchNode, SegmentContext } from './node.ts';
import type { DocSet } from './docset.ts';

export class NotNode implements MatchNode {
  readonly kind = 'not' as const;
  readonly child: MatchNode;
  constructor(child: MatchNode) {
    this.child = child;
  }
  cost(): number {
    return 0;
  }
  /** The documents to remove (the AND subtracts them). */
  docs(ctx: SegmentContext, within?: DocSet): DocSet {
    return this.child.docs(ctx, within);
  }
  keys(): string[] {
    return this.child.keys();
  }
  toString(): string {
    return `-${this.child}`;
  }
}
