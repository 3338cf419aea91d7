/**
 * Collectors consume what the matcher found in each segment: top-k by score, top-k by date,
 * the count, facets, a histogram of days. One matcher, many collectors: every consumer of a
 * query sees the same documents, so totals, pages, facets and trends cannot disagree.
 */
import type { Segment } from '../segment.ts';

/** The matches of one segment: local documents (ascending for keyword queries; in no set order for long ones), with scores when asked. */
export interface SegmentMatches {
  docs: Int32Array;
  /** Scores aligned with `docs` (when a collector needs them). */
  scores?: Float32Array;
}

export interface Collector {
  readonly needsScores: boolean;
  /** When true, the matcher may skip documents that cannot enter this collector's top k. */
  readonly prunable?: boolean;
  /** Only counts: content with a lower bound when a top-k collection pruned. */
  readonly countOnly?: boolean;
  /** The k this collector keeps (for pruning). */
  readonly k?: number;
  collect(si: number, seg: Segment, m: SegmentMatches): void;
}
