/**
 * The accent restorer trained on what the index has seen: collection frequencies of exact words
 * and exact word bigrams, summed over the live segments, fed to src/vi/restore.ts. Built on first
 * use and cached as index/restore.bin; rebuilt when the number of indexed documents has changed
 * by more than a fifth since (the statistics of a language move slowly; rebuilding on every
 * commit would cost more than it brings).
 *
 * restore.bin: "TRARST01", u32 n, JSON {docs, generation} (n bytes), then the restorer's own
 * buffer (AccentRestorer.toBuffer).
 */
import path from 'node:path';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { AccentRestorer } from '../vi/restore.ts';
import type { Segment } from './segment.ts';
import { writeFileDurable } from './directory.ts';
import { readVarint } from './bytes.ts';

const MAGIC = 'TRARST01';

/**
 * Bigram types kept while summing (default). The restorer keeps at most 1M bigrams, the most
 * frequent (src/vi/restore/tables.ts, maxBigrams), so rare pairs need not all be held: past this
 * many, the rarest are dropped (lossy counting: pairs of count up to a rising threshold go, so a
 * pair kept may be under-counted by at most that threshold, and a pair frequent enough to matter
 * is kept). A V8 Map also cannot hold more than 2^24 entries.
 */
export const MAX_COLLECTED_BIGRAMS = 2_000_000;

/** Summed exact unigram and bigram counts over segments (bigrams bounded: MAX_COLLECTED_BIGRAMS). */
export function collectCounts(segments: Segment[], maxBigrams = MAX_COLLECTED_BIGRAMS): { unigrams: Map<string, number>; bigrams: Map<string, number>; bigramFloor: number } {
  const unigrams = new Map<string, number>();
  const bigrams = new Map<string, number>();
  // Counts at or below this were dropped at least once (0: nothing dropped).
  let floor = 0;
  const prune = () => {
    while (bigrams.size > maxBigrams / 2) {
      floor++;
      for (const [k, n] of bigrams) if (n <= floor) bigrams.delete(k);
    }
  };
  for (const seg of segments) {
    const names = new Map<number, string>();
    const name = (ord: number): string => {
      let s = names.get(ord);
      if (s === undefined) {
        s = seg.term(ord).slice(1);
        names.set(ord, s);
      }
      return s;
    };
    // Decoded in place: an array of a large segment's bigram section (tens of millions of
    // varints) took ~400 MB of a search worker's heap at 2M documents, and the server died.
    const at = new Int32Array(1);
    const cf = seg.section('exactCf');
    let ord = 0;
    while (at[0] < cf.length) {
      ord += readVarint(cf, at[0], at);
      const w = name(ord);
      unigrams.set(w, (unigrams.get(w) ?? 0) + readVarint(cf, at[0], at));
    }
    const bg = seg.section('bigrams');
    at[0] = 0;
    while (at[0] < bg.length) {
      const key = name(readVarint(bg, at[0], at)) + ' ' + name(readVarint(bg, at[0], at));
      bigrams.set(key, (bigrams.get(key) ?? 0) + readVarint(bg, at[0], at));
      if (bigrams.size > maxBigrams) prune();
    }
  }
  return { unigrams, bigrams, bigramFloor: floor };
}

export class RestoreModel {
  private readonly file: string;
  private model: AccentRestorer | undefined;
  private modelDocs = -1;

  constructor(indexDir: string, readOnly: boolean) {
    this.file = path.join(indexDir, 'restore.bin');
    void readOnly;
  }

  private docsOf(segments: Segment[]): number {
    let n = 0;
    for (const s of segments) n += s.liveCount;
    return n;
  }

  private fresh(docs: number, current: number): boolean {
    return docs >= 0 && Math.abs(current - docs) <= 0.2 * Math.max(docs, current);
  }

  /** The restorer for the current index (undefined when the index is empty). */
  get(segments: Segment[], generation: number): AccentRestorer | undefined {
    const current = this.docsOf(segments);
    if (current === 0) return undefined;
    if (this.model && this.fresh(this.modelDocs, current)) return this.model;
    if (existsSync(this.file)) {
      try {
        const b = readFileSync(this.file);
        if (b.subarray(0, 8).toString('latin1') === MAGIC) {
          const n = b.readUInt32LE(8);
          const head = JSON.parse(b.subarray(12, 12 + n).toString('utf8')) as { docs: number };
          if (this.fresh(head.docs, current)) {
            this.model = AccentRestorer.fromBuffer(b.subarray(12 + n));
            this.modelDocs = head.docs;
            return this.model;
          }
        }
      } catch {
        // unreadable cache: rebuild below
      }
    }
    const { unigrams, bigrams } = collectCounts(segments);
    this.model = AccentRestorer.fromCounts(unigrams, bigrams);
    this.modelDocs = current;
    // Written even by read-only engines: it is a cache beside the index, not index data, and
    // a search process that built it should spare the next one the cost.
    {
      try {
        const head = Buffer.from(JSON.stringify({ docs: current, generation }), 'utf8');
        const len = Buffer.alloc(4);
        len.writeUInt32LE(head.length);
        const tmp = this.file + '.tmp';
        writeFileDurable(tmp, Buffer.concat([Buffer.from(MAGIC, 'latin1'), len, head, this.model.toBuffer()]));
        renameSync(tmp, this.file);
      } catch {
        // a cache only: failing to write it costs time, not correctness
      }
    }
    return this.model;
  }

  restore(text: string, segments: Segment[], generation: number): string | undefined {
    return this.get(segments, generation)?.restore(text);
  }
}
