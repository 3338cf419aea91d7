/**
 * The writer of the cluster's daily counts: an `observe` job (one per ingest batch, enqueued with
 * its `index` job by src/cluster/ingest/write.ts) adds the batch's versions to the observe_*
 * tables of migration 4 (src/cluster/pg/migrations.ts), so that they hold what one machine's
 * `DIR/observe.sqlite` holds for the same documents (src/observe/counts.ts).
 *
 * A job runs in two parts:
 * 1. Without any lock: the batch's versions are read and counted (./count.ts: day, article key,
 *    source, terms), and so are the versions now counted for the same documents (to take them
 *    back out); the ids of the terms already interned are read too (an id never changes within
 *    an epoch; they are read again under the lock if the epoch changed). This is the CPU and most
 *    of the reading; indexers do it in parallel.
 * 2. One transaction, under one advisory lock per schema (writers take turns):
 *    - another COUNTS_VERSION in observe_meta (an older one) rebuilds: the tables are emptied
 *      (TRUNCATE), 'version' set, 'epoch' raised (a reader of another epoch starts over) and an
 *      observe job enqueued for every batch;
 *      counts made by a newer version are refused (one line) instead of rebuilt back;
 *    - the batch is recorded in observe_batches, or found there: then nothing is counted (a job
 *      run a second time adds nothing twice);
 *    - per document (rows locked in id order): a version older than the one the counts hold is
 *      stale and skipped (batches run in any order); otherwise the held version is taken out and
 *      the new one becomes the document's;
 *    - an article key is held by the dated version with the smallest seq among those sharing it,
 *      which is what one machine counts when it counts the documents in write order; the others
 *      wait in observe_docs (day NULL) and take the key over when its holder goes (replaced by an
 *      undated or differently keyed version, or deleted);
 *    - the differences are applied: new terms interned densely (max + 1, under the lock), day rows
 *      (read FOR UPDATE, decoded, merged, zero counts dropped, encoded) with their seqs, source
 *      days; a day or source day whose count falls to 0 is kept with docs 0 so a reader copying
 *      by change number sees it go;
 *    - document frequencies are not kept here: observe_terms.df stays 0 (the column is migration
 *      4's). A term's frequency is the sum of its counts over the day rows (each counted version
 *      is on one day, and a day's pair counts its versions mentioning the term), so readers derive
 *      it from the day rows they copy (./mirror.ts). A term's row is written once, when it is new:
 *      updating ~90 rows of frequencies per long article was most of the time under the lock;
 *    - every row written takes `nextval('observe_change_seq')`; numbers are only taken under the
 *      lock, so they follow commit order and a reader that copied up to n misses nothing by asking
 *      for change > n (src/cluster/observe/mirror.ts);
 *    - the job is completed in the same transaction: under a lost lease everything rolls back.
 */
import { withTransaction, type Pool, type PoolClient, type Queryable } from '../pg/connect.ts';
import { complete, type ClaimedJob } from '../queue/queue.ts';
import { COUNTS_VERSION } from '../../observe/counts.ts';
import { decodeDay, decodeSorted, encodeDay, encodeSorted, mergeDay, NegativeCount, type DayTerms } from '../../observe/day-terms.ts';
import { ClusterError } from '../errors.ts';
import { OBSERVE_JOB, OBSERVE_PRIORITY, type ObserveJobPayload } from '../ingest/write.ts';
import { contentOf, countVersion, type VersionCount, type VersionRow } from './count.ts';

export { OBSERVE_JOB, type ObserveJobPayload };

/** The writers' lock: one per schema, so test schemas in one database do not wait on each other. */
const LOCK = "SELECT pg_advisory_xact_lock(hashtext('tra observe ' || current_schema()))";
/** Rows per statement when writing terms, days, documents. */
const CHUNK = 5_000;
/** Day rows read and rewritten per statement (each up to a few hundred KB). */
const DAY_CHUNK = 64;

