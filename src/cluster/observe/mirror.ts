/**
 * A local copy of the cluster's daily counts: PostgreSQL's observe_* tables (migration 4,
 * src/cluster/pg/migrations.ts) copied into `DIR/observe.sqlite`, so that the observatory's own
 * reader (`new ObserveCounts(DIR, { readOnly: true })`, src/observe/counts.ts) and every pure
 * function over it (emerging, attention, forecast, key terms, clusters) answer exactly what the
 * cluster counted, synchronously and from local disk.
 *
 * One round (`syncMirror`):
 * - reads PostgreSQL in one REPEATABLE READ READ ONLY transaction (a consistent cut) and writes
 *   the local file in one SQLite transaction: a round that fails half-way (PostgreSQL gone, a
 *   disk error) leaves the file as the previous round left it;
 * - copies only rows whose `change` is above the last change copied (every write to the tables
 *   takes the next number of one sequence under one lock, so numbers follow commit order and
 *   nothing committed later can carry a smaller one), in pages of bounded size, keyset on
 *   (change, key);
 * - terms keep PostgreSQL's ids: new terms (ids at or above the local count) are read in id order
 *   and appended, each id checked to be the next one, before the days that name them; a term's
 *   row never changes after its insert, so nothing else is read of the terms (but the text of the
 *   last term already copied, compared to see that PostgreSQL still holds the dictionary copied:
 *   a different text means the copy diverged, and it starts over);
 * - document frequencies are derived here, not copied: PostgreSQL does not keep them (its
 *   observe_terms.df is not maintained, src/cluster/observe/write.ts). A term's frequency is the
 *   sum of its counts over the day rows, so when a day row is copied the difference between its
 *   new pairs and the local row's old ones is added to each term's frequency; a day whose count
 *   fell to 0 has its old pairs taken out and is removed (as one machine removes a day whose
 *   documents are all gone). Starting over starts every frequency from 0. Source days are
 *   replaced, and removed at 0, likewise;
 * - starts over (empties the tables in the same transaction, then copies everything) when the
 *   cluster's epoch differs from the one copied (the writer rebuilt its tables), when the local
 *   file has never been copied into, when PostgreSQL holds less than was copied, or when the copy
 *   diverged (a term's text differs, a frequency would fall below 0); a local file of another
 *   COUNTS_VERSION is deleted first.
 * PostgreSQL's counts made by another COUNTS_VERSION are refused with one line: upgrade the
 * indexers or this server.
 *
 * The local meta table keeps 'mirror_change' (the last change copied) and 'mirror_epoch'.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { withTransaction, type Pool, type PoolClient } from '../pg/connect.ts';
import { ObserveCounts, OBSERVE_FILE, COUNTS_VERSION, dropObserveCounts } from '../../observe/counts.ts';
import { TermDict } from '../../observe/term-dict.ts';
import { decodeDay, EMPTY_DAY, type DayTerms } from '../../observe/day-terms.ts';
import { ClusterError } from '../errors.ts';

/** Rows read per query: terms, day rows (each up to a few hundred KB), source days. */
export const TERM_PAGE = 10_000;
export const DAY_PAGE = 64;
export const SOURCE_DAY_PAGE = 10_000;

export interface MirrorOptions {
  /** Rows per query (tests make pages tiny to cross many page boundaries). */
  pageSize?: { terms?: number; days?: number; sourceDays?: number };
  /** Called after each page is written (tests: fail a round half-way). */
  afterPage?: (table: 'terms' | 'days' | 'source_days', rows: number) => void;
}

export interface MirrorRound {
  /** Something was copied (or the copy started over): readers should reopen the file. */
  changed: boolean;
  /** The copy started over (first copy, another epoch, diverged, shrunk). */
  restarted: boolean;
  /** The last change number copied, and the cluster's epoch. */
  change: number;
  epoch: string;
  /** Rows copied in this round (a term's row is only ever copied as new). */
  newTerms: number;
  days: number;
  sourceDays: number;
  /** Terms in the local dictionary after the round. */
  totalTerms: number;
  ms: number;
}

/** The cluster's counts were made by another version of the counting rules. */
export class CountsVersionMismatch extends ClusterError {}

/** The local copy no longer matches PostgreSQL (a term's text differs, a frequency would fall below 0): start over. */
class Diverged extends Error {}

const num = (v: unknown): number => Number(v);

/** `DIR/observe.sqlite` created with the counts' schema (src/observe/counts.ts), of this COUNTS_VERSION. */
function prepareFile(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, OBSERVE_FILE);
  if (existsSync(path)) {
    let version: unknown;
    try {
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        version = (db.prepare("SELECT value FROM meta WHERE key='version'").get() as { value: unknown } | undefined)?.value;
      } finally {
        db.close();
      }
    } catch {
      version = undefined;
    }
    // Written by another version of tra (or not a counts file at all): copy afresh.
    if (Number(version) !== COUNTS_VERSION) dropObserveCounts(dir);
  }
  // The writable constructor creates the tables (and the version) when missing.
  new ObserveCounts(dir).close();
}

