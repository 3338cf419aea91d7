/**
 * Archived versions of an article in cluster mode: what `Backend.versions(url)` answers on one
 * machine (src/archive/index.ts `versionsOf`), computed from the cluster's `captures` rows and the
 * WARC records they point at in blob storage.
 *
 * One machine keeps each distinct version as a row of archive.sqlite, written when the page was
 * captured or imported (src/archive/articles.ts `recordArticle`). A cluster keeps the captures
 * (the CDXJ index) and the records, so the same answer is computed when asked, with the same
 * code as `tra import-warc` (src/archive/import.ts): every `response` with status 200 (or
 * `resource`) record whose payload is HTML, transfer- and content-encoding undone, decoded
 * (charset.ts), extracted (extract-pool.ts, on worker threads under a deadline), kept when it has
 * a title or text, dated by its WARC-Date; `revisit` records are not versions. A capture is a new
 * version when the content hash of its title and text (src/archive/versions.ts: clocks, counters
 * and ad lines do not count) differs from the version before, exactly as `recordArticle` decides.
 *
 * Which captures are the article's: those whose address has the canonical form
 * (src/archive/canonical.ts) of the address asked, or of an address the cluster's document of that
 * article (id = canonical URL, as `tra fetcher` writes it) was fetched from. When the address
 * asked was only ever redirected, its redirect is followed (at most five hops), as one machine
 * finds a redirected address through its aliases.
 *
 * Bounded: at most `maxCaptures` captures per article (oldest first; an article re-checked on the
 * archive's schedule has a few dozen), each blob read with a size limit, records read with the
 * archive's limits. Extracted versions are kept in a small cache keyed by blob and offset — blobs
 * are write-once, so an entry is never stale — and a second view of an article reads nothing.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Pool } from '../pg/connect.ts';
import type { BlobStore } from '../blob/store.ts';
import type { ArticleVersion } from '../../server/backend.ts';
import { readWarcRecords, MAX_RECORD_BYTES, type ReadRecord } from '../../archive/warc-reader.ts';
import { header } from '../../archive/http.ts';
import { decodeBody } from '../../archive/charset.ts';
import { extractBounded } from '../../archive/extract-pool.ts';
import { articleKey } from '../../archive/articles.ts';
import { contentHash } from '../../archive/versions.ts';
import { surt, tryCanonicalUrl } from '../../archive/canonical.ts';

export interface ClusterVersionsOptions {
  /** Captures read per article at most (default 500, oldest first). */
  maxCaptures?: number;
  /** Largest blob read for one capture, bytes (default: the archive's record limit + 1 MiB). */
  maxBlobBytes?: number;
  /** Characters of extracted text kept in the cache (default 8 million). */
  cacheChars?: number;
  /** Blobs read at once for one article (default 4). */
  parallel?: number;
  /** Where a record is put for the WARC reader while it is read (default: the system's). */
  tmpDir?: string;
  /** Told about captures that could not be read (missing blob, broken record); one line each. */
  log?: (line: string) => void;
}

/** A capture row, as far as versions need it. */
interface CaptureRef {
  id: string;
  url: string;
  captured_at: Date;
  status: number | null;
  blob_key: string;
  blob_offset: string;
  blob_length: string;
}

/** What one capture gives: a version candidate, a redirect, or nothing. */
type Read =
  | { kind: 'version'; captured: string; title: string; text: string; hash: string; key: string }
  | { kind: 'redirect'; location: string }
  | { kind: 'none' };

const MAX_HOPS = 5;
/** Addresses a document was fetched from, read at most (its versions' `url`). */
const MAX_FORMS = 50;

/**
 * `(url) => every archived version of the article at url, oldest first` — one machine's
 * `Backend.versions` over the cluster's captures (PostgreSQL) and WARC records (`blob`).
 */
