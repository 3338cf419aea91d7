/** Matches per source and per category. */
import type { Segment } from '../segment.ts';
import type { Collector, SegmentMatches } from './collector.ts';

export class FacetCollector implements Collector {
  readonly needsScores = false;
  readonly sources = new Map<string, number>();
  readonly categories = new Map<string, number>();
  collect(_si: number, seg: Segment, m: SegmentMatches): void {
    const src = new Uint32Array(seg.header.sources.length + 1);
    const cat = new Uint32Array(seg.header.categories.length + 1);
    for (const d of m.docs) {
      src[seg.src[d]]++;
      cat[seg.cat[d]]++;
    }
    const add = (into: Map<string, number>, names: string[], counts: Uint32Array) => {
      for (let i = 1; i < counts.length; i++) if (counts[i]) into.set(names[i - 1], (into.get(names[i - 1]) ?? 0) + counts[i]);
    };
    add(this.sources, seg.header.sources, src);
    add(this.categories, seg.header.categories, cat);
  }
}
