/**
 * The search engine's public API: open a data directory, add/replace/delete documents, search,
 * count over time, restore accents. The CLI, the archive and the web server all call this; the
 * engine knows nothing of HTTP or crawling.
 *
 * Data directory:
 *   DIR/store.sqlite   the system of record (src/store): every document with every field
 *   DIR/index/         immutable segments + deletion bitmaps + manifest (./directory.ts),
 *                      derived from the store and rebuildable from it (`tra reindex`)
 *
 * Consistency: documents are written to the store first (each write gets an increasing seq),
 * then indexed; the manifest records the last seq its segments cover. On open, anything the
 * store holds past that seq (documents, and tombs of replaced/deleted documents) is indexed
 * before the first query, so a crash at any moment loses nothing the store accepted.
 */
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { DocStore, type StoredDoc } from '../store/store.ts';
import { SegmentBuilder } from './builder.ts';
import { Segment } from './segment.ts';
import { readManifest, writeManifest, writeFileDurable, collectGarbage, ensureDir, dirBytes, type Manifest, type SegmentEntry } from './directory.ts';
import { DEFAULT_PARAMS, type ScoreParams } from './scoring.ts';
import { execute, explainDoc, filtersOf, scorePage, DEFAULT_WEIGHTS, type QueryWeights, type SearchRequest, type Explanation } from './search.ts';
import { planQuery, type Plan } from './query/plan.ts';
import { decodeDocs } from './query/docset.ts';
import { TermNode } from './query/term.ts';
import { segmentContext } from './query/node.ts';
import { CountCollector } from './collect/count.ts';
import { TopScoreCollector, type Ranked } from './collect/top-score.ts';
import { TopDateCollector } from './collect/top-date.ts';
import { FacetCollector } from './collect/facets.ts';
import type { Collector } from './collect/collector.ts';
import { makeSnippet, matcherFor, highlightsIn } from './highlight.ts';
import { trends as trendsOf, type TrendsRequest, type TrendsResponse } from './trends.ts';
import { isImplausiblePublished } from '../ingest/plausible.ts';
import { mergeSegments } from './merge.ts';
import { readSegmentFile } from './segment-files.ts';
import { EngineError } from './errors.ts';
export { EngineError } from './errors.ts';
import { RestoreModel } from './restore-model.ts';
import { LocalBuilder, WorkerBuilder, type AnyBuilder, type Built } from './parallel-builder.ts';
import { acquireWriteLock, type WriteLock } from './lock.ts';

export type { SearchRequest, Explanation } from './search.ts';
export type { TrendsRequest, TrendsResponse, Interval } from './trends.ts';
export type { StoredDoc } from '../store/store.ts';
export type { ScoreParams } from './scoring.ts';
export type { QueryWeights } from './search.ts';

import type { DocInput } from '../store/document.ts';
export type { DocInput };

export interface Hit {
  id: string;
  score: number;
  title?: string;
  url?: string;
  published?: string;
  source?: string;
  category?: string;
  snippet?: string;
  /** [start, end) UTF-16 offsets into `snippet` of the matched words. */
  highlights?: [number, number][];
  /** [start, end) offsets into `title`. */
  title_highlights?: [number, number][];
  /** `published` is kept as given but lies outside the plausible window: it dates nothing. */
  published_suspect?: boolean;
  explain?: Explanation;
}

export interface SearchResponse {
  /** Matching documents; a lower bound when `total_exact` is false (pruned query). */
  total: number;
  total_exact?: boolean;
  took_ms: number;
  hits: Hit[];
  /** Matches per source and per category over the whole result set (when asked: `facets`). */
  facets?: { sources: { value: string; count: number }[]; categories: { value: string; count: number }[] };
  /** The accented reading used for a query typed without marks, if any. */
  restored?: string;
  /** Parts of the query that were not understood or not used, one Vietnamese line each. */
  warnings?: string[];
  /** How the query matched: every word (`all`) or enough of a long query's words (`some`). */
  match?: 'all' | 'some';
}

export interface EngineStats {
  documents: number;
  segments: number;
  bytes: number;
  terms: number;
  deleted: number;
  index_bytes: number;
  store_bytes: number;
}