export function clusterVersions(pool: Pool, blob: BlobStore, opts: ClusterVersionsOptions = {}): (url: string) => Promise<ArticleVersion[]> {
  const maxCaptures = opts.maxCaptures ?? 500;
  const maxBlobBytes = opts.maxBlobBytes ?? MAX_RECORD_BYTES + (1 << 20);
  const parallel = Math.max(1, opts.parallel ?? 4);
  const cache = new ReadCache(opts.cacheChars ?? 8_000_000);
  const inFlight = new Map<string, Promise<ArticleVersion[]>>();
  const said = new Set<string>();
  const tell = (line: string) => {
    if (said.has(line) || !opts.log) return;
    if (said.size > 1000) said.clear();
    said.add(line);
    opts.log(line);
  };

  /** The capture `c` read (cached), as far as versions go. */
  const readCapture = (c: CaptureRef): Promise<Read> => {
    const id = `${c.blob_key}@${c.blob_offset}+${c.blob_length}`;
    const hit = cache.get(id);
    if (hit) return hit;
    const p = (async (): Promise<Read> => {
      const offset = Number(c.blob_offset);
      const length = Number(c.blob_length);
      let bytes: Buffer | undefined;
      try {
        bytes = await blob.get(c.blob_key, maxBlobBytes);
      } catch (e) {
        // Refused for its size (the archive skips a record over its limit too), or the store failed.
        if (await tooLarge(blob, c.blob_key, maxBlobBytes)) {
          tell(`${c.url}: bản lưu ${c.blob_key} lớn hơn ${maxBlobBytes} byte, bỏ qua khi dựng các phiên bản`);
          return { kind: 'none' };
        }
        throw new BlobUnreadable(c.url, c.blob_key, e as Error);
      }
      if (!bytes) {
        tell(`${c.url}: thiếu blob ${c.blob_key} trong kho ${blob.location} (bản lưu ${c.id}); phiên bản này không hiện được`);
        return { kind: 'none' };
      }
      if (offset + length > bytes.length) {
        tell(`${c.url}: bản lưu ${c.id} trỏ ra ngoài blob ${c.blob_key} (${offset}+${length} > ${bytes.length} byte)`);
        return { kind: 'none' };
      }
      const rec = await recordOf(bytes.subarray(offset, offset + length), opts.tmpDir, (l) => tell(`${c.url}: ${l}`));
      if (!rec) return { kind: 'none' };
      return readOf(rec, c);
    })();
    cache.set(id, p);
    return p;
  };

  /** Capture rows at the addresses `forms` whose canonical form is one of `keys`, oldest first. */
  const capturesAt = async (forms: Set<string>, keys: Set<string>, statuses: 'pages' | 'redirects'): Promise<CaptureRef[]> => {
    const urlkeys = [...new Set([...forms].map(surt))];
    const cond = statuses === 'pages'
      // Only these can be versions (import.ts: status 200 or a resource record, HTML or unlabelled).
      ? "(status = 200 OR status IS NULL) AND (mime IS NULL OR mime ~* '(html|xhtml)')"
      : 'status BETWEEN 300 AND 399';
    const order = statuses === 'pages' ? 'captured_at, id' : 'captured_at DESC, id DESC';
    const { rows } = await pool.query<CaptureRef>(
      `SELECT id, url, captured_at, status, blob_key, blob_offset, blob_length FROM captures
       WHERE urlkey = ANY($1::text[]) AND ${cond} ORDER BY ${order} LIMIT $2`,
      [urlkeys, maxCaptures * 2],
    );
    return rows.filter((r) => keys.has(tryCanonicalUrl(r.url) ?? '')).slice(0, maxCaptures);
  };

  /** The addresses the document `id` was fetched from (the `url` of its versions). */
  const documentForms = async (id: string): Promise<string[]> => {
    const { rows } = await pool.query<{ url: string | null }>(
      `SELECT DISTINCT u AS url FROM (SELECT body->>'url' AS u FROM document_versions WHERE doc_id = $1 AND body IS NOT NULL ORDER BY seq DESC LIMIT $2) x`,
      [id, MAX_FORMS],
    );
    return rows.map((r) => r.url).filter((u): u is string => typeof u === 'string' && /^https?:/i.test(u));
  };

  /** Read captures in order, `parallel` at a time. */
  const readAll = async (rows: CaptureRef[]): Promise<Read[]> => {
    const out: Read[] = new Array(rows.length);
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(parallel, rows.length) }, async () => {
      while (next < rows.length) {
        const i = next++;
        out[i] = await readCapture(rows[i]);
      }
    }));
    return out;
  };

  const answer = async (asked: string): Promise<ArticleVersion[]> => {
    let url = asked;
    for (let hop = 0; hop <= MAX_HOPS; hop++) {
      const key = tryCanonicalUrl(url);
      if (!key) return [];
      const forms = new Set([url, key, ...(await documentForms(key))]);
      const keys = new Set([...forms].map((f) => tryCanonicalUrl(f)).filter((k): k is string => Boolean(k)));
      let rows = await capturesAt(forms, keys, 'pages');
      let reads = await readAll(rows);
      // The page may declare another canonical address (its document's id): that document's
      // other addresses are the same article too.
      const last = [...reads].reverse().find((r) => r.kind === 'version');
      if (last?.kind === 'version' && !keys.has(last.key)) {
        const more = (await documentForms(last.key)).filter((f) => !forms.has(f));
        if (more.length) {
          for (const f of more) forms.add(f);
          keys.add(last.key);
          for (const f of more) keys.add(tryCanonicalUrl(f) ?? last.key);
          rows = await capturesAt(forms, keys, 'pages');
          reads = await readAll(rows);
        }
      }
      if (rows.length) return fold(reads);
      // Nothing but redirects at this address: follow the newest one.
      const redirects = await capturesAt(new Set([url]), new Set([key]), 'redirects');
      let target: string | undefined;
      for (const r of redirects.slice(0, 3)) {
        const read = await readCapture(r);
        if (read.kind === 'redirect') {
          target = read.location;
          break;
        }
      }
      if (!target || tryCanonicalUrl(target) === key) return [];
      url = target;
    }
    return [];
  };

  return (url: string) => {
    let p = inFlight.get(url);
    if (!p) {
      p = answer(url).finally(() => inFlight.delete(url));
      inFlight.set(url, p);
    }
    return p;
  };
}

