/**
 * The observatory's derived table of daily counts, `DIR/observe.sqlite` (node:sqlite).
 *
 * For every day (Vietnam time, by the one dating rule shared with the index: src/ingest/dating.ts) it
 * holds the number of documents, overall and per source, and for every term (syllable or
 * syllable pair, ./terms.ts) the number of documents mentioning it. It is derived from the
 * documents and can always be rebuilt: delete the file, or call `rebuild`.
 *
 * Schema:
 *   meta(key PRIMARY KEY, value)                 'version' (COUNTS_VERSION), 'store_seq' (last store row read)
 *   terms(id INTEGER PRIMARY KEY, term TEXT, df INTEGER) + unique index (term)   df = documents overall
 *   counts(day, term, n, PRIMARY KEY(day, term)) WITHOUT ROWID   + index (term, day, n): a series
 *     (day-major, so counting documents in date order appends; the term index is built once
 *     after a bulk load, which is far cheaper than keeping it up to date row by row)
 *   days(day INTEGER PRIMARY KEY, docs INTEGER)
 *   source_days(source, day, docs, PRIMARY KEY(source, day)) WITHOUT ROWID
 *   seen(key TEXT PRIMARY KEY, seq INTEGER, day INTEGER) WITHOUT ROWID + indexes (seq), (day)
 * `day` is the number of days since 1970-01-01. `seen` holds one key per counted article
 * (canonicalArticleKey of its URL, else its id), so the same VnExpress article under its
 * `.htm` and `.html` URLs is counted once.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalArticleKey, parseTime, vietnamDayNumber } from '../ingest/timestamps.ts';
import { datingTime } from '../ingest/dating.ts';
import { observedText, termsOf } from './terms.ts';

export const OBSERVE_FILE = 'observe.sqlite';
/**
 * The version of what is counted (terms.ts, stopwords.ts, the date repairs): a table written by
 * another version is rebuilt by the next sync. Raise it whenever those change.
 */
export const COUNTS_VERSION = 6;

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

/** Pack (term id, day) into one number for in-memory aggregation. */
const PACK = 100_000;

export class ObserveCounts {
  readonly path: string;
  private db: DatabaseSync;
  private termIds = new Map<string, number>();
  private nextTermId: number;
  /**
   * During a bulk load into an empty table: every term id is in `termIds` (no lookups), and
   * document frequencies are summed here and written by `endBulk`.
   */
  private bulk: { df: Map<number, number>; firstId: number; newTerms: string[] } | undefined;
  private st: Record<string, StatementSync> = {};