export interface OpenOptions {
  readOnly?: boolean;
  /** Flush a segment when the in-memory builder holds about this many bytes. */
  flushBytes?: number;
  /** Merge when there are more segments than this that are not full (see maxSegmentBytes). */
  maxSegments?: number;
  /**
   * No merge makes a segment larger than this many bytes (default 1 GiB). A segment of at least
   * half of it (its live part) is full: it is not counted against maxSegments and is merged only
   * once deletions have made it small again.
   */
  maxSegmentBytes?: number;
  /** Analyse bulk additions in a worker thread (default: when the machine has 2+ cores). */
  parallel?: boolean;
  params?: ScoreParams;
  weights?: QueryWeights;
}

export interface AddOptions {
  onProgress?(n: number): void;
}

export interface Engine {
  readonly dataDir: string;
  /** Add or replace documents (same id replaces). Durable and searchable when the promise resolves. */
  add(docs: Iterable<DocInput> | AsyncIterable<DocInput>, opts?: AddOptions): Promise<{ indexed: number }>;
  /** Delete documents by id; returns how many existed. */
  delete(ids: string[]): Promise<number>;
  get(id: string): StoredDoc | undefined;
  search(req: SearchRequest): SearchResponse;
  trends(req: TrendsRequest): TrendsResponse;
  /** Restore the diacritics of text typed without them, from what the index has seen. */
  restore(text: string): string;
  stats(): EngineStats;
  /** Drop the index and rebuild it from the store. */
  reindex(opts?: AddOptions): Promise<{ indexed: number }>;
  /**
   * Readers: pick up what another process committed since open (a new manifest generation);
   * segments already loaded are reused. Returns true when the view changed.
   */
  refresh(): boolean;
  close(): void;
  /** Scoring parameters in use (tests and tuning may change them). */
  params: ScoreParams;
  weights: QueryWeights;
}

/** Documents of the rarer syllable a pair's share is judged on, per segment (`adjacency`). */
const ADJACENCY_SAMPLE = 4096;
const DEFAULT_FLUSH = Number(process.env.TRA_INDEX_MEM_MB ?? 256) * 1024 * 1024;
const DEFAULT_MAX_SEGMENTS = 8;
/**
 * Largest segment a merge makes, bytes. Segment files stay well below what one read and the
 * format's 32-bit offsets can address (2 GiB, 4 GiB). With eight segments and no cap, an index
 * past ~16 GB (some 8M news articles; 2M make 3.7 GB) would have merged into files `tra serve`
 * could not read. Lucene's TieredMergePolicy caps merged segments the same way (5 GB by default).
 */
const DEFAULT_MAX_SEGMENT_BYTES = 1 << 30;
const BATCH = 1000;
/** Documents per store transaction (a multiple of BATCH, so the builder's batches are unchanged). */
const GROUP = 8 * BATCH;

export async function openEngine(dataDir: string, opts: OpenOptions = {}): Promise<Engine> {
  return new EngineImpl(dataDir, opts);
}

class EngineImpl implements Engine {
  readonly dataDir: string;
  private readonly indexDir: string;
  private readonly readOnly: boolean;
  private readonly store: DocStore;
  private manifest: Manifest = { format: 1, generation: 0, seq: 0, segments: [] };
  private segments: Segment[] = [];
  private entries: SegmentEntry[] = [];
  /** Segments whose deletion bitmap changed since the last commit. */
  private dirtyDeletes = new Set<Segment>();
  private readonly flushBytes: number;
  private readonly maxSegments: number;
  private readonly maxSegmentBytes: number;
  private readonly parallel: boolean;
  private restoreModel: RestoreModel;
  /** Writers hold DIR/write.lock from open to close (one writer per directory). */
  private lock: WriteLock | undefined;
  params: ScoreParams;
  weights: QueryWeights;

  constructor(dataDir: string, opts: OpenOptions) {
    this.dataDir = dataDir;
    this.indexDir = path.join(dataDir, 'index');
    this.readOnly = opts.readOnly ?? false;
    this.flushBytes = opts.flushBytes ?? DEFAULT_FLUSH;
    this.maxSegments = opts.maxSegments ?? DEFAULT_MAX_SEGMENTS;
    this.maxSegmentBytes = opts.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES;
    this.parallel = opts.parallel ?? availableParallelism() > 1;
    this.params = opts.params ?? structuredClone(DEFAULT_PARAMS);
    this.weights = opts.weights ?? { ...DEFAULT_WEIGHTS };
    if (this.readOnly) {
      if (!existsSync(path.join(dataDir, 'store.sqlite'))) throw new EngineError(`${dataDir}: không có dữ liệu (no store.sqlite); hãy chạy "tra index --data ${dataDir} FILE..." trước`);
    } else {
      ensureDir(this.indexDir);
      this.lock = acquireWriteLock(dataDir);
    }
    try {
      this.store = new DocStore(path.join(dataDir, 'store.sqlite'), { readOnly: this.readOnly });
    } catch (e) {
      this.lock?.release();
      throw e;
    }
    try {
      this.restoreModel = new RestoreModel(this.indexDir, this.readOnly);
      this.open(dataDir);
    } catch (e) {
      this.store.close();
      this.lock?.release();
      throw e;
    }
  }