/** Bring `dir`'s copy of the cluster's daily counts up to date with PostgreSQL: one round. */
export async function syncMirror(pool: Pool, dir: string, opts: MirrorOptions = {}): Promise<MirrorRound> {
  prepareFile(dir);
  try {
    return await round(pool, dir, opts, false);
  } catch (e) {
    if (!(e instanceof Diverged)) throw e;
    return round(pool, dir, opts, true);
  }
}

async function round(pool: Pool, dir: string, opts: MirrorOptions, forceRestart: boolean): Promise<MirrorRound> {
  const t0 = performance.now();
  const db = new DatabaseSync(join(dir, OBSERVE_FILE));
  let inSqlite = false;
  try {
    db.exec('PRAGMA busy_timeout=30000');
    return await withTransaction(pool, async (client) => {
      const meta = new Map<string, string>();
      for (const r of (await client.query<{ key: string; value: string }>('SELECT key, value FROM observe_meta')).rows) meta.set(r.key, r.value);
      const version = meta.get('version');
      if (version !== undefined && Number(version) !== COUNTS_VERSION) {
        throw new CountsVersionMismatch(
          `số đếm của đài quan sát trong cụm được tính bởi một phiên bản tra khác (quy tắc đếm ${version}, máy chủ này dùng ${COUNTS_VERSION}): hãy nâng cấp các tra indexer hoặc máy chủ này cho cùng phiên bản`,
        );
      }
      const epoch = meta.get('epoch') ?? '0';
      const upto = num(
        (
          await client.query<{ c: string }>(
            'SELECT greatest((SELECT max(change) FROM observe_terms), (SELECT max(change) FROM observe_days), (SELECT max(change) FROM observe_source_days), 0) AS c',
          )
        ).rows[0].c,
      );
      const getMeta = db.prepare('SELECT value FROM meta WHERE key=?');
      const setMeta = db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)');
      db.exec('BEGIN IMMEDIATE');
      inSqlite = true;
      const localChange = getMeta.get('mirror_change') as { value: number } | undefined;
      const localEpoch = getMeta.get('mirror_epoch') as { value: string } | undefined;
      const restarted = forceRestart || localChange === undefined || String(localEpoch?.value) !== epoch || upto < num(localChange.value);
      const last = restarted ? 0 : num(localChange!.value);
      const out: MirrorRound = { changed: restarted, restarted, change: upto, epoch, newTerms: 0, days: 0, sourceDays: 0, totalTerms: 0, ms: 0 };
      if (restarted) {
        for (const t of ['days', 'source_days', 'seen', 'dict', 'dict_lookup']) db.exec(`DELETE FROM ${t}`);
      }
      const dict = new TermDict(db, true);
      if (restarted || upto > last) {
        out.changed = true;
        await copyTerms(client, dict, opts, out);
        await copyDays(client, db, dict, last, opts, out);
        await copySourceDays(client, db, last, opts, out);
        dict.flush();
        setMeta.run('mirror_change', upto);
        setMeta.run('mirror_epoch', epoch);
      }
      out.totalTerms = dict.size;
      db.exec('COMMIT');
      inSqlite = false;
      out.ms = Math.round(performance.now() - t0);
      return out;
    }, { snapshot: true });
  } catch (e) {
    if (inSqlite) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // the transaction is gone with the error
      }
    }
    throw e;
  } finally {
    db.close();
  }
}

async function copyTerms(client: PoolClient, dict: TermDict, opts: MirrorOptions, out: MirrorRound): Promise<void> {
  const page = opts.pageSize?.terms ?? TERM_PAGE;
  // Terms are only ever inserted (their frequency is not kept in PostgreSQL), so those copied
  // cannot have changed: the last one is only checked to be still there, with the same text.
  if (dict.size > 0) {
    const last = dict.size - 1;
    const { rows } = await client.query<{ term: string }>('SELECT term FROM observe_terms WHERE id = $1', [last]);
    if (rows[0]?.term !== dict.text(last)) throw new Diverged(`term ${last}`);
  }
  // New terms, in id order: ids are dense from 0, so each must be the next one.
  for (;;) {
    const { rows } = await client.query<{ id: number; term: string }>('SELECT id, term FROM observe_terms WHERE id >= $1 ORDER BY id LIMIT $2', [dict.size, page]);
    for (const r of rows) {
      if (r.id !== dict.size) throw new ClusterError(`bản sao số đếm của đài quan sát: từ điển trong PostgreSQL thiếu mã ${dict.size} (gặp mã ${r.id}); các mã phải liền nhau từ 0 — hãy kiểm tra bộ đếm của tra indexer`);
      dict.append(r.id, r.term);
    }
    out.newTerms += rows.length;
    opts.afterPage?.('terms', rows.length);
    if (rows.length < page) break;
  }
}

