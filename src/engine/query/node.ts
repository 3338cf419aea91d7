/**
 * The query tree: what a query matches, as a tree of small nodes (one file per kind: term,
 * phrase, prefix, and, or, not). A node evaluates per segment to the ascending set of local
 * documents it matches; `within` lets an AND hand the documents still alive to its next child,
 * which then decodes only the postings blocks that can hold them.
 */
import type { Segment } from '../segment.ts';
import type { DocSet } from './docset.ts';

/** One segment as the nodes see it. */
export interface SegmentContext {
  seg: Segment;
  /** Ordinal of a term key in this segment's dictionary (−1 when absent), memoised. */
  ord(key: string): number;
  /** Every document of a list (may come from a cache). */
  listDocs(ord: number): DocSet;
}

export interface MatchNode {
  readonly kind: 'term' | 'phrase' | 'prefix' | 'and' | 'or' | 'not';
  /** Upper bound of how many documents of the segment can match (to order an AND's children). */
  cost(ctx: SegmentContext): number;
  /** The matching documents, ascending; only those among `within` when it is given. */
  docs(ctx: SegmentContext, within?: DocSet): DocSet;
  /** The term keys whose postings decide the match (for statistics and explanations). */
  keys(): string[];
  /** Human-readable form, for explanations and the query help. */
  toString(): string;
}

/** A SegmentContext with memoised lookups. */
export function segmentContext(seg: Segment, listDocs: (ord: number) => DocSet): SegmentContext {
  const ords = new Map<string, number>();
  return {
    seg,
    ord(key) {
      let o = ords.get(key);
      if (o === undefined) {
        o = seg.lookup(key);
        ords.set(key, o);
      }
      return o;
    },
    listDocs,
  };
}