  private open(dataDir: string): void {
    try {
      this.manifest = readManifest(this.indexDir);
      for (const e of this.manifest.segments) this.loadSegment(e);
    } catch (e) {
      // The index is derived data: a writer rebuilds an unreadable one (older format, damaged
      // file) from the store; a reader says what to do.
      const why = (e as Error).message;
      if (this.readOnly) throw new EngineError(`${this.indexDir}: chỉ mục không đọc được (unreadable index: ${why}); hãy chạy "tra reindex --data ${dataDir}"`, { cause: e });
      this.segments = [];
      this.entries = [];
      this.manifest = { format: 1, generation: Date.now(), seq: 0, segments: [] };
      writeManifest(this.indexDir, this.manifest);
    }
    if (!this.readOnly) collectGarbage(this.indexDir, this.manifest);
    this.catchUp();
  }

  private loadSegment(e: SegmentEntry): Segment {
    const seg = new Segment(e.name, readSegmentFile(path.join(this.indexDir, e.name)));
    if (e.del) {
      const bits = readFileSync(path.join(this.indexDir, e.del));
      seg.deleted = new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength);
      seg.deletedCount = e.deleted;
    }
    this.segments.push(seg);
    this.entries.push(e);
    return seg;
  }

  /** Index whatever the store holds beyond the manifest (after a crash, or a read-only open). */
  private catchUp(): void {
    if (this.store.lastSeq() <= this.manifest.seq) return;
    let builder = new SegmentBuilder();
    for (const t of this.store.tombsAfter(this.manifest.seq)) this.deleteSeq(t.old, builder);
    for (const { seq, doc } of this.store.docsAfter(this.manifest.seq)) {
      builder.add(seq, doc);
      if (builder.memoryBytes() > this.flushBytes) {
        this.commit(builder, seq);
        builder = new SegmentBuilder();
      }
    }
    this.commit(builder, this.store.lastSeq());
  }

  /** Mark the document stored under `seq` deleted wherever it is indexed. */
  private deleteSeq(seq: number, builder: SegmentBuilder): void {
    if (!builder.deleteSeq(seq)) this.deleteInSegments(seq);
  }

  /** Mark the document stored under `seq` deleted in the published segments. */
  private deleteInSegments(seq: number): void {
    for (let i = 0; i < this.segments.length; i++) {
      const e = this.entries[i];
      if (seq < e.minSeq || seq > e.maxSeq) continue;
      const seg = this.segments[i];
      const d = seg.docOfSeq(seq);
      if (d < 0 || seg.isDeleted(d)) continue;
      if (!this.dirtyDeletes.has(seg)) {
        const bits = new Uint8Array((seg.docCount + 7) >> 3);
        if (seg.deleted) bits.set(seg.deleted);
        seg.deleted = bits;
        this.dirtyDeletes.add(seg);
      }
      seg.deleted![d >> 3] |= 1 << (d & 7);
      seg.deletedCount++;
      return;
    }
  }

  /**
   * Publish the builder as a new segment (if it holds documents) together with changed deletion
   * bitmaps, covering store writes up to `coveredSeq`. Read-only engines keep it in memory.
   */
  private commit(builder: SegmentBuilder, coveredSeq: number): void {
    this.commitBuilt(builder.docCount > 0 ? builder.build() : undefined, coveredSeq);
  }

  private commitBuilt(built: Built | undefined, coveredSeq: number): void {
    const gen = this.manifest.generation + 1;
    if (built) {
      const { bytes, deleted } = built;
      const name = `seg-${String(gen).padStart(6, '0')}.tseg`;
      if (!this.readOnly) writeFileDurable(path.join(this.indexDir, name), bytes);
      const seg = new Segment(name, bytes);
      if (deleted.length) {
        seg.deleted = new Uint8Array((seg.docCount + 7) >> 3);
        for (const d of deleted) seg.deleted[d >> 3] |= 1 << (d & 7);
        seg.deletedCount = deleted.length;
        this.dirtyDeletes.add(seg);
      }
      this.segments.push(seg);
      this.entries.push({ name, docs: seg.docCount, deleted: seg.deletedCount, minSeq: seg.seq[0], maxSeq: seg.seq[seg.docCount - 1] });
    }
    // Drop fully deleted segments; write changed deletion bitmaps under new names.
    const keepSegs: Segment[] = [];
    const keepEntries: SegmentEntry[] = [];
    // Files the new manifest no longer names (a segment all of whose documents were replaced,
    // superseded deletion bitmaps) are removed once it is published, not at the next open.
    let stale = this.dirtyDeletes.size > 0;
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i];
      let e = this.entries[i];
      if (seg.deletedCount >= seg.docCount) {
        stale = true;
        continue;
      }
      if (this.dirtyDeletes.has(seg)) {
        const del = `${seg.name.replace(/\.tseg$/, '')}.del${gen}`;
        if (!this.readOnly) writeFileDurable(path.join(this.indexDir, del), seg.deleted!);
        e = { ...e, del, deleted: seg.deletedCount };
      }
      keepSegs.push(seg);
      keepEntries.push(e);
    }
    this.dirtyDeletes.clear();
    this.segments = keepSegs;
    this.entries = keepEntries;
    this.manifest = { format: 1, generation: gen, seq: coveredSeq, segments: this.entries };
    if (this.readOnly) return;
    // The store must be durable before the manifest claims to cover it.
    this.store.sync();
    writeManifest(this.indexDir, this.manifest);
    if (stale) collectGarbage(this.indexDir, this.manifest);
    this.store.pruneTombs(coveredSeq);
    this.maybeMerge();
  }

  /**
   * Merge policy: while more than maxSegments segments are not full, merge the adjacent pair of
   * smallest combined live size among the pairs that stay within maxSegmentBytes (segments stay
   * in seq order, so seq ranges never overlap). Tiered in effect: small segments merge often, big
   * ones rarely, full ones (half the cap or more) not at all until deletions shrink them.
   */
  private maybeMerge(): void {
    const live = (s: Segment) => (s.docCount ? (s.bytes.length * s.liveCount) / s.docCount : 0);
    const full = (s: Segment) => live(s) >= this.maxSegmentBytes / 2;
    while (this.segments.filter((s) => !full(s)).length > this.maxSegments) {
      let best = -1;
      let bestSize = Infinity;
      for (let i = 0; i + 1 < this.segments.length; i++) {
        const a = this.segments[i];
        const b = this.segments[i + 1];
        if (full(a) && full(b)) continue;
        const size = live(a) + live(b);
        if (size <= this.maxSegmentBytes && size < bestSize) {
          bestSize = size;
          best = i;
        }
      }
      if (best < 0) return;
      this.mergeRange(best, best + 2);
    }
  }

  private mergeRange(a: number, b: number): void {
    const gen = this.manifest.generation + 1;
    const parts = this.segments.slice(a, b);
    const bytes = mergeSegments(parts);
    const name = `seg-${String(gen).padStart(6, '0')}.tseg`;
    writeFileDurable(path.join(this.indexDir, name), bytes);
    const seg = new Segment(name, bytes);
    const entry: SegmentEntry = { name, docs: seg.docCount, deleted: 0, minSeq: seg.seq[0], maxSeq: seg.seq[seg.docCount - 1] };
    this.segments.splice(a, b - a, seg);
    this.entries.splice(a, b - a, entry);
    this.manifest = { ...this.manifest, generation: gen, segments: this.entries };
    writeManifest(this.indexDir, this.manifest);
    collectGarbage(this.indexDir, this.manifest);
  }

  async add(docs: Iterable<DocInput> | AsyncIterable<DocInput>, opts: AddOptions = {}): Promise<{ indexed: number }> {
    if (this.readOnly) throw new Error('engine opened read-only');
    let builder: AnyBuilder | undefined;
    let group: StoredDoc[] = [];
    // Groups start at one batch and double up to GROUP, so the worker starts analysing early.
    let groupSize = BATCH;
    let indexed = 0;
    // Segments the builder flushed (committed here, in order) and deletions it could not apply
    // because their documents were in a segment it had built but we had not committed yet.
    const drain = () => {
      for (const ev of builder!.takeEvents()) {
        if (ev.kind === 'built') this.commitBuilt(ev.built, ev.coveredSeq);
        else for (const s of ev.seqs) this.deleteInSegments(s);
      }
    };
    const flushGroup = async () => {
      // Bulk loads (a full first batch) analyse in a worker thread; small additions in-process.
      builder ??= group.length >= BATCH && this.parallel ? new WorkerBuilder(this.flushBytes) : new LocalBuilder(this.flushBytes);
      // One store transaction per group (fewer, larger commits: SQLite rewrites fewer pages),
      // then the builder gets it in batches of BATCH.
      const res = this.store.putBatch(group);
      const docsNow = group;
      group = [];
      for (let i = 0; i < docsNow.length; i += BATCH) {
        drain();
        const seqs: number[] = [];
        const deletes: number[] = [];
        const end = Math.min(i + BATCH, docsNow.length);
        for (let j = i; j < end; j++) {
          const r = res[j];
          if (r.replaced !== undefined) {
            // Covered by the manifest: in a published segment. Else in the builder, or in a
            // segment it built since (it hands those back as 'unresolved').
            if (r.replaced <= this.manifest.seq) this.deleteInSegments(r.replaced);
            else deletes.push(r.replaced);
          }
          seqs.push(r.seq);
        }
        await builder.add(seqs, docsNow.slice(i, end), deletes);
        indexed += seqs.length;
        opts.onProgress?.(indexed);
      }
      drain();
    };
    try {
      for await (const doc of docs as AsyncIterable<DocInput>) {
        if (!doc || typeof doc.id !== 'string' || doc.id === '') throw new EngineError('tài liệu thiếu "id" (document without a string id)');
        group.push(doc as StoredDoc);
        if (group.length >= groupSize) {
          await flushGroup();
          groupSize = Math.min(GROUP, 2 * groupSize);
        }
      }
      if (group.length) await flushGroup();
      let built: Built | undefined;
      if (builder) {
        // Make the store durable while the last segment is built (the commit needs it so).
        if (builder instanceof WorkerBuilder) this.store.sync();
        // Commit what the worker flushes while it finishes the last batches (not after).
        await builder.settle(drain);
        built = await builder.finish();
        drain();
      }
      if (built || this.dirtyDeletes.size > 0 || this.store.lastSeq() > this.manifest.seq) this.commitBuilt(built, this.store.lastSeq());
    } finally {
      await builder?.close();
    }
    // The accent restorer's model (index/restore.bin) is brought up to date here, by the writer,
    // when the index has changed by more than a fifth since it was built: built by the first
    // query typed without marks instead, it took a search worker ~1 min at 2M documents, past a
    // search's deadline. A fresh model costs one comparison.
    if (indexed > 0) this.restoreModel.get(this.segments, this.manifest.generation);
    return { indexed };
  }

  async delete(ids: string[]): Promise<number> {
    if (this.readOnly) throw new Error('engine opened read-only');
    const removed = this.store.deleteIds(ids);
    for (const r of removed) this.deleteInSegments(r.old);
    this.commitBuilt(undefined, this.store.lastSeq());
    return removed.length;
  }

  get(id: string): StoredDoc | undefined {
    return this.store.get(id);
  }

  private expand(prefixKey: string): string[] {
    const found = new Map<string, number>();
    for (const seg of this.segments) {
      let i = seg.lowerBound(prefixKey);
      let scanned = 0;
      while (i < seg.nTerms && scanned < 5000) {
        const t = seg.term(i);
        if (!t.startsWith(prefixKey)) break;
        found.set(t, (found.get(t) ?? 0) + seg.df(i));
        i++;
        scanned++;
      }
    }
    return [...found.entries()].sort((a, b) => b[1] - a[1]).slice(0, this.weights.prefixExpansions).map((e) => e[0]);
  }

  /** Pair statistics (engine generation + pair) → share of co-occurrences side by side. */
  private adjacencyCache = new Map<string, number>();

  /**
   * Of the documents that hold two syllables typed side by side (judged on `a` and `b`, exact
   * forms where known), the share that hold them side by side (their folded pair `pair`);
   * query/plan.ts requires the pair when it is high enough (`weights.adjacentShare`).
   * Names and compounds stand together nearly always (Hà Nội 99%, Phú Quốc 68%, giá vàng 69%);
   * words merely used together rarely do (Đà Nẵng + mưa 3%, vàng + SJC 16%, giá + tăng 9%).
   * Measured on the news-rss year; docs/ENGINE.md has the table. Cached per index generation.
   */
  private adjacency(a: string, b: string, pair: string): number {
    const key = `${this.manifest.generation}\u0000${a}\u0000${b}`;
    const hit = this.adjacencyCache.get(key);
    if (hit !== undefined) return hit;
    let both = 0;
    let side = 0;
    const [ta, tb, tp] = [new TermNode(a), new TermNode(b), new TermNode(pair)];
    for (const seg of this.segments) {
      const ctx = segmentContext(seg, (ord) => decodeDocs(seg, ord));
      const [rarer, other] = ta.cost(ctx) <= tb.cost(ctx) ? [ta, tb] : [tb, ta];
      let docs = rarer.docs(ctx);
      if (docs.length === 0) continue;
      // A share needs no exact count: a common syllable is judged on an even sample of its
      // documents (at most ADJACENCY_SAMPLE per segment), so the first query of a pair of
      // common words does not decode their whole lists twice.
      if (docs.length > ADJACENCY_SAMPLE) {
        const step = docs.length / ADJACENCY_SAMPLE;
        docs = Int32Array.from({ length: ADJACENCY_SAMPLE }, (_, i) => docs[Math.floor(i * step)]);
      }
      docs = other.docs(ctx, docs);
      both += docs.length;
      if (docs.length) side += tp.docs(ctx, docs).length;
    }
    const share = both === 0 ? 1 : side / both;
    if (this.adjacencyCache.size > 20000) this.adjacencyCache.clear();
    this.adjacencyCache.set(key, share);
    return share;
  }

  /** The plan of a query: its match tree and ranking lists (query/plan.ts). */
  plan(query: string): Plan {
    return planQuery(query, {
      weights: this.weights,
      restore: (text) => this.restoreModel.restore(text, this.segments, this.manifest.generation),
      expand: (p) => this.expand(p),
      adjacency: (a, b, pair) => this.adjacency(a, b, pair),
      df: (key) => {
        let n = 0;
        for (const seg of this.segments) {
          const o = seg.lookup(key);
          if (o >= 0) n += seg.df(o);
        }
        return n;
      },
    });
  }

  search(req: SearchRequest & { stored?: boolean }): SearchResponse {
    const t0 = performance.now();
    const plan = this.plan(req.query);
    const limit = Math.max(0, req.limit ?? 10);
    const offset = Math.max(0, req.offset ?? 0);
    const warnings = plan.warnings.length ? { warnings: plan.warnings } : {};
    if (!plan.must && plan.should === 0) return { total: 0, took_ms: Math.round((performance.now() - t0) * 1000) / 1000, hits: [], ...warnings };
    const byDate = req.sort === 'date';
    const count = new CountCollector();
    const topScore = byDate ? undefined : new TopScoreCollector(offset + limit);
    const topDate = byDate ? new TopDateCollector(offset + limit) : undefined;
    const facets = req.facets ? new FacetCollector() : undefined;
    const collectors: Collector[] = [(topScore ?? topDate)!, count];
    if (facets) collectors.push(facets);
    // A long query's top k by score may be pruned: the count is then a lower bound.
    const ex = execute(this.segments, plan, this.params, filtersOf(req), collectors);
    let ranked: Ranked[];
    if (topDate) {
      ranked = topDate.results((si, doc) => this.store.idBySeq(this.segments[si].seq[doc]) ?? '');
      // The relevance score of each hit of a date page, for display.
      const page = ranked.slice(offset);
      scorePage(this.segments, plan, this.params, ex, page).forEach((sc, i) => (page[i].score = sc));
    } else ranked = topScore!.results();
    const wantStored = req.stored ?? true;
    const wantSnippets = wantStored && (req.snippets ?? true);
    const matcher = wantSnippets ? matcherFor(plan.highlight) : undefined;
    const hits: Hit[] = [];
    for (const c of ranked.slice(offset)) {
      const seg = this.segments[c.seg];
      const seq = seg.seq[c.doc];
      const score = Math.round(c.score * 10000) / 10000;
      let hit: Hit;
      if (!wantStored) {
        hit = { id: this.store.idBySeq(seq) ?? '', score };
      } else {
        const d = this.store.getBySeq(seq);
        if (!d) continue;
        hit = { id: d.id, score };
        for (const k of ['title', 'url', 'published', 'source', 'category'] as const) if (typeof d[k] === 'string') hit[k] = d[k] as string;
        if (Number.isNaN(seg.time[c.doc]) && isImplausiblePublished(d.published)) hit.published_suspect = true;
        if (matcher) {
          const body = typeof d.summary === 'string' && d.summary ? d.summary : typeof d.text === 'string' ? d.text : '';
          const sn = makeSnippet(body, matcher);
          hit.snippet = sn.snippet;
          hit.highlights = sn.highlights;
          if (hit.title) hit.title_highlights = highlightsIn(hit.title, matcher);
        }
      }
      if (req.explain) hit.explain = explainDoc(seg, c.doc, plan, this.params, ex);
      hits.push(hit);
    }
    const out: SearchResponse = { total: count.total, took_ms: 0, hits, match: plan.long ? 'some' : 'all', ...warnings };
    if (!ex.exact) out.total_exact = false;
    if (facets) {
      const list = (m: Map<string, number>) => [...m.entries()].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
      out.facets = { sources: list(facets.sources), categories: list(facets.categories) };
    }
    if (plan.restored) out.restored = plan.restored;
    out.took_ms = Math.round((performance.now() - t0) * 1000) / 1000;
    return out;
  }

  trends(req: TrendsRequest): TrendsResponse {
    return trendsOf(this.segments, this.plan(req.query), this.params, req);
  }

  restore(text: string): string {
    return this.restoreModel.restore(text, this.segments, this.manifest.generation) ?? text;
  }

  stats(): EngineStats {
    let documents = 0;
    let terms = 0;
    let deleted = 0;
    for (const s of this.segments) {
      documents += s.liveCount;
      deleted += s.deletedCount;
      terms += s.nTerms;
    }
    const index_bytes = dirBytes(this.indexDir);
    const bytes = dirBytes(this.dataDir);
    return { documents, segments: this.segments.length, bytes, terms, deleted, index_bytes, store_bytes: bytes - index_bytes };
  }

  async reindex(opts: AddOptions = {}): Promise<{ indexed: number }> {
    if (this.readOnly) throw new Error('engine opened read-only');
    // Publish an empty manifest covering nothing, then catch up from the whole store.
    this.segments = [];
    this.entries = [];
    this.dirtyDeletes.clear();
    this.manifest = { format: 1, generation: this.manifest.generation + 1, seq: 0, segments: [] };
    writeManifest(this.indexDir, this.manifest);
    collectGarbage(this.indexDir, this.manifest);
    let builder = new SegmentBuilder();
    let n = 0;
    for (const row of this.store.docsAfter(0)) {
      builder.add(row.seq, row.doc);
      if (++n % 1000 === 0) opts.onProgress?.(n);
      if (builder.memoryBytes() > this.flushBytes) {
        this.commit(builder, row.seq);
        builder = new SegmentBuilder();
      }
    }
    this.commit(builder, this.store.lastSeq());
    opts.onProgress?.(n);
    return { indexed: n };
  }

  refresh(): boolean {
    // A writer may remove the files of the manifest just read (a merge, a segment all replaced)
    // before they are loaded: read the newer manifest and try again.
    for (let attempt = 0; ; attempt++) {
      try {
        return this.refreshOnce();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 4) throw e;
      }
    }
  }

  private refreshOnce(): boolean {
    const m = readManifest(this.indexDir);
    if (m.generation === this.manifest.generation) return false;
    const byName = new Map(this.segments.map((seg, i) => [seg.name, { seg, entry: this.entries[i] }]));
    const segments: Segment[] = [];
    const entries: SegmentEntry[] = [];
    for (const e of m.segments) {
      const have = byName.get(e.name);
      const seg = have ? have.seg : new Segment(e.name, readSegmentFile(path.join(this.indexDir, e.name)));
      if (e.del && e.del !== have?.entry.del) {
        const bits = readFileSync(path.join(this.indexDir, e.del));
        seg.deleted = new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength);
        seg.deletedCount = e.deleted;
      }
      segments.push(seg);
      entries.push(e);
    }
    this.segments = segments;
    this.entries = entries;
    this.manifest = m;
    return true;
  }

  close(): void {
    this.store.close();
    this.lock?.release();
    this.lock = undefined;
  }
}
