/**
 * What the observatory counts of one document version, computed without the database: the pure,
 * CPU-heavy part of an `observe` job (./write.ts), done before the writer takes its lock so that
 * indexers count their batches in parallel.
 *
 * The rules are one machine's (src/observe/counts.ts `ObserveCounts.add`), applied to a version
 * of `document_versions` (its body is the document without "id"; NULL: deleted):
 * - the day is the Vietnam calendar day of the one dating rule (src/ingest/dating.ts): no
 *   plausible `published` → not counted (undated, or implausible when a time was given but falls
 *   outside the plausible window);
 * - the article key is the canonical article URL (`url`, else `link`), else `id:` + the id, and
 *   is kept as counts.ts's 53-bit `keyHash`: one article under two ids is counted once;
 * - the source is `source` when it is a non-empty string (a NUL or lone surrogate in it, which
 *   PostgreSQL cannot store, left out);
 * - the terms are those of `termsOf(observedText(doc))`, each counted once per document.
 */
import { canonicalArticleKey, parseTime } from '../../ingest/timestamps.ts';
import { datingTime } from '../../ingest/dating.ts';
import { dayNumber, keyHash, type ObservedDoc } from '../../observe/counts.ts';
import { observedText, termsOf } from '../../observe/terms.ts';

/** A version row as read from `document_versions` (pg gives bigint as a string, json parsed). */
export interface VersionRow {
  seq: string | number;
  doc_id: string;
  body: Record<string, unknown> | null;
}

/** Why a version is not counted on any day (a duplicate is decided later, against the others). */
export type Uncounted = 'deleted' | 'undated' | 'implausible';

export interface VersionCount {
  seq: number;
  docId: string;
  /** The day (days since 1970-01-01, Vietnam time) the version is dated to; null: none. */
  day: number | null;
  /** Why `day` is null. */
  uncounted?: Uncounted;
  /** The article key's hash (counts.ts `keyHash`); null when the version has no day. */
  keyHash: number | null;
  source: string | null;
  /** The distinct terms, in the order `termsOf` found them; empty when the version has no day. */
  terms: string[];
}

/**
 * The terms of a text as PostgreSQL can store them: the tokeniser never makes a term with a NUL
 * or a lone surrogate (it splits there), but such a term would be stored altered (or refused) and
 * then never found again by its text, so it is left out rather than wedging the writer.
 */
function storableTerms(text: string): string[] {
  const out: string[] = [];
  for (const t of termsOf(text)) if (t.isWellFormed() && !t.includes('\u0000')) out.push(t);
  return out;
}

/**
 * A document's source as PostgreSQL can store it (null: none). PostgreSQL text holds no NUL and
 * no lone surrogate; a source carrying them (bad input, kept as given in the body) is stored
 * without them instead of failing its batch at every attempt.
 */
function storableSource(doc: ObservedDoc): string | null {
  if (typeof doc.source !== 'string' || !doc.source) return null;
  const s = doc.source.includes('\u0000') ? doc.source.replaceAll('\u0000', '') : doc.source;
  return s ? s.toWellFormed() : null;
}

/** The article key of a document, exactly as `ObserveCounts.add` makes it ('' when none). */
export function articleKey(doc: ObservedDoc): string {
  const url = typeof doc.url === 'string' && doc.url ? doc.url : typeof doc.link === 'string' ? doc.link : '';
  return url ? canonicalArticleKey(url) : typeof doc.id === 'string' ? 'id:' + doc.id : '';
}

/** What one machine would count of `row` at `now` (ms; the plausible window depends on it). */
export function countVersion(row: VersionRow, now: number = Date.now()): VersionCount {
  const seq = Number(row.seq);
  const docId = row.doc_id;
  if (!row.body) return { seq, docId, day: null, uncounted: 'deleted', keyHash: null, source: null, terms: [] };
  const doc: ObservedDoc = { ...row.body, id: docId };
  const ms = datingTime(doc, now);
  if (ms === undefined) {
    const uncounted: Uncounted = Number.isFinite(parseTime(doc.published)) ? 'implausible' : 'undated';
    return { seq, docId, day: null, uncounted, keyHash: null, source: null, terms: [] };
  }
  const key = articleKey(doc);
  return {
    seq,
    docId,
    day: dayNumber(ms),
    // The id is always a non-empty string here, so every dated version has a key.
    keyHash: key ? keyHash(key) : null,
    source: storableSource(doc),
    terms: storableTerms(observedText(doc)),
  };
}

/**
 * The terms and source of a version already counted, for taking it back out: its day is the one
 * it was counted on (kept in observe_docs), never recomputed, since the plausible window moves
 * with the clock.
 */
export function contentOf(body: Record<string, unknown> | null): { source: string | null; terms: string[] } {
  if (!body) return { source: null, terms: [] };
  const doc = body as ObservedDoc;
  return {
    source: storableSource(doc),
    terms: storableTerms(observedText(doc)),
  };
}
