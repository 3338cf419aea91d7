/**
 * Matches per day (Vietnam days, from the segment's `day` column), for trends and attention.
 * Undated documents (and those whose date lies outside the plausible window, which the index
 * records as undated) are counted in `undated`, never in a day. Memory is one map entry per
 * day that has a match: the axis is built later, over the data's real span only (trends.ts).
 */
import type { Segment } from '../segment.ts';
import { NO_DAY } from '../fields.ts';
import type { Collector, SegmentMatches } from './collector.ts';

export class DayHistogramCollector implements Collector {
  readonly needsScores = false;
  readonly days = new Map<number, number>();
  undated = 0;
  collect(_si: number, seg: Segment, m: SegmentMatches): void {
    const day = seg.day;
    for (const d of m.docs) {
      const x = day[d];
      if (x === NO_DAY) this.undated++;
      else this.days.set(x, (this.days.get(x) ?? 0) + 1);
    }
  }
}
