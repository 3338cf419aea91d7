/** The k best matches by score (ties: the newer store write first). */
import type { Segment } from '../segment.ts';
import { TopK } from '../topk.ts';
import type { Collector, SegmentMatches } from './collector.ts';

export interface Ranked {
  seg: number;
  doc: number;
  score: number;
}

export class TopScoreCollector implements Collector {
  readonly needsScores = true;
  readonly prunable = true;
  readonly k: number;
  private readonly top: TopK;
  constructor(k: number) {
    this.k = k;
    this.top = new TopK(k);
  }
  collect(si: number, seg: Segment, m: SegmentMatches): void {
    const { docs, scores } = m;
    const seqs = seg.seq;
    const base = si * 4294967296;
    let thr = this.top.threshold;
    for (let i = 0; i < docs.length; i++) {
      const s = scores![i];
      if (s >= thr) {
        this.top.push(s, seqs[docs[i]], base + docs[i]);
        thr = this.top.threshold;
      }
    }
  }
  results(): Ranked[] {
    return this.top.sorted().map((e) => {
      const seg = Math.floor(e.ref / 4294967296);
      return { seg, doc: e.ref - seg * 4294967296, score: e.key };
    });
  }
}
