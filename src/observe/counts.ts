/**
 * The observatory's derived table of daily counts, `DIR/observe.sqlite` (node:sqlite).
 *
 * For every day (Vietnam time, by the one dating rule shared with the index: src/ingest/dating.ts) it
 * holds the number of documents, overall and per source, and for every term (syllable or
 * syllable pair, ./terms.ts) the number of documents mentioning it. It is derived from the
 * documents and can always be rebuilt: delete the file (the next sync rebuilds it).
 *
 * Schema (built for size: the table must stay well under half the document store):
 *   meta(key PRIMARY KEY, value)   'version' (COUNTS_VERSION), 'store_seq' (last store row read)
 *   dict(chunk, size, terms, df)   the term dictionary, ids in order of first sight (./term-dict.ts)
 *   days(day INTEGER PRIMARY KEY, docs, terms BLOB, seqs BLOB)
 *     per day: documents counted, the (term id, documents) pairs of the day (./day-terms.ts),
 *     and the store rows counted that day (for reading the day's documents back)
 *   source_days(source, day, docs, PRIMARY KEY(source, day)) WITHOUT ROWID
 *   seen(h INTEGER PRIMARY KEY, seq)  a 53-bit hash of each counted article's key, its store row
 * `day` is the number of days since 1970-01-01. An article's key is canonicalArticleKey of its
 * URL, else its id, so the same VnExpress article under its `.htm` and `.html` URLs is counted
 * once.
 *
 * A day's pairs are read whole and kept decoded in memory by a reader (a year is ~30 MB decoded):
 * a term's series, the candidates of a day and the history of thousands of candidates over eight
 * weeks are all answered from them without a per-term index.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalArticleKey, parseTime, vietnamDayNumber } from '../ingest/timestamps.ts';
import { datingTime } from '../ingest/dating.ts';
import { observedText, termsOf } from './terms.ts';
import { TermDict } from './term-dict.ts';
import { decodeDay, encodeDay, mergeDay, countOf, decodeSorted, encodeSorted, EMPTY_DAY, type DayTerms } from './day-terms.ts';

export const OBSERVE_FILE = 'observe.sqlite';
/**
 * The version of what is counted (terms.ts, stopwords.ts, the date repairs): a table written by
 * another version is rebuilt by the next sync. Raise it whenever those change.
 */
export const COUNTS_VERSION = 9;

/** Days on each side whose volumes say what is usual for a day (normalRange, coverage). */
const COVERAGE_WINDOW = 28;
/** A first or last day must hold this share of the usual volume to count as normal collection. */
const NORMAL_SHARE = 0.5;
/** A day holding less than this share of the usual volume is a gap in collection. */
const GAP_SHARE = 0.2;
const DAY_MS = 86_400_000;