  constructor(dir: string, opts: { readOnly?: boolean } = {}) {
    this.path = join(dir, OBSERVE_FILE);
    this.db = new DatabaseSync(this.path, { readOnly: opts.readOnly ?? false });
    // Two processes catching up at once: the second waits for the first instead of failing.
    this.db.exec('PRAGMA busy_timeout=30000');
    if (!opts.readOnly) {
      this.db.exec('PRAGMA journal_mode=WAL');
      this.db.exec('PRAGMA synchronous=NORMAL');
      this.db.exec(`CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS terms(id INTEGER PRIMARY KEY, term TEXT NOT NULL, df INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS counts(day INTEGER NOT NULL, term INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(day, term)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS days(day INTEGER PRIMARY KEY, docs INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS source_days(source TEXT NOT NULL, day INTEGER NOT NULL, docs INTEGER NOT NULL, PRIMARY KEY(source, day)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS seen(key TEXT PRIMARY KEY, seq INTEGER, day INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS seen_by_seq ON seen(seq);
        CREATE INDEX IF NOT EXISTS seen_by_day ON seen(day);`);
      // The secondary indexes, unless a bulk load was cut short (the table is then dropped and
      // rebuilt by the next sync, and may hold what the unique index would refuse).
      if (this.getMeta('bulk') === undefined) {
        this.db.exec(`CREATE UNIQUE INDEX IF NOT EXISTS terms_by_term ON terms(term);
          CREATE INDEX IF NOT EXISTS counts_by_term ON counts(term, day, n);`);
      }
      if (this.getMeta('version') === undefined) this.setMeta('version', COUNTS_VERSION);
    }
    this.db.exec('PRAGMA cache_size=-64000');
    const row = this.db.prepare('SELECT max(id) AS m FROM terms').get() as { m: number | null } | undefined;
    this.nextTermId = (row?.m ?? 0) + 1;
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

  private termId(term: string, create: boolean): number | undefined {
    let id = this.termIds.get(term);
    if (id !== undefined) return id;
    if (this.bulk && create) {
      // Written once, with its document frequency, by endBulk.
      id = this.nextTermId++;
      this.bulk.newTerms.push(term);
      this.termIds.set(term, id);
      return id;
    }
    const r = this.prep('termId', 'SELECT id FROM terms WHERE term=?').get(term) as { id: number } | undefined;
    if (r) id = r.id;
    else if (create) {
      id = this.nextTermId++;
      this.prep('insTerm', 'INSERT INTO terms(id, term, df) VALUES (?, ?, 0)').run(id, term);
    } else return undefined;
    if (this.termIds.size > 2_000_000 && !this.bulk) this.termIds.clear();
    this.termIds.set(term, id);
    return id;
  }

  /**
   * Count a batch of documents in one transaction. `seq` (optional, per document) is the store
   * row the document came from; `lastSeq` is recorded as read when given.
   */
  add(docs: Iterable<{ doc: ObservedDoc; seq?: number }>, lastSeq?: number): AddResult {
    const res: AddResult = { counted: 0, duplicates: 0, undated: 0, implausible: 0 };
    const now = Date.now();
    const agg = new Map<number, number>();
    const dayDocs = new Map<number, number>();
    const srcDocs = new Map<string, number>();
    const df = new Map<number, number>();
    const seenGet = this.prep('seenGet', 'SELECT 1 AS x FROM seen WHERE key=?');
    const seenPut = this.prep('seenPut', 'INSERT INTO seen(key, seq, day) VALUES (?, ?, ?)');
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const { doc, seq } of docs) {
        const url = typeof doc.url === 'string' && doc.url ? doc.url : typeof doc.link === 'string' ? doc.link : '';
        const key = url ? canonicalArticleKey(url) : typeof doc.id === 'string' ? 'id:' + doc.id : '';
        const ms = datingTime(doc, now);
        if (ms === undefined) {
          if (Number.isFinite(parseTime(doc.published))) res.implausible++;
          else res.undated++;
          continue;
        }
        if (key && seenGet.get(key)) {
          res.duplicates++;
          continue;
        }
        const day = dayNumber(ms);
        if (key) seenPut.run(key, seq ?? null, day);
        res.counted++;
        dayDocs.set(day, (dayDocs.get(day) ?? 0) + 1);
        if (typeof doc.source === 'string' && doc.source) {
          const k = doc.source + '\u0000' + day;
          srcDocs.set(k, (srcDocs.get(k) ?? 0) + 1);
        }
        for (const t of termsOf(observedText(doc))) {
          const id = this.termId(t, true) as number;
          const k = id * PACK + day;
          agg.set(k, (agg.get(k) ?? 0) + 1);
          df.set(id, (df.get(id) ?? 0) + 1);
        }
      }
      const upCount = this.prep('upCount', 'INSERT INTO counts(term, day, n) VALUES (?, ?, ?) ON CONFLICT(day, term) DO UPDATE SET n = n + excluded.n');
      for (const [k, n] of agg) upCount.run(Math.floor(k / PACK), k % PACK, n);
      if (this.bulk) {
        const all = this.bulk.df;
        for (const [id, n] of df) all.set(id, (all.get(id) ?? 0) + n);
      } else {
        const upDf = this.prep('upDf', 'UPDATE terms SET df = df + ? WHERE id = ?');
        for (const [id, n] of df) upDf.run(n, id);
      }
      const upDay = this.prep('upDay', 'INSERT INTO days(day, docs) VALUES (?, ?) ON CONFLICT(day) DO UPDATE SET docs = docs + excluded.docs');
      for (const [d, n] of dayDocs) upDay.run(d, n);
      const upSrc = this.prep('upSrc', 'INSERT INTO source_days(source, day, docs) VALUES (?, ?, ?) ON CONFLICT(source, day) DO UPDATE SET docs = docs + excluded.docs');
      for (const [k, n] of srcDocs) {
        const i = k.indexOf('\u0000');
        upSrc.run(k.slice(0, i), Number(k.slice(i + 1)), n);
      }
      if (lastSeq !== undefined) this.setMeta('store_seq', lastSeq);
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      this.termIds.clear();
      const row = this.db.prepare('SELECT max(id) AS m FROM terms').get() as { m: number | null } | undefined;
      this.nextTermId = (row?.m ?? 0) + 1;
      throw e;
    }
    return res;
  }

  /**
   * Before counting many documents into an empty table: drop the secondary index (rebuilt by
   * `endBulk`, one sort instead of millions of random B-tree updates).
   */
  beginBulk(): void {
    // Marked in the file: a load cut short (a crash, a kill) is found by `bulkUnfinished` and redone.
    this.setMeta('bulk', 1);
    this.db.exec('DROP INDEX IF EXISTS counts_by_term');
    this.db.exec('DROP INDEX IF EXISTS terms_by_term');
    this.db.exec('PRAGMA cache_size=-200000');
    // The table is derived: a build cut short by a crash is redone, so no fsync per batch.
    this.db.exec('PRAGMA synchronous=OFF');
    this.bulk = { df: new Map(), firstId: this.nextTermId, newTerms: [] };
  }
  endBulk(): void {
    const bulk = this.bulk;
    this.bulk = undefined;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      if (bulk) {
        // New terms in one pass with their document frequency (no insert, then update, each).
        const ins = this.prep('insTermDf', 'INSERT INTO terms(id, term, df) VALUES (?, ?, ?)');
        bulk.newTerms.forEach((term, i) => ins.run(bulk.firstId + i, term, bulk.df.get(bulk.firstId + i) ?? 0));
        const upDf = this.prep('setDf', 'UPDATE terms SET df = df + ? WHERE id = ?');
        for (const [id, n] of bulk.df) if (id < bulk.firstId) upDf.run(n, id);
      }
      this.db.exec('CREATE INDEX IF NOT EXISTS counts_by_term ON counts(term, day, n)');
      this.db.exec('CREATE UNIQUE INDEX IF NOT EXISTS terms_by_term ON terms(term)');
      this.prep('delMeta', 'DELETE FROM meta WHERE key=?').run('bulk');
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
    this.db.exec('PRAGMA cache_size=-64000');
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

  /** True when a store row was counted (used to detect replaced documents). */
  countedSeq(seq: number): boolean {
    return Boolean(this.prep('seenSeq', 'SELECT 1 AS x FROM seen WHERE seq=?').get(seq));
  }

  /** The store rows counted on `day` (documents counted from a store; others have no seq). */
  seqsOn(day: number): number[] {
    return (this.prep('seqsOn', 'SELECT seq FROM seen WHERE day=? AND seq IS NOT NULL ORDER BY seq').all(day) as { seq: number }[]).map((r) => r.seq);
  }

  /** The first and last day with documents, or undefined when empty. */
  dayRange(): { first: number; last: number } | undefined {
    const r = this.prep('range', 'SELECT min(day) AS a, max(day) AS b FROM days').get() as { a: number | null; b: number | null };
    return r.a === null || r.b === null ? undefined : { first: r.a, last: r.b };
  }

  /** Day volumes (every day with documents, ascending), cached until the counts change. */
  private volumes: { docs: number; days: number[]; n: number[] } | undefined;

  private dayVolumes(): { days: number[]; n: number[] } {
    const docs = this.documents();
    if (this.volumes && this.volumes.docs === docs) return this.volumes;
    const days: number[] = [];
    const n: number[] = [];
    for (const r of this.prep('allDays', 'SELECT day, docs FROM days ORDER BY day').iterate() as Iterable<{ day: number; docs: number }>) {
      days.push(r.day);
      n.push(r.docs);
    }
    this.volumes = { docs, days, n };
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

  /** Documents mentioning `term` per day for days [from, to]; all zeros for an unknown term. */
  series(term: string, from: number, to: number): Float64Array {
    const out = new Float64Array(Math.max(0, to - from + 1));
    const id = this.termId(term, false);
    if (id === undefined) return out;
    return this.seriesById(id, from, to, out);
  }

  seriesById(id: number, from: number, to: number, out = new Float64Array(Math.max(0, to - from + 1))): Float64Array {
    for (const r of this.prep('series', 'SELECT day, n FROM counts WHERE term=? AND day BETWEEN ? AND ?').iterate(id, from, to) as Iterable<{ day: number; n: number }>) {
      out[r.day - from] = r.n;
    }
    return out;
  }

  /** Terms mentioned by at least `minCount` documents on `day`. */
  termsOn(day: number, minCount: number): { id: number; term: string; n: number }[] {
    return this.prep('termsOn', 'SELECT c.term AS id, t.term AS term, c.n AS n FROM counts c JOIN terms t ON t.id = c.term WHERE c.day = ? AND c.n >= ?').all(day, minCount) as { id: number; term: string; n: number }[];
  }

  /**
   * The daily counts of the terms `ids` over days [from, to], one array each (index = day − from;
   * length to − from + 2, the last slot free for the day being scored). One range scan of the
   * day-major table: fast for many terms over a short window.
   */
  historyOf(ids: ReadonlySet<number>, from: number, to: number): Map<number, Float64Array> {
    const out = new Map<number, Float64Array>();
    const len = to - from + 2;
    // The candidates' own rows through the (term, day) index, looked up inside SQLite: a day
    // has a few thousand candidates against millions of rows in a window of weeks. (Without
    // that index, during a bulk load, the window is scanned.)
    const rows = this.hasTermIndex()
      ? (this.prep('histIds', 'SELECT c.day AS day, c.term AS term, c.n AS n FROM json_each(?) j JOIN counts c ON c.term = j.value AND c.day BETWEEN ? AND ?').iterate(JSON.stringify([...ids]), from, to) as Iterable<{ day: number; term: number; n: number }>)
      : (this.prep('hist', 'SELECT day, term, n FROM counts WHERE day BETWEEN ? AND ?').iterate(from, to) as Iterable<{ day: number; term: number; n: number }>);
    for (const r of rows) {
      if (!ids.has(r.term)) continue;
      let a = out.get(r.term);
      if (!a) {
        a = new Float64Array(len);
        out.set(r.term, a);
      }
      a[r.day - from] = r.n;
    }
    return out;
  }

  private termIndex: boolean | undefined;
  private hasTermIndex(): boolean {
    return (this.termIndex ??= Boolean(this.db.prepare("SELECT 1 AS x FROM sqlite_master WHERE type = 'index' AND name = 'counts_by_term'").get()));
  }

  /** The most mentioned terms overall. */
  topTerms(limit: number): { term: string; df: number }[] {
    return this.prep('top', 'SELECT term, df FROM terms ORDER BY df DESC LIMIT ?').all(limit) as { term: string; df: number }[];
  }

  /** Documents mentioning `term` over everything counted (0 for an unknown term). */
  documentFrequency(term: string): number {
    const r = this.prep('df', 'SELECT df FROM terms WHERE term=?').get(term) as { df: number } | undefined;
    return r?.df ?? 0;
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