/** Versions from captures in order: a capture is a version when its content hash differs from the last version's. */
function fold(reads: Read[]): ArticleVersion[] {
  const out: ArticleVersion[] = [];
  let last: string | undefined;
  for (const r of reads) {
    if (r.kind !== 'version' || r.hash === last) continue;
    out.push({ captured: r.captured, title: r.title, text: r.text });
    last = r.hash;
  }
  return out;
}

/** The blob store failed (not a missing blob: an error reaching it). A 503: the page can be asked again. */
export class BlobUnreadable extends Error {
  readonly statusCode = 503;
  constructor(url: string, key: string, cause: Error) {
    super(`Không đọc được bản lưu của ${url} từ kho blob (${key}: ${cause.message}); hãy thử lại sau ít phút.`, { cause });
    this.name = 'BlobUnreadable';
  }
}

/** Whether `get` refused the blob at `key` for being over `max` bytes. */
export async function tooLarge(blob: BlobStore, key: string, max: number): Promise<boolean> {
  const info = await blob.stat(key).catch(() => undefined);
  return info !== undefined && info.bytes > max;
}

function isHtml(contentType: string | undefined, payload: Uint8Array): boolean {
  if (contentType) return /html|xhtml/i.test(contentType);
  const head = Buffer.from(payload.subarray(0, 512)).toString('latin1').toLowerCase();
  return head.includes('<html') || head.includes('<!doctype html');
}

/** What a record means for versions: the same tests, in the same order, as src/archive/import.ts. */
async function readOf(r: ReadRecord, c: CaptureRef): Promise<Read> {
  if (r.type !== 'response' && r.type !== 'revisit' && r.type !== 'resource') return { kind: 'none' };
  if (!r.url || !/^https?:/i.test(r.url)) return { kind: 'none' };
  if (r.type === 'response' && r.status !== undefined && r.status >= 300 && r.status < 400) {
    const loc = header(r.httpHeaders, 'location');
    try {
      const target = loc ? new URL(loc, r.url).href : undefined;
      return target && /^https?:/i.test(target) ? { kind: 'redirect', location: target } : { kind: 'none' };
    } catch {
      return { kind: 'none' };
    }
  }
  const contentType = r.type === 'resource' ? r.warcHeaders.find(([k]) => k.toLowerCase() === 'content-type')?.[1] : header(r.httpHeaders, 'content-type');
  const status = r.type === 'resource' ? 200 : r.status;
  if (r.skipped || r.type === 'revisit' || status !== 200 || !isHtml(contentType, r.payload)) return { kind: 'none' };
  const ex = await extractBounded(decodeBody(r.payload, contentType).text, r.url);
  if (!ex.text && !ex.title) return { kind: 'none' };
  const title = ex.title || '';
  const date = r.date ? new Date(r.date) : c.captured_at;
  const captured = (Number.isFinite(date.getTime()) ? date : c.captured_at).toISOString();
  return { kind: 'version', captured, title, text: ex.text, hash: contentHash(title, ex.text), key: articleKey(r.url, ex.canonical) };
}

/**
 * One record from its bytes, read by the archive's own WARC reader (which reads files: the bytes
 * go through a temporary file that is removed at once). Undefined when the bytes hold no record.
 */
async function recordOf(bytes: Uint8Array, tmpDir: string | undefined, onBad: (line: string) => void): Promise<ReadRecord | undefined> {
  const file = path.join(tmpDir ?? os.tmpdir(), `tra-record-${process.pid}-${randomBytes(6).toString('hex')}.warc`);
  await fs.writeFile(file, bytes, { mode: 0o600 });
  try {
    const problems: string[] = [];
    for await (const r of readWarcRecords(file, { decoded: true, onBad: (l) => problems.push(l.startsWith(file) ? l.slice(file.length + 2) : l) })) return r;
    if (problems.length) onBad(problems[0]);
    return undefined;
  } finally {
    await fs.rm(file, { force: true });
  }
}

/** Reads of captures, most recent use last, within a budget of characters of text. */
class ReadCache {
  private readonly map = new Map<string, Promise<Read>>();
  private readonly sizes = new Map<string, number>();
  private chars = 0;
  private readonly budget: number;
  constructor(budget: number) {
    this.budget = budget;
  }

  get(id: string): Promise<Read> | undefined {
    const p = this.map.get(id);
    if (p) {
      this.map.delete(id);
      this.map.set(id, p);
    }
    return p;
  }

  set(id: string, p: Promise<Read>): void {
    this.map.set(id, p);
    p.then(
      (r) => {
        if (this.map.get(id) !== p) return;
        const n = 64 + (r.kind === 'version' ? r.title.length + r.text.length : 0);
        this.sizes.set(id, n);
        this.chars += n;
        this.trim();
      },
      // A failure (the store unreachable) is not kept: the next view tries again.
      () => {
        if (this.map.get(id) === p) this.map.delete(id);
      },
    );
  }

  private trim(): void {
    for (const id of this.map.keys()) {
      if (this.chars <= this.budget) break;
      const n = this.sizes.get(id);
      if (n === undefined) continue; // still being read
      this.map.delete(id);
      this.sizes.delete(id);
      this.chars -= n;
    }
  }
}