export interface ObserveResult {
  batch: number;
  /** Versions in the batch. */
  versions: number;
  /** The batch was counted already (this run added nothing). */
  already: boolean;
  /** The tables were rebuilt (another COUNTS_VERSION found) before counting this batch. */
  rebuilt: boolean;
  /** Versions older than the one the counts hold for their document: skipped. */
  stale: number;
  /** Versions added to the counts / taken out of them (replaced, deleted, a key given up). */
  added: number;
  removed: number;
  /** Versions of the batch not counted: an article key held by another document, no date, deleted. */
  duplicates: number;
  undated: number;
  deleted: number;
  newTerms: number;
  /** Distinct terms of the batch whose ids came from this process's cache / were not in it (looked up). */
  termsCached: number;
  termsLooked: number;
  days: number;
  /** Waiting for the lock, and holding it until commit (ms). */
  waitMs: number;
  heldMs: number;
  ms: number;
}

export interface ObserveOptions {
  /** The clock the plausible window is judged by (ms; default now). */
  now?: number;
  /** Test hooks: called after the part done without a lock, and under the lock before committing. */
  beforeLock?: () => Promise<void>;
  underLock?: () => Promise<void>;
}

/** A document's row of observe_docs. */
interface DocRow {
  docId: string;
  seq: number;
  /** The day the version is counted on; null: not counted. */
  day: number | null;
  /** The day it is dated to; null: none (undated, implausible, deleted). */
  dated: number | null;
  keyHash: number | null;
}

interface Content {
  source: string | null;
  terms: string[];
}

interface DayDelta {
  docs: number;
  terms: Map<string, number>;
  add: number[];
  del: number[];
}

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function rowOf(r: { doc_id: string; seq: string; day: number | null; dated: number | null; key_hash: string | null }): DocRow {
  return { docId: r.doc_id, seq: num(r.seq), day: numOrNull(r.day), dated: numOrNull(r.dated), keyHash: numOrNull(r.key_hash) };
}

/** The terms and source of the versions `seqs` (their bodies from document_versions). */
async function contentsOf(q: Queryable, seqs: number[], into: Map<number, Content>): Promise<void> {
  for (let i = 0; i < seqs.length; i += 500) {
    const part = seqs.slice(i, i + 500);
    const { rows } = await q.query<{ seq: string; body: Record<string, unknown> | null }>('SELECT seq, body FROM document_versions WHERE seq = ANY($1::bigint[])', [part]);
    for (const r of rows) into.set(num(r.seq), contentOf(r.body));
  }
}

/** Run a claimed `observe` job: count its batch and complete it, all in one transaction. */
export async function observeBatch(pool: Pool, job: ClaimedJob, opts: ObserveOptions = {}): Promise<ObserveResult> {
  return countBatch(pool, job.payload as ObserveJobPayload, job, opts);
}

/**
 * Count one batch (`job`, when given, is completed in the same transaction). Exactly once per
 * batch whatever the number of runs; batches may run in any order and concurrently.
 */
