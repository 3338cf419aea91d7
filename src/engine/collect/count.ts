/** How many documents match. */
import type { Collector, SegmentMatches } from './collector.ts';

export class CountCollector implements Collector {
  readonly needsScores = false;
  readonly countOnly = true;
  total = 0;
  collect(_si: number, _seg: unknown, m: SegmentMatches): void {
    this.total += m.docs.length;
  }
}