/**
 * Add to the terms' frequencies what a day row's pairs gained from `old` to `now` (both sorted
 * by id). Every id must be in the dictionary (terms are copied before days), and no frequency
 * may fall below 0: either means the copy no longer matches PostgreSQL.
 */
function addDayDf(dict: TermDict, day: number, old: DayTerms, now: DayTerms): void {
  const add = (id: number, k: number) => {
    if (k === 0) return;
    if (id >= dict.size) {
      throw new ClusterError(`bản sao số đếm của đài quan sát: ngày ${day} trong PostgreSQL đếm từ mã ${id} nhưng từ điển chỉ có ${dict.size} từ — hãy kiểm tra bộ đếm của tra indexer`);
    }
    if (dict.df(id) + k < 0) throw new Diverged(`df of term ${id} below 0 at day ${day}`);
    dict.addDf(id, k);
  };
  let i = 0;
  let j = 0;
  while (i < old.ids.length || j < now.ids.length) {
    if (j >= now.ids.length || (i < old.ids.length && old.ids[i] < now.ids[j])) {
      add(old.ids[i], -old.n[i]);
      i++;
    } else if (i >= old.ids.length || now.ids[j] < old.ids[i]) {
      add(now.ids[j], now.n[j]);
      j++;
    } else {
      add(now.ids[j], now.n[j] - old.n[i]);
      i++;
      j++;
    }
  }
}

async function copyDays(client: PoolClient, db: DatabaseSync, dict: TermDict, last: number, opts: MirrorOptions, out: MirrorRound): Promise<void> {
  const page = opts.pageSize?.days ?? DAY_PAGE;
  const get: StatementSync = db.prepare('SELECT terms FROM days WHERE day=?');
  const put: StatementSync = db.prepare('INSERT OR REPLACE INTO days(day, docs, terms, seqs) VALUES (?, ?, ?, ?)');
  const del: StatementSync = db.prepare('DELETE FROM days WHERE day=?');
  let after: { change: number; day: number } | undefined;
  for (;;) {
    const { rows } = await client.query<{ day: number; docs: number; terms: Buffer; seqs: Buffer; change: string }>(
      `SELECT day, docs, terms, seqs, change FROM observe_days WHERE ${after ? 'change >= $1 AND (change > $1 OR day > $3)' : 'change > $1'} ORDER BY change, day LIMIT $2`,
      after ? [after.change, page, after.day] : [last, page],
    );
    for (const r of rows) {
      const old = decodeDay((get.get(r.day) as { terms: Uint8Array | null } | undefined)?.terms);
      // A day at 0 has no pairs left (whatever its row holds): its old ones are all taken out.
      addDayDf(dict, r.day, old, r.docs > 0 ? decodeDay(r.terms) : EMPTY_DAY);
      if (r.docs > 0) put.run(r.day, r.docs, r.terms, r.seqs);
      else del.run(r.day);
    }
    out.days += rows.length;
    opts.afterPage?.('days', rows.length);
    if (rows.length < page) break;
    const z = rows[rows.length - 1];
    after = { change: num(z.change), day: z.day };
  }
}

async function copySourceDays(client: PoolClient, db: DatabaseSync, last: number, opts: MirrorOptions, out: MirrorRound): Promise<void> {
  const page = opts.pageSize?.sourceDays ?? SOURCE_DAY_PAGE;
  const put = db.prepare('INSERT OR REPLACE INTO source_days(source, day, docs) VALUES (?, ?, ?)');
  const del = db.prepare('DELETE FROM source_days WHERE source=? AND day=?');
  let after: { change: number; source: string; day: number } | undefined;
  for (;;) {
    const { rows } = await client.query<{ source: string; day: number; docs: number; change: string }>(
      `SELECT source, day, docs, change FROM observe_source_days WHERE ${after ? 'change >= $1 AND (change > $1 OR (source, day) > ($3, $4))' : 'change > $1'} ORDER BY change, source, day LIMIT $2`,
      after ? [after.change, page, after.source, after.day] : [last, page],
    );
    for (const r of rows) {
      if (r.docs > 0) put.run(r.source, r.day, r.docs);
      else del.run(r.source, r.day);
    }
    out.sourceDays += rows.length;
    opts.afterPage?.('source_days', rows.length);
    if (rows.length < page) break;
    const z = rows[rows.length - 1];
    after = { change: num(z.change), source: z.source, day: z.day };
  }
}

/** One line for the log: what a round copied and what it cost. */
export function describeRound(r: MirrorRound): string {
  if (!r.changed) return `bản sao số đếm của đài quan sát: không có gì mới (thay đổi ${r.change}, ${r.ms} ms)`;
  return `bản sao số đếm của đài quan sát: ${r.restarted ? 'chép lại từ đầu, ' : ''}${r.days} dòng ngày, ${r.newTerms} từ mới (tổng ${r.totalTerms}), ${r.sourceDays} dòng nguồn-ngày trong ${r.ms} ms (đến thay đổi ${r.change}, epoch ${r.epoch})`;
}