export async function countBatch(pool: Pool, p: ObserveJobPayload, job: ClaimedJob | undefined, opts: ObserveOptions = {}): Promise<ObserveResult> {
  const t0 = performance.now();
  const now = opts.now ?? Date.now();
  const batch = num(p.batch);
  if (!Number.isSafeInteger(batch)) throw new ClusterError(`việc observe không có số lô hợp lệ (payload ${JSON.stringify(p)}) — bỏ việc này đi`);

  // 1. The CPU part, without a lock.
  const { rows } = await pool.query<VersionRow>('SELECT seq, doc_id, body FROM document_versions WHERE batch = $1 ORDER BY seq', [batch]);
  const byDoc = new Map<string, VersionCount>();
  for (const r of rows) {
    // A document twice in one batch (not written by the ingest, but allowed): its newest version.
    const v = countVersion(r, now);
    const had = byDoc.get(v.docId);
    if (!had || had.seq < v.seq) byDoc.set(v.docId, v);
  }
  const contents = new Map<number, Content>();
  for (const v of byDoc.values()) if (v.day !== null) contents.set(v.seq, { source: v.source, terms: v.terms });
  const ids = [...byDoc.keys()];
  if (ids.length) {
    // The versions counted now for these documents (most often none): read ahead, checked again under the lock.
    const held = await pool.query<{ seq: string }>('SELECT seq FROM observe_docs WHERE doc_id = ANY($1::text[]) AND day IS NOT NULL', [ids]);
    await contentsOf(pool, held.rows.map((r) => num(r.seq)).filter((s) => !contents.has(s)), contents);
  }
  // The ids of the terms already interned, read ahead too: an id never changes within an epoch
  // (terms are only added), so they hold under the lock unless the epoch changed meanwhile.
  const epochBefore = await readEpoch(pool);
  const terms = new Set<string>();
  for (const c of contents.values()) for (const t of c.terms) terms.add(t);
  const cache = termCacheOf(pool, epochBefore);
  const misses: string[] = [];
  const hits = new Map<string, number>();
  for (const t of terms) {
    const id = cache?.get(t);
    if (id === undefined) misses.push(t);
    else hits.set(t, id);
  }
  // A warm cache leaves mostly terms never seen before: asking for them here and again under the
  // lock (where another writer may have added them meanwhile) doubled the lookups for nothing.
  const known = cache ? new Map<string, number>() : await lookupTerms(pool, misses);
  for (const [t, id] of hits) known.set(t, id);

  // 2. Under the lock, one transaction.
  const out: ObserveResult = {
    batch, versions: rows.length, already: false, rebuilt: false, stale: 0, added: 0, removed: 0,
    duplicates: 0, undated: 0, deleted: 0, newTerms: 0, termsCached: hits.size, termsLooked: misses.length, days: 0, waitMs: 0, heldMs: 0, ms: 0,
  };
  await opts.beforeLock?.();
  let epochAfter: string | undefined;
  await withTransaction(pool, async (c) => {
    const tw = performance.now();
    await c.query(LOCK);
    const tl = performance.now();
    out.waitMs = Math.round(tl - tw);
    const { rebuilt, epoch } = await checkVersion(c);
    out.rebuilt = rebuilt;
    if (rebuilt || epoch !== epochBefore) known.clear();
    epochAfter = epoch;
    const ins = await c.query('INSERT INTO observe_batches (batch) VALUES ($1) ON CONFLICT DO NOTHING', [batch]);
    if (ins.rowCount === 1) await apply(c, byDoc, contents, known, out);
    else out.already = true;
    await opts.underLock?.();
    if (job) await complete(c, job);
    out.heldMs = Math.round(performance.now() - tl);
  });
  // Committed: every id in `known` is in observe_terms for good (within this epoch).
  if (epochAfter !== undefined) rememberTerms(pool, epochAfter, known);
  out.ms = Math.round(performance.now() - t0);
  return out;
}

/**
 * Term ids this process has read or interned, per pool (one schema) and epoch, least recently
 * used first. Within an epoch a term's id never changes (terms are only added; a rebuild raises
 * the epoch), so an id once committed can be used without asking again. A batch of 1,000 news
 * articles names ~88,000 distinct terms, most of them common ones: looking them all up was most
 * of PostgreSQL's work while indexing (measured with pg_stat_statements, docs/SCALE.md).
 */
interface TermCache {
  epoch: string;
  ids: Map<string, number>;
}
const termCaches = new WeakMap<Pool, TermCache>();
/** Terms kept per cache (~100 bytes each in a Map: ~100 MB at most). */
export const TERM_CACHE_MAX = 1_000_000;

function termCacheOf(pool: Pool, epoch: string | undefined): Map<string, number> | undefined {
  const c = termCaches.get(pool);
  return c && epoch !== undefined && c.epoch === epoch ? c.ids : undefined;
}

function rememberTerms(pool: Pool, epoch: string, ids: Map<string, number>): void {
  let c = termCaches.get(pool);
  if (!c || c.epoch !== epoch) termCaches.set(pool, (c = { epoch, ids: new Map() }));
  for (const [t, id] of ids) {
    // Re-inserted at the end: the least recently used stay first, and go first.
    c.ids.delete(t);
    c.ids.set(t, id);
  }
  if (c.ids.size > TERM_CACHE_MAX) {
    let drop = c.ids.size - TERM_CACHE_MAX;
    for (const t of c.ids.keys()) {
      if (drop-- <= 0) break;
      c.ids.delete(t);
    }
  }
}

async function readEpoch(q: Queryable): Promise<string | undefined> {
  return (await q.query<{ value: string }>("SELECT value FROM observe_meta WHERE key = 'epoch'")).rows[0]?.value;
}

/**
 * Terms looked up per statement. With 5,000 PostgreSQL chose a parallel scan of the whole table
 * for each statement — eight full scans a batch, growing with the vocabulary (measured on 1.8M
 * terms, a 500k-document cluster: 181 ms per 5,000 terms); with 1,000 it probes the index (12 ms).
 */
const LOOKUP_CHUNK = 1_000;

