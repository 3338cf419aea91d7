/**
 * The k newest matches: strict publication order (the segment's `time` column), ties broken
 * by document id, undated documents last. The heap keeps k + TIE_ROOM by time; the id order of
 * equal times is settled afterwards (`order`), so a page boundary falling inside a group of
 * documents published the same millisecond is still cut in id order (up to TIE_ROOM of them).
 */
import type { Segment } from '../segment.ts';
import { TopK } from '../topk.ts';
import type { Collector, SegmentMatches } from './collector.ts';
import type { Ranked } from './top-score.ts';

export const TIE_ROOM = 64;
/** The key of an undated document: below every real time. */
const UNDATED = -8.64e15;

export class TopDateCollector implements Collector {
  readonly needsScores = false;
  readonly k: number;
  private readonly top: TopK;
  constructor(k: number) {
    this.k = k;
    this.top = new TopK(k + TIE_ROOM);
  }
  collect(si: number, seg: Segment, m: SegmentMatches): void {
    const { docs } = m;
    const time = seg.time;
    const seqs = seg.seq;
    const base = si * 4294967296;
    for (let i = 0; i < docs.length; i++) {
      const d = docs[i];
      const t = time[d];
      this.top.push(Number.isNaN(t) ? UNDATED : t, -seqs[d], base + d);
    }
  }
  /** Newest first; equal times in id order (`idOf` gives a match's document id). */
  results(idOf: (seg: number, doc: number) => string): (Ranked & { time: number })[] {
    const all = this.top.sorted().map((e) => {
      const seg = Math.floor(e.ref / 4294967296);
      return { seg, doc: e.ref - seg * 4294967296, score: 0, time: e.key, id: '' };
    });
    // Ids only where times are equal (rare), then the stable order.
    for (let i = 0; i < all.length; i++) {
      const tied = (i > 0 && all[i - 1].time === all[i].time) || (i + 1 < all.length && all[i + 1].time === all[i].time);
      if (tied) all[i].id = idOf(all[i].seg, all[i].doc);
    }
    all.sort((a, b) => b.time - a.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return all.slice(0, this.k).map(({ seg, doc, score, time }) => ({ seg, doc, score, time }));
  }
}