/** Day number (days since 1970-01-01) of an instant in Vietnam time. */
export const dayNumber = vietnamDayNumber;
/** Day number of a calendar date YYYY-MM-DD; NaN when not a date. */
export function dayOfIso(date: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return NaN;
  const ms = Date.parse(date + 'T00:00:00Z');
  return Number.isNaN(ms) ? NaN : Math.floor(ms / DAY_MS);
}
export function isoOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
/** Day of week of a day number, 0 = Monday … 6 = Sunday. */
export function weekday(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** A document as the observatory reads it (any extra fields are ignored). */
export interface ObservedDoc {
  id?: unknown;
  title?: unknown;
  summary?: unknown;
  text?: unknown;
  url?: unknown;
  link?: unknown;
  source?: unknown;
  published?: unknown;
  fetched?: unknown;
}

export interface AddResult {
  counted: number;
  /** Same article already counted (same id or same canonical URL key). */
  duplicates: number;
  /** No usable date, not counted. */
  undated: number;
  /**
   * A date outside the plausible window (before 1990, or more than a day after counting:
   * src/ingest/plausible.ts), not counted: such a date must never give a day to any time axis.
   */
  implausible: number;
}

/**
 * The instant that dates `doc` in the observatory (ms), or undefined: the one dating rule
 * shared with the index (src/ingest/dating.ts) — the stored `published`, repaired at indexing
 * when the operator asked (`tra index --repair-dates`), never repaired a second time here.
 */
export function observedTime(doc: ObservedDoc, now: number = Date.now()): number | undefined {
  return datingTime(doc, now);
}

/** A 53-bit hash of an article key (collisions: ~1 in 10^5 over a million articles). */
export function keyHash(key: string): number {
  const b = createHash('sha1').update(key).digest();
  return b.readUIntBE(0, 6) * 32 + (b[6] >> 3);
}

/**
 * What counting needs of one document, computed without the table: its article key's hash, its
 * dating time, its source and its distinct terms. Pure, so it can run in a worker thread.
 */
export interface PreparedDoc {
  seq?: number;
  /** keyHash of its article key (canonical URL, else id); undefined: it has neither. */
  key?: number;
  /** The instant that dates it (ms); undefined: not counted. */
  ms?: number;
  /** With no `ms`: it has a date, outside the plausible window (else it has none). */
  implausible: boolean;
  source?: string;
  /** Its distinct terms (termsOf's set, in its order); empty when it is not counted. */
  terms: ReadonlySet<string>;
  /**
   * Instead of `terms`, when prepared in a worker (./prepare-workers.ts): its terms as that
   * worker's ids, ids[from..to), resolved through `table`.
   */
  codes?: { ids: Int32Array; from: number; to: number; table: { global(id: number, intern: (term: string) => number): number } };
}

const NO_TERMS: ReadonlySet<string> = new Set();

export function prepareObserved(doc: ObservedDoc, now: number, seq?: number): PreparedDoc {
  const url = typeof doc.url === 'string' && doc.url ? doc.url : typeof doc.link === 'string' ? doc.link : '';
  const key = url ? canonicalArticleKey(url) : typeof doc.id === 'string' ? 'id:' + doc.id : '';
  const ms = datingTime(doc, now);
  if (ms === undefined) return { seq, implausible: Number.isFinite(parseTime(doc.published)), terms: NO_TERMS };
  return {
    seq,
    key: key ? keyHash(key) : undefined,
    ms,
    implausible: false,
    source: typeof doc.source === 'string' && doc.source ? doc.source : undefined,
    terms: termsOf(observedText(doc)),
  };
}

/** What a batch adds to one day before it is merged into the day's row. */
interface PendingDay {
  docs: number;
  terms: Map<number, number>;
  seqs: number[];
}

/** During a bulk load, days are merged into their rows once this many pairs wait in memory. */
const BULK_PENDING_PAIRS = 1_000_000;

export class ObserveCounts {
  readonly path: string;
  private db: DatabaseSync;
  private dict: TermDict;
  /** Days counted but not yet merged into their rows (written by `flushPending`). */
  private pending = new Map<number, PendingDay>();
  private pendingPairs = 0;
  /** A bulk load into an empty table is under way: day rows are merged rarely, in large steps. */
  private bulk = false;
  private st: Record<string, StatementSync> = {};
  /** Decoded days, kept while the file is unchanged (`version()`). */
  private decoded = new Map<number, DayTerms>();
  private decodedAt = -1;
  /** Writes made through this handle (SQLite's data_version counts only other connections'). */
  private ownWrites = 0;

  constructor(dir: string, opts: { readOnly?: boolean } = {}) {
    this.path = join(dir, OBSERVE_FILE);
    const readOnly = opts.readOnly ?? false;
    this.db = new DatabaseSync(this.path, { readOnly });
    // Two processes catching up at once: the second waits for the first instead of failing.
    this.db.exec('PRAGMA busy_timeout=30000');
    if (!readOnly) {
      this.db.exec('PRAGMA journal_mode=WAL');
      this.db.exec('PRAGMA synchronous=NORMAL');
      this.db.exec(`CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS days(day INTEGER PRIMARY KEY, docs INTEGER NOT NULL, terms BLOB, seqs BLOB);
        CREATE TABLE IF NOT EXISTS source_days(source TEXT NOT NULL, day INTEGER NOT NULL, docs INTEGER NOT NULL, PRIMARY KEY(source, day)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS seen(h INTEGER PRIMARY KEY, seq INTEGER);`);
      if (this.getMeta('version') === undefined) this.setMeta('version', COUNTS_VERSION);
    }
    this.db.exec('PRAGMA cache_size=-32000');
    this.dict = new TermDict(this.db, !readOnly);
  }

  private prep(name: string, sql: string): StatementSync {
    let s = this.st[name];
    if (!s) {
      s = this.db.prepare(sql);
      this.st[name] = s;
    }
    return s;
  }

  getMeta(key: string): number | string | undefined {
    const r = this.prep('getMeta', 'SELECT value FROM meta WHERE key=?').get(key) as { value: number | string } | undefined;
    return r?.value;
  }
  setMeta(key: string, value: number | string): void {
    this.prep('setMeta', 'INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run(key, value);
  }

  private pendingDay(day: number): PendingDay {
    let p = this.pending.get(day);
    if (!p) {
      p = { docs: 0, terms: new Map(), seqs: [] };
      this.pending.set(day, p);
    }
    return p;
  }

  /** Merge the pending days into their rows and write the changed dictionary chunks. */
  private flushPending(): void {
    const get = this.prep('dayRow', 'SELECT docs, terms, seqs FROM days WHERE day=?');
    const put = this.prep('putDay', 'INSERT OR REPLACE INTO days(day, docs, terms, seqs) VALUES (?, ?, ?, ?)');
    for (const [day, p] of this.pending) {
      const row = get.get(day) as { docs: number; terms: Uint8Array | null; seqs: Uint8Array | null } | undefined;
      const terms = mergeDay(decodeDay(row?.terms), p.terms);
      let seqs = decodeSorted(row?.seqs);
      if (p.seqs.length) seqs = [...new Set([...seqs, ...p.seqs])].sort((a, b) => a - b);
      put.run(day, (row?.docs ?? 0) + p.docs, encodeDay(terms), encodeSorted(seqs));
    }
    this.pending.clear();
    this.pendingPairs = 0;
    this.dict.flush();
    this.decoded.clear();
    this.seqDays = undefined;
  }

  private readonly intern = (term: string): number => this.dict.intern(term);

  /**
   * Count a batch of documents in one transaction. `seq` (optional, per document) is the store
   * row the document came from; `lastSeq` is recorded as read when given.
   */
  add(docs: Iterable<{ doc: ObservedDoc; seq?: number }>, lastSeq?: number): AddResult {
    const now = Date.now();
    const prepared: PreparedDoc[] = [];
    for (const { doc, seq } of docs) prepared.push(prepareObserved(doc, now, seq));
    return this.addPrepared(prepared, lastSeq);
  }

  /**
   * `add` for documents already read by `prepareObserved` (perhaps in another thread: ./sync.ts
   * prepares a large catch-up in workers). The same counts as `add`, given the same order.
   */
  addPrepared(docs: Iterable<PreparedDoc>, lastSeq?: number): AddResult {
    const res: AddResult = { counted: 0, duplicates: 0, undated: 0, implausible: 0 };
    const srcDocs = new Map<string, number>();
    const seenGet = this.prep('seenGet', 'SELECT 1 AS x FROM seen WHERE h=?');
    const seenPut = this.prep('seenPut', 'INSERT INTO seen(h, seq) VALUES (?, ?)');
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const d of docs) {
        if (d.ms === undefined) {
          if (d.implausible) res.implausible++;
          else res.undated++;
          continue;
        }
        if (d.key !== undefined) {
          if (seenGet.get(d.key)) {
            res.duplicates++;
            continue;
          }
          seenPut.run(d.key, d.seq ?? null);
        }
        const day = dayNumber(d.ms);
        const p = this.pendingDay(day);
        p.docs++;
        if (d.seq !== undefined) p.seqs.push(d.seq);
        res.counted++;
        if (d.source) {
          const k = d.source + '\u0000' + day;
          srcDocs.set(k, (srcDocs.get(k) ?? 0) + 1);
        }
        if (d.codes) {
          const { ids, from, to, table } = d.codes;
          for (let j = from; j < to; j++) this.countTerm(p, table.global(ids[j], this.intern));
        } else {
          for (const t of d.terms) this.countTerm(p, this.dict.intern(t));
        }
      }
      if (!this.bulk || this.pendingPairs >= BULK_PENDING_PAIRS) this.flushPending();
      const upSrc = this.prep('upSrc', 'INSERT INTO source_days(source, day, docs) VALUES (?, ?, ?) ON CONFLICT(source, day) DO UPDATE SET docs = docs + excluded.docs');
      for (const [k, n] of srcDocs) {
        const i = k.indexOf('\u0000');
        upSrc.run(k.slice(0, i), Number(k.slice(i + 1)), n);
      }
      if (lastSeq !== undefined) this.setMeta('store_seq', lastSeq);
      this.db.exec('COMMIT');
      this.ownWrites++;
    } catch (e) {
      this.db.exec('ROLLBACK');
      this.pending.clear();
      this.pendingPairs = 0;
      this.dict.reload();
      throw e;
    }
    return res;
  }

  /**
   * Before counting many documents into an empty table: days are merged into their rows in
   * large steps (`endBulk` writes the rest), not after every batch.
   */
  /** One more document of day `p` mentions term `id`. */
  private countTerm(p: PendingDay, id: number): void {
    const n = p.terms.get(id);
    if (n === undefined) this.pendingPairs++;
    p.terms.set(id, (n ?? 0) + 1);
    this.dict.addDf(id, 1);
  }

  beginBulk(): void {
    // Marked in the file: a load cut short (a crash, a kill) is found by `bulkUnfinished` and redone.
    this.setMeta('bulk', 1);
    // The table is derived: a build cut short by a crash is redone, so no fsync per batch.
    this.db.exec('PRAGMA synchronous=OFF');
    this.bulk = true;
  }
  endBulk(): void {
    this.bulk = false;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.flushPending();
      this.prep('delMeta', 'DELETE FROM meta WHERE key=?').run('bulk');
      this.db.exec('COMMIT');
      this.ownWrites++;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
    this.db.exec('PRAGMA synchronous=NORMAL');
  }

  /** True when a bulk load began and never finished: the table must be rebuilt. */
  bulkUnfinished(): boolean {
    return this.getMeta('bulk') !== undefined;
  }

  /** True when the table holds no document yet. */
  isEmpty(): boolean {
    return !this.prep('anyDay', 'SELECT 1 AS x FROM days LIMIT 1').get();
  }

  /** The day each counted store row was counted on (built when first needed). */
  private seqDays: Map<number, number> | undefined;
  private seqDay(): Map<number, number> {
    if (!this.seqDays) {
      this.seqDays = new Map();
      for (const r of this.prep('allSeqs', 'SELECT day, seqs FROM days').iterate() as Iterable<{ day: number; seqs: Uint8Array | null }>) {
        for (const s of decodeSorted(r.seqs)) this.seqDays.set(s, r.day);
      }
    }
    return this.seqDays;
  }

  /** True when a store row was counted (used to detect replaced documents). */
  countedSeq(seq: number): boolean {
    return this.seqDay().has(seq);
  }

  /**
   * Stop counting the store rows `seqs` (documents since replaced or deleted). Each day that
   * counted one is counted again from its other rows, read back through `docsOf` (rows no longer
   * stored are skipped), so the day's term counts, document frequencies, source volumes and
   * seen keys are exactly those of the documents still there. Returns the days recounted.
   * (A duplicate skipped because the removed row held its key stays uncounted until a rebuild.)
   */
  forget(seqs: ReadonlySet<number>, docsOf: (seqs: number[]) => { seq: number; doc: ObservedDoc }[]): number {
    const map = this.seqDay();
    const days = new Set<number>();
    for (const s of seqs) {
      const d = map.get(s);
      if (d !== undefined) days.add(d);
    }
    if (days.size === 0) return 0;
    const get = this.prep('dayRow', 'SELECT docs, terms, seqs FROM days WHERE day=?');
    const put = this.prep('putDay', 'INSERT OR REPLACE INTO days(day, docs, terms, seqs) VALUES (?, ?, ?, ?)');
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const day of days) {
        const row = get.get(day) as { docs: number; terms: Uint8Array | null; seqs: Uint8Array | null };
        const old = decodeDay(row.terms);
        for (let i = 0; i < old.ids.length; i++) this.dict.addDf(old.ids[i], -old.n[i]);
        const keep = decodeSorted(row.seqs).filter((s) => !seqs.has(s));
        const docs = docsOf(keep);
        const terms = new Map<number, number>();
        const src = new Map<string, number>();
        for (const { doc } of docs) {
          for (const t of termsOf(observedText(doc))) {
            const id = this.dict.intern(t);
            terms.set(id, (terms.get(id) ?? 0) + 1);
            this.dict.addDf(id, 1);
          }
          if (typeof doc.source === 'string' && doc.source) src.set(doc.source, (src.get(doc.source) ?? 0) + 1);
        }
        // The rows still there were dated to this day when counted (the dating rule is fixed).
        if (docs.length === 0) this.prep('delDay', 'DELETE FROM days WHERE day=?').run(day);
        else put.run(day, docs.length, encodeDay(mergeDay(EMPTY_DAY, terms)), encodeSorted(docs.map((d) => d.seq)));
        this.prep('delSrcDay', 'DELETE FROM source_days WHERE day=?').run(day);
        const upSrc = this.prep('putSrc', 'INSERT INTO source_days(source, day, docs) VALUES (?, ?, ?)');
        for (const [source, n] of src) upSrc.run(source, day, n);
      }
      this.prep('delSeen', 'DELETE FROM seen WHERE seq IN (SELECT value FROM json_each(?))').run(JSON.stringify([...seqs]));
      this.dict.flush();
      this.db.exec('COMMIT');
      this.ownWrites++;
    } catch (e) {
      this.db.exec('ROLLBACK');
      this.dict.reload();
      throw e;
    } finally {
      this.seqDays = undefined;
      this.decoded.clear();
      this.volumes = undefined;
    }
    return days.size;
  }

  /** The store rows counted on `day` (documents counted from a store; others have no seq). */
  seqsOn(day: number): number[] {
    const r = this.prep('seqsOn', 'SELECT seqs FROM days WHERE day=?').get(day) as { seqs: Uint8Array | null } | undefined;
    return decodeSorted(r?.seqs);
  }

  /** The first and last day with documents, or undefined when empty. */
  dayRange(): { first: number; last: number } | undefined {
    const r = this.prep('range', 'SELECT min(day) AS a, max(day) AS b FROM days').get() as { a: number | null; b: number | null };
    return r.a === null || r.b === null ? undefined : { first: r.a, last: r.b };
  }

  /** Day volumes (every day with documents, ascending), cached until the counts change. */
  private volumes: { at: number; days: number[]; n: number[] } | undefined;

  /**
   * A number that changes whenever the table may have changed: SQLite's data_version (raised by
   * other connections' commits) plus this handle's own writes. Cheap: no table is read, so caches
   * can check it on every call.
   */
  private version(): number {
    const r = this.prep('dataVersion', 'PRAGMA data_version').get() as { data_version: number };
    return r.data_version * 1_000_000 + this.ownWrites;
  }

  private dayVolumes(): { days: number[]; n: number[] } {
    const at = this.version();
    if (this.volumes && this.volumes.at === at) return this.volumes;
    const days: number[] = [];
    const n: number[] = [];
    for (const r of this.prep('allDays', 'SELECT day, docs FROM days ORDER BY day').iterate() as Iterable<{ day: number; docs: number }>) {
      days.push(r.day);
      n.push(r.docs);
    }
    this.volumes = { at, days, n };
    return this.volumes;
  }

  /**
   * The usual daily volume around day index `i` of `v`: the median of the days with documents
   * among the COVERAGE_WINDOW days before (`side` −1), after (+1) or on both sides (0).
   */
  private usualVolume(v: { days: number[]; n: number[] }, i: number, side: -1 | 0 | 1): { median: number; days: number } {
    const d = v.days[i];
    const xs: number[] = [];
    for (let j = i - 1; side <= 0 && j >= 0 && v.days[j] >= d - COVERAGE_WINDOW; j--) xs.push(v.n[j]);
    for (let j = i + 1; side >= 0 && j < v.days.length && v.days[j] <= d + COVERAGE_WINDOW; j++) xs.push(v.n[j]);
    if (xs.length === 0) return { median: 0, days: 0 };
    xs.sort((a, b) => a - b);
    return { median: xs[xs.length >> 1], days: xs.length };
  }

  /**
   * The first and last day of normal collection: the earliest day holding at least NORMAL_SHARE
   * of the usual volume of the weeks after it, and the latest holding that share of the weeks
   * before it (a day alone, with no collection within the weeks beside it, is not normal). One
   * stray document dated today (a crawled page) or a re-listed old article does not move the
   * observatory to an empty day. With too little history to judge (fewer than 14 days with
   * documents in all), the first and last days with documents.
   */
  normalRange(): { first: number; last: number } | undefined {
    const v = this.dayVolumes();
    if (v.days.length === 0) return undefined;
    // Too little history to judge: every day with documents is normal.
    if (v.days.length < 14) return { first: v.days[0], last: v.days[v.days.length - 1] };
    const normal = (i: number, side: -1 | 1): boolean => {
      const u = this.usualVolume(v, i, side);
      // A day with no other day of collection within the weeks beside it is an isolated one.
      return u.days > 0 && v.n[i] >= NORMAL_SHARE * u.median;
    };
    let a = 0;
    while (a < v.days.length - 1 && !normal(a, 1)) a++;
    let b = v.days.length - 1;
    while (b > a && !normal(b, -1)) b--;
    return { first: v.days[a], last: v.days[b] };
  }

  /**
   * Per day of [from, to]: 1 when documents were collected as usual, 0 for a gap (no documents,
   * or under GAP_SHARE of the usual volume of the weeks around: the collector was down, not the
   * news). A collection too small to judge (usual volume under 5 a day) has no gaps.
   */
  coverage(from: number, to: number): Uint8Array {
    const out = new Uint8Array(Math.max(0, to - from + 1));
    const v = this.dayVolumes();
    if (out.length === 0) return out;
    const all = v.n.slice().sort((a, b) => a - b);
    if (all.length === 0 || all[all.length >> 1] < 5) return out.fill(1);
    const at = new Map(v.days.map((d, i) => [d, i]));
    for (let d = from; d <= to; d++) {
      const i = at.get(d);
      if (i === undefined) continue; // no documents at all: a gap
      const u = this.usualVolume(v, i, 0);
      out[d - from] = u.days < 7 || u.median < 5 || v.n[i] >= GAP_SHARE * u.median ? 1 : 0;
    }
    return out;
  }

  /** Documents per day for days [from, to], zeros included. */
  totals(from: number, to: number): Float64Array {
    const out = new Float64Array(Math.max(0, to - from + 1));
    for (const r of this.prep('totals', 'SELECT day, docs FROM days WHERE day BETWEEN ? AND ?').iterate(from, to) as Iterable<{ day: number; docs: number }>) {
      out[r.day - from] = r.docs;
    }
    return out;
  }

  /** Documents per day of one source for days [from, to]. */
  sourceTotals(source: string, from: number, to: number): Float64Array {
    const out = new Float64Array(Math.max(0, to - from + 1));
    for (const r of this.prep('srcTotals', 'SELECT day, docs FROM source_days WHERE source=? AND day BETWEEN ? AND ?').iterate(source, from, to) as Iterable<{ day: number; docs: number }>) {
      out[r.day - from] = r.docs;
    }
    return out;
  }

  /** The sources seen, with their document counts, largest first. */
  sources(): { source: string; docs: number }[] {
    return this.prep('sources', 'SELECT source, sum(docs) AS docs FROM source_days GROUP BY source ORDER BY docs DESC').all() as { source: string; docs: number }[];
  }

  /** The (term id, documents) pairs of `day`, decoded once and kept while the counts stay the same. */
  private day(day: number): DayTerms {
    const at = this.version();
    if (at !== this.decodedAt) {
      this.decoded.clear();
      this.decodedAt = at;
    }
    let d = this.decoded.get(day);
    if (!d) {
      const r = this.prep('dayTerms', 'SELECT terms FROM days WHERE day=?').get(day) as { terms: Uint8Array | null } | undefined;
      d = decodeDay(r?.terms);
      this.decoded.set(day, d);
    }
    return d;
  }

  /** Documents mentioning `term` per day for days [from, to]; all zeros for an unknown term. */
  series(term: string, from: number, to: number): Float64Array {
    const id = this.dict.id(term);
    if (id === undefined) return new Float64Array(Math.max(0, to - from + 1));
    return this.seriesById(id, from, to);
  }

  seriesById(id: number, from: number, to: number, out = new Float64Array(Math.max(0, to - from + 1))): Float64Array {
    for (let d = from; d <= to; d++) out[d - from] = countOf(this.day(d), id);
    return out;
  }

  /** Terms mentioned by at least `minCount` documents on `day`. */
  termsOn(day: number, minCount: number): { id: number; term: string; n: number }[] {
    const d = this.day(day);
    const out: { id: number; term: string; n: number }[] = [];
    for (let i = 0; i < d.ids.length; i++) if (d.n[i] >= minCount) out.push({ id: d.ids[i], term: this.dict.text(d.ids[i]), n: d.n[i] });
    return out;
  }

  /**
   * The daily counts of the terms `ids` over days [from, to], one array each (index = day − from;
   * length to − from + 2, the last slot free for the day being scored); a term never mentioned in
   * the window has no entry.
   */
  historyOf(ids: ReadonlySet<number>, from: number, to: number): Map<number, Float64Array> {
    const out = new Map<number, Float64Array>();
    const len = to - from + 2;
    for (let day = from; day <= to; day++) {
      const d = this.day(day);
      for (let i = 0; i < d.ids.length; i++) {
        const id = d.ids[i];
        if (!ids.has(id)) continue;
        let a = out.get(id);
        if (!a) {
          a = new Float64Array(len);
          out.set(id, a);
        }
        a[day - from] = d.n[i];
      }
    }
    return out;
  }

  /** Decode the dictionary's lookup buckets now, for a long-lived reader (see TermDict.warm). */
  warmDictionary(): void {
    this.dict.warm();
  }

  /** The most mentioned terms overall. */
  topTerms(limit: number): { id: number; term: string; df: number }[] {
    return this.dict.top(limit);
  }

  /** Documents mentioning `term` over everything counted (0 for an unknown term). */
  documentFrequency(term: string): number {
    const id = this.dict.id(term);
    return id === undefined ? 0 : this.dict.df(id);
  }

  /** Documents mentioning term `id` over everything counted. */
  documentFrequencyById(id: number): number {
    return this.dict.df(id);
  }

  /** Number of documents counted. */
  documents(): number {
    return (this.prep('ndocs', 'SELECT coalesce(sum(docs), 0) AS n FROM days').get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}

/** Delete a data directory's observatory table (it is derived; the next sync rebuilds it). */
export function dropObserveCounts(dir: string): void {
  for (const suffix of ['', '-wal', '-shm']) {
    const f = join(dir, OBSERVE_FILE + suffix);
    if (existsSync(f)) rmSync(f);
  }
}