/** The ids of those of `terms` already interned. */
async function lookupTerms(q: Queryable, terms: string[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (let i = 0; i < terms.length; i += LOOKUP_CHUNK) {
    const { rows } = await q.query<{ id: number; term: string }>('SELECT id, term FROM observe_terms WHERE term = ANY($1::text[])', [terms.slice(i, i + LOOKUP_CHUNK)]);
    for (const r of rows) ids.set(r.term, r.id);
  }
  return ids;
}

/**
 * Under the lock: make observe_meta's version this program's COUNTS_VERSION. First writer: set
 * it (epoch 1). An older version: rebuild. A newer one: refuse. Returns the epoch after it.
 */
async function checkVersion(c: Queryable): Promise<{ rebuilt: boolean; epoch: string }> {
  const meta = new Map<string, string>();
  for (const r of (await c.query<{ key: string; value: string }>('SELECT key, value FROM observe_meta')).rows) meta.set(r.key, r.value);
  const version = meta.get('version');
  const set = (k: string, v: string | number) =>
    c.query('INSERT INTO observe_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [k, String(v)]);
  if (version === undefined) {
    await set('version', COUNTS_VERSION);
    if (!meta.has('epoch')) await set('epoch', 1);
    return { rebuilt: false, epoch: meta.get('epoch') ?? '1' };
  }
  const v = Number(version);
  if (v === COUNTS_VERSION) return { rebuilt: false, epoch: meta.get('epoch') ?? '' };
  if (v > COUNTS_VERSION) {
    throw new ClusterError(
      `số đếm của đài quan sát trong PostgreSQL theo quy tắc đếm ${version}, mới hơn quy tắc ${COUNTS_VERSION} của tra indexer này — hãy nâng cấp tra indexer này (nó không đếm lại theo quy tắc cũ)`,
    );
  }
  // Rows of another version of the rules: count everything again under these. TRUNCATE takes
  // the same time whatever the size (a DELETE of millions of terms would outlast the statement
  // timeout). It is not MVCC-safe: a reader whose snapshot began before this commit and who
  // touches a table after it sees it empty, under the old epoch; its next round sees the new one.
  await c.query('TRUNCATE observe_terms, observe_days, observe_source_days, observe_keys, observe_docs, observe_batches');
  const epoch = String((Number(meta.get('epoch')) || 0) + 1);
  await set('version', COUNTS_VERSION);
  await set('epoch', epoch);
  await c.query(
    `INSERT INTO jobs (kind, payload, dedupe_key, max_attempts, priority)
     SELECT $1, jsonb_build_object('batch', batch, 'first_seq', min(seq), 'last_seq', max(seq)), $1 || ':' || batch, 20, $2
     FROM document_versions GROUP BY batch ORDER BY batch
     ON CONFLICT (dedupe_key) WHERE state IN ('ready', 'running') DO NOTHING`,
    [OBSERVE_JOB, OBSERVE_PRIORITY],
  );
  return { rebuilt: true, epoch };
}

/**
 * Outside any job (an indexer starting): rebuild now when the counts follow an older
 * COUNTS_VERSION, so an upgrade recounts even when no batch comes. True when it rebuilt.
 */
export async function ensureCountsVersion(pool: Pool): Promise<boolean> {
  return withTransaction(pool, async (c) => {
    await c.query(LOCK);
    const { rows } = await c.query<{ value: string }>("SELECT value FROM observe_meta WHERE key = 'version'");
    // Nothing counted yet: the first batch sets the version.
    if (!rows.length || Number(rows[0].value) === COUNTS_VERSION) return false;
    return (await checkVersion(c)).rebuilt;
  });
}

/** Under the lock: the batch's fresh versions into the counts. */
async function apply(c: PoolClient, byDoc: Map<string, VersionCount>, contents: Map<number, Content>, known: Map<string, number>, out: ObserveResult): Promise<void> {
  if (!byDoc.size) return;
  const ids = [...byDoc.keys()];
  type Raw = { doc_id: string; seq: string; day: number | null; dated: number | null; key_hash: string | null };
  const before = new Map<string, DocRow>();
  for (const r of (await c.query<Raw>('SELECT doc_id, seq, day, dated, key_hash FROM observe_docs WHERE doc_id = ANY($1::text[]) ORDER BY doc_id FOR UPDATE', [ids])).rows) {
    before.set(r.doc_id, rowOf(r));
  }
  const fresh: VersionCount[] = [];
  for (const v of byDoc.values()) {
    const b = before.get(v.docId);
    if (b && b.seq >= v.seq) out.stale++;
    else fresh.push(v);
  }
  if (!fresh.length) return;
  // Keys whose holder may change: those the documents leave and those they come to.
  const keys = new Set<number>();
  for (const v of fresh) {
    const b = before.get(v.docId);
    if (b?.keyHash != null) keys.add(b.keyHash);
    if (v.day !== null && v.keyHash !== null) keys.add(v.keyHash);
  }
  if (keys.size) {
    const { rows } = await c.query<Raw>(
      'SELECT doc_id, seq, day, dated, key_hash FROM observe_docs WHERE key_hash = ANY($1::bigint[]) AND NOT (doc_id = ANY($2::text[])) ORDER BY doc_id FOR UPDATE',
      [[...keys], ids],
    );
    for (const r of rows) before.set(r.doc_id, rowOf(r));
    await c.query('SELECT key_hash FROM observe_keys WHERE key_hash = ANY($1::bigint[]) ORDER BY key_hash FOR UPDATE', [[...keys]]);
  }
  const after = new Map<string, DocRow>();
  for (const [id, b] of before) after.set(id, { ...b });
  for (const v of fresh) {
    after.set(v.docId, { docId: v.docId, seq: v.seq, dated: v.day, keyHash: v.day === null ? null : v.keyHash, day: v.day === null || v.keyHash !== null ? null : v.day });
    if (v.uncounted === 'deleted') out.deleted++;
    else if (v.uncounted) out.undated++;
  }
  // Each key touched goes to its dated version with the smallest seq.
  const holder = new Map<number, DocRow>();
  for (const a of after.values()) {
    if (a.keyHash === null || !keys.has(a.keyHash)) continue;
    const h = holder.get(a.keyHash);
    if (!h || a.seq < h.seq) holder.set(a.keyHash, a);
  }
  for (const a of after.values()) {
    if (a.keyHash !== null && keys.has(a.keyHash)) a.day = holder.get(a.keyHash) === a ? a.dated : null;
  }
  for (const v of fresh) if (v.day !== null && after.get(v.docId)!.day === null) out.duplicates++;

  // What changes: versions taken out, versions added, rows to write.
  const adds: DocRow[] = [];
  const subs: DocRow[] = [];
  const changed: DocRow[] = [];
  for (const [id, a] of after) {
    const b = before.get(id);
    const bc = b && b.day !== null ? b : undefined;
    const ac = a.day !== null ? a : undefined;
    if (!(bc && ac && bc.seq === ac.seq && bc.day === ac.day)) {
      if (bc) subs.push(bc);
      if (ac) adds.push(ac);
    }
    if (!b || b.seq !== a.seq || b.day !== a.day || b.dated !== a.dated || b.keyHash !== a.keyHash) changed.push(a);
  }
  out.added = adds.length;
  out.removed = subs.length;
  const missing = [...adds, ...subs].map((r) => r.seq).filter((s) => !contents.has(s));
  if (missing.length) await contentsOf(c, missing, contents);

  // Differences per day, per source and day, per term (the last only to find the new terms and
  // check those taken out exist). Added versions first, in seq order, so new terms get their ids
  // in the order they were first seen.
  const days = new Map<number, DayDelta>();
  const sources = new Map<string, number>();
  const net = new Map<string, number>();
  const take = (r: DocRow, sign: 1 | -1) => {
    const content = contents.get(r.seq);
    if (!content) throw new ClusterError(`đếm lô quan sát: không đọc được phiên bản ${r.seq} của "${r.docId}" trong document_versions — số đếm không nhất quán, cần dựng lại`);
    let d = days.get(r.day!);
    if (!d) days.set(r.day!, (d = { docs: 0, terms: new Map(), add: [], del: [] }));
    d.docs += sign;
    (sign > 0 ? d.add : d.del).push(r.seq);
    if (content.source !== null) {
      const k = content.source + '\u0000' + r.day;
      sources.set(k, (sources.get(k) ?? 0) + sign);
    }
    for (const t of content.terms) {
      d.terms.set(t, (d.terms.get(t) ?? 0) + sign);
      net.set(t, (net.get(t) ?? 0) + sign);
    }
  };
  adds.sort((a, b) => a.seq - b.seq);
  for (const r of adds) take(r, 1);
  for (const r of subs) take(r, -1);

  const termIds = await internTerms(c, net, known, out);
  await writeDays(c, days, termIds, out);
  await writeSourceDays(c, sources);
  await writeDocs(c, changed);
  const held: number[] = [];
  const heldBy: string[] = [];
  const free: number[] = [];
  for (const k of keys) {
    const h = holder.get(k);
    if (h) {
      held.push(k);
      heldBy.push(h.docId);
    } else free.push(k);
  }
  if (held.length) {
    await c.query(
      'INSERT INTO observe_keys (key_hash, doc_id) SELECT * FROM unnest($1::bigint[], $2::text[]) ORDER BY 1 ON CONFLICT (key_hash) DO UPDATE SET doc_id = excluded.doc_id',
      [held, heldBy],
    );
  }
  if (free.length) await c.query('DELETE FROM observe_keys WHERE key_hash = ANY($1::bigint[])', [free]);
}

/**
 * Ids of every term in `net` (term → documents added minus taken out; `known`: ids read ahead,
 * valid in this epoch; the others looked up now, and those still missing interned, dense after
 * the largest id). A new term's row is its only write: its `df` column is left at 0, since
 * frequencies are not kept in PostgreSQL (the header), so a term already there is not touched.
 */
async function internTerms(c: Queryable, net: Map<string, number>, known: Map<string, number>, out: ObserveResult): Promise<Map<string, number>> {
  const ids = known;
  for (const [t, id] of await lookupTerms(c, [...net.keys()].filter((t) => !ids.has(t)))) ids.set(t, id);
  const fresh: string[] = [];
  for (const [t, n] of net) {
    if (ids.has(t)) continue;
    // Taken out of the counts (as much as or more than added) yet never interned.
    if (n <= 0) throw new ClusterError(`đếm lô quan sát: từ "${t}" bị trừ nhưng không có trong từ điển — số đếm không nhất quán, cần dựng lại`);
    fresh.push(t);
  }
  if (fresh.length) {
    let next = num((await c.query<{ n: number }>('SELECT coalesce(max(id) + 1, 0) AS n FROM observe_terms')).rows[0].n);
    for (const t of fresh) ids.set(t, next++);
    for (let i = 0; i < fresh.length; i += CHUNK) {
      const part = fresh.slice(i, i + CHUNK);
      // df: its default 0, never maintained (readers sum the day rows).
      await c.query(
        `INSERT INTO observe_terms (id, term, change)
         SELECT id, term, nextval('observe_change_seq') FROM unnest($1::int[], $2::text[]) AS t(id, term) ORDER BY id`,
        [part.map((t) => ids.get(t)!), part],
      );
    }
    out.newTerms = fresh.length;
  }
  return ids;
}

/** Merge the differences into the day rows (read FOR UPDATE, rewritten whole). */
async function writeDays(c: Queryable, days: Map<number, DayDelta>, termIds: Map<string, number>, out: ObserveResult): Promise<void> {
  const list = [...days.keys()].sort((a, b) => a - b);
  for (let i = 0; i < list.length; i += DAY_CHUNK) {
    const part = list.slice(i, i + DAY_CHUNK);
    const { rows } = await c.query<{ day: number; docs: number; terms: Buffer; seqs: Buffer }>(
      'SELECT day, docs, terms, seqs FROM observe_days WHERE day = ANY($1::int[]) ORDER BY day FOR UPDATE',
      [part],
    );
    const have = new Map(rows.map((r) => [r.day, r]));
    const docs: number[] = [];
    const terms: Buffer[] = [];
    const seqs: Buffer[] = [];
    for (const day of part) {
      const d = days.get(day)!;
      const row = have.get(day);
      const n = (row?.docs ?? 0) + d.docs;
      if (n < 0) throw new ClusterError(`đếm lô quan sát: ngày ${day} sẽ có ${n} tài liệu — số đếm không nhất quán, cần dựng lại`);
      const delta = new Map<number, number>();
      for (const [t, k] of d.terms) if (k !== 0) delta.set(termIds.get(t)!, k);
      terms.push(Buffer.from(encodeDay(mergeCounts(decodeDay(row?.terms), delta, day))));
      const set = new Set(decodeSorted(row?.seqs));
      for (const s of d.del) if (!set.delete(s)) throw new ClusterError(`đếm lô quan sát: phiên bản ${s} không được đếm ở ngày ${day} — số đếm không nhất quán, cần dựng lại`);
      for (const s of d.add) set.add(s);
      seqs.push(Buffer.from(encodeSorted([...set].sort((a, b) => a - b))));
      docs.push(n);
    }
    await c.query(
      `INSERT INTO observe_days (day, docs, terms, seqs, change)
       SELECT day, docs, terms, seqs, nextval('observe_change_seq') FROM unnest($1::int[], $2::int[], $3::bytea[], $4::bytea[]) AS t(day, docs, terms, seqs) ORDER BY day
       ON CONFLICT (day) DO UPDATE SET docs = excluded.docs, terms = excluded.terms, seqs = excluded.seqs, change = excluded.change`,
      [part, docs, terms, seqs],
    );
    out.days += part.length;
  }
}

/** A day's pairs plus `delta` (id → ± documents): day-terms.ts `mergeDay`, its refusal said for the operator. */
function mergeCounts(base: DayTerms, delta: Map<number, number>, day: number): DayTerms {
  try {
    return mergeDay(base, delta);
  } catch (e) {
    if (!(e instanceof NegativeCount)) throw e;
    throw new ClusterError(`đếm lô quan sát: từ mã ${e.id} sẽ có ${e.count} tài liệu ở ngày ${day} — số đếm không nhất quán, cần dựng lại`);
  }
}

async function writeSourceDays(c: Queryable, sources: Map<string, number>): Promise<void> {
  // Rises are upserted; falls update rows that must exist (a row inserted with a negative count
  // would break the CHECK before ON CONFLICT is considered).
  const up = { src: [] as string[], day: [] as number[], n: [] as number[] };
  const down = { src: [] as string[], day: [] as number[], n: [] as number[] };
  for (const [k, v] of [...sources].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (v === 0) continue;
    const i = k.indexOf('\u0000');
    const to = v > 0 ? up : down;
    to.src.push(k.slice(0, i));
    to.day.push(Number(k.slice(i + 1)));
    to.n.push(v);
  }
  for (let i = 0; i < up.src.length; i += CHUNK) {
    await c.query(
      `INSERT INTO observe_source_days (source, day, docs, change)
       SELECT s, d, n, nextval('observe_change_seq') FROM unnest($1::text[], $2::int[], $3::int[]) AS t(s, d, n)
       ON CONFLICT (source, day) DO UPDATE SET docs = observe_source_days.docs + excluded.docs, change = excluded.change`,
      [up.src.slice(i, i + CHUNK), up.day.slice(i, i + CHUNK), up.n.slice(i, i + CHUNK)],
    );
  }
  for (let i = 0; i < down.src.length; i += CHUNK) {
    // A count that would fall below 0 breaks the table's CHECK: the transaction rolls back.
    const r = await c.query(
      `UPDATE observe_source_days o SET docs = o.docs + t.n, change = nextval('observe_change_seq')
       FROM unnest($1::text[], $2::int[], $3::int[]) AS t(s, d, n) WHERE o.source = t.s AND o.day = t.d`,
      [down.src.slice(i, i + CHUNK), down.day.slice(i, i + CHUNK), down.n.slice(i, i + CHUNK)],
    );
    if (r.rowCount !== Math.min(CHUNK, down.src.length - i)) {
      throw new ClusterError('đếm lô quan sát: trừ ở một dòng nguồn-ngày không tồn tại — số đếm không nhất quán, cần dựng lại');
    }
  }
}

/**
 * Write the documents' rows. A new row's foreign key takes a KEY SHARE lock on its `documents`
 * row; rows go in the database's id order, the order publishes and ingests lock those rows in,
 * so none of them can deadlock with this writer. (One statement: the chunks would split that order.)
 */
async function writeDocs(c: Queryable, rows: DocRow[]): Promise<void> {
  if (!rows.length) return;
  await c.query(
    `INSERT INTO observe_docs (doc_id, seq, day, key_hash, dated)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::bigint[], $5::int[]) AS t(doc_id, seq, day, key_hash, dated) ORDER BY doc_id
     ON CONFLICT (doc_id) DO UPDATE SET seq = excluded.seq, day = excluded.day, key_hash = excluded.key_hash, dated = excluded.dated`,
    [rows.map((r) => r.docId), rows.map((r) => r.seq), rows.map((r) => r.day), rows.map((r) => r.keyHash), rows.map((r) => r.dated)],
  );
}
