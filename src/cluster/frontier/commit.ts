/**
 * What a fetcher learned under a host lease, written back in one transaction fenced by the
 * lease's epoch: the capture rows (CDXJ data of the WARC records it put in blob storage), the
 * state of the URLs it fetched (with a 200's validators), the URLs it discovered, the host's
 * robots.txt, Crawl-delay and Retry-After, and the host's next allowed time. Either all of it
 * commits or none of it.
 *
 * The fence is the first statement: the host row is updated only if its epoch and owner are
 * still the lease's and the lease has not expired (database clock), which also locks the row
 * until COMMIT so no other fetcher can claim the host in between. A fetcher that stalled past
 * its lease gets LeaseLost and its writes are rolled back; the blobs it uploaded are orphans
 * that the janitor collects (../blob/janitor.ts).
 *
 * Retrying a commit whose outcome was unknown (the connection dropped during COMMIT) is safe:
 * a capture is unique by (blob key, offset), so the second attempt adds nothing twice.
 */
import { withTransaction, type Pool } from '../pg/connect.ts';
import { LeaseLost, ClusterError } from '../errors.ts';
import { addUrls, type HostLease, type UrlKind } from './hosts.ts';
import { writeBatchIn } from '../ingest/write.ts';
import type { DocInput } from '../../store/document.ts';
import { surt } from '../../archive/canonical.ts';
import { holdBlobs } from '../blob/janitor.ts';
import type { BlobStore } from '../blob/store.ts';

export interface CaptureRow {
  url: string;
  capturedAt: Date;
  status: number | null;
  mime: string | null;
  /** Payload digest as WARC-Payload-Digest writes it (e.g. "sha1:…"). */
  digest: string;
  blobKey: string;
  offset: number;
  length: number;
}

/**
 * What became of a URL. `state` says what happened last; when it is fetched again is
 * `nextFetchInMs` alone (the frontier takes any URL whose time has come, whatever its state).
 */
export interface UrlOutcome {
  url: string;
  state: 'fetched' | 'failed' | 'disallowed' | 'queued';
  status?: number | null;
  digest?: string | null;
  error?: string | null;
  /** When to fetch it again (re-check, retry); default: never for fetched/disallowed, 1 h for failed. */
  nextFetchInMs?: number | null;
  /**
   * Validators of a 200 (its ETag and Last-Modified headers), sent back as If-None-Match and
   * If-Modified-Since next time. Undefined keeps the stored ones (a 304 or an error leaves them);
   * null clears them; a value `validatorOf` refuses (longer than MAX_VALIDATOR_CHARS, …) is null.
   */
  etag?: string | null;
  lastModified?: string | null;
}

/** The longest ETag or Last-Modified kept on a URL row; a longer one is not kept. */
export const MAX_VALIDATOR_CHARS = 256;

/** A validator as kept and sent back: trimmed; null when empty, too long or not one header line. */
export function validatorOf(v: string | null | undefined): string | null {
  const t = v?.trim();
  if (!t || t.length > MAX_VALIDATOR_CHARS || /[\x00-\x1f\x7f]/.test(t)) return null;
  return t;
}

export interface FetchCommit {
  captures?: CaptureRow[];
  urls?: UrlOutcome[];
  /** Links found, on any host: added to the frontier (known ones left as they are); a plain URL is an article. */
  discovered?: Array<string | { url: string; kind: UrlKind }>;
  /**
   * Articles extracted from what was fetched: each new or changed one becomes a document version
   * with its index job, in this same fenced transaction (../ingest/write.ts, writeBatchIn).
   */
  documents?: DocInput[];
  /** robots.txt as just fetched (status, text, how long to keep it). */
  robots?: { status: number; txt: string | null; ttlMs: number };
  /** Crawl-delay from robots.txt, or the operator's; applies from this commit on. */
  crawlDelayMs?: number;
  /** Retry-After (or a 429/503 backoff): the host is left alone at least this long. */
  retryAfterMs?: number;
  /** Whether the last requests failed at the connection level (counted on the host). */
  hostError?: boolean;
  /** Give the lease back with this commit (default false: keep it, e.g. to go on fetching). */
  release?: boolean;
}

export interface CommitResult {
  capturesAdded: number;
  urlsAdded: number;
  /** New document versions written (new or changed articles). */
  versionsWritten: number;
  /** The host's next allowed time, as set. */
  nextAllowedAt: Date;
}

const MAX_ERROR_CHARS = 1000;
const DEFAULT_FAILED_RETRY_MS = 3_600_000;

/**
 * Commit `c` under `lease`; throws LeaseLost (and writes nothing) if the lease is no longer held.
 * With `blob` (what every fetcher passes), the captures' blobs are held against the janitor and
 * checked to exist before the rows naming them commit (../blob/janitor.ts, holdBlobs).
 */
export async function commitFetch(pool: Pool, lease: HostLease, c: FetchCommit, blob?: BlobStore): Promise<CommitResult> {
  return withTransaction(pool, async (q) => {
    const fence = await q.query(
      `UPDATE hosts SET
         crawl_delay_ms = coalesce($4, crawl_delay_ms),
         retry_after_until = CASE WHEN $5::bigint IS NULL THEN retry_after_until ELSE clock_timestamp() + $5 * interval '1 millisecond' END,
         robots_status = CASE WHEN $6::int IS NULL THEN robots_status ELSE $6 END,
         robots_txt = CASE WHEN $6::int IS NULL THEN robots_txt ELSE $7 END,
         robots_fetched_at = CASE WHEN $6::int IS NULL THEN robots_fetched_at ELSE clock_timestamp() END,
         robots_expires_at = CASE WHEN $6::int IS NULL THEN robots_expires_at ELSE clock_timestamp() + $8 * interval '1 millisecond' END,
         consecutive_errors = CASE WHEN $9 THEN consecutive_errors + 1 ELSE 0 END,
         lease_owner = CASE WHEN $10 THEN NULL ELSE lease_owner END,
         lease_expires_at = CASE WHEN $10 THEN NULL ELSE lease_expires_at END
       WHERE host = $1 AND lease_epoch = $2 AND lease_owner = $3 AND lease_expires_at > clock_timestamp()
       RETURNING crawl_delay_ms`,
      [lease.host, lease.epoch, lease.owner, c.crawlDelayMs ?? null, c.retryAfterMs ?? null, c.robots?.status ?? null, c.robots?.txt ?? null, c.robots?.ttlMs ?? 0, c.hostError ?? false, c.release ?? false],
    );
    if (fence.rowCount !== 1) throw new LeaseLost(`host ${lease.host}`);
    // The next allowed time counts from now (the end of the last request), and never before a
    // Retry-After the host asked for.
    const { rows } = await q.query<{ next_allowed_at: Date }>(
      `UPDATE hosts SET next_allowed_at = greatest(clock_timestamp() + crawl_delay_ms * interval '1 millisecond', coalesce(retry_after_until, '-infinity'))
       WHERE host = $1 RETURNING next_allowed_at`,
      [lease.host],
    );
    const nextAllowedAt = rows[0].next_allowed_at;

    let capturesAdded = 0;
    const caps = c.captures ?? [];
    if (caps.length) {
      for (const cap of caps) {
        if (hostOfSafe(cap.url) !== lease.host) throw new ClusterError(`${cap.url}: bản lưu không thuộc máy chủ ${lease.host} đang thuê (capture of another host)`);
      }
      if (blob) await holdBlobs(q, blob, caps.map((x) => x.blobKey));
      const r = await q.query(
        `INSERT INTO captures (url, urlkey, captured_at, status, mime, digest, blob_key, blob_offset, blob_length, host, lease_epoch)
         SELECT u, k, t, s, m, d, b, o, l, $10, $11
         FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[])
           AS x(u, k, t, s, m, d, b, o, l)
         ON CONFLICT (blob_key, blob_offset) DO NOTHING`,
        [
          caps.map((x) => x.url),
          caps.map((x) => surt(x.url)),
          caps.map((x) => x.capturedAt),
          caps.map((x) => x.status),
          caps.map((x) => x.mime),
          caps.map((x) => x.digest),
          caps.map((x) => x.blobKey),
          caps.map((x) => x.offset),
          caps.map((x) => x.length),
          lease.host,
          lease.epoch,
        ],
      );
      capturesAdded = r.rowCount ?? 0;
    }

    const outcomes = c.urls ?? [];
    if (outcomes.length) {
      const r = await q.query(
        `UPDATE urls SET state = x.st, status = x.s, digest = x.d, error = x.e, attempts = urls.attempts + 1, fetched_at = clock_timestamp(),
           next_fetch_at = CASE WHEN x.n IS NULL THEN 'infinity' ELSE clock_timestamp() + x.n * interval '1 millisecond' END,
           etag = CASE WHEN x.se THEN x.et ELSE urls.etag END,
           last_modified = CASE WHEN x.sl THEN x.lm ELSE urls.last_modified END
         FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::bigint[], $8::boolean[], $9::text[], $10::boolean[], $11::text[])
           AS x(u, st, s, d, e, n, se, et, sl, lm)
         WHERE urls.url = x.u AND urls.host = $7`,
        [
          outcomes.map((o) => o.url),
          outcomes.map((o) => o.state),
          outcomes.map((o) => o.status ?? null),
          outcomes.map((o) => o.digest ?? null),
          outcomes.map((o) => o.error?.slice(0, MAX_ERROR_CHARS) ?? null),
          outcomes.map(nextFetchIn),
          lease.host,
          outcomes.map((o) => o.etag !== undefined),
          outcomes.map((o) => validatorOf(o.etag)),
          outcomes.map((o) => o.lastModified !== undefined),
          outcomes.map((o) => validatorOf(o.lastModified)),
        ],
      );
      if ((r.rowCount ?? 0) !== new Set(outcomes.map((o) => o.url)).size) {
        throw new ClusterError(`host ${lease.host}: có URL không thuộc máy chủ này hoặc chưa có trong frontier (URL outcome for an unknown URL or another host)`);
      }
    }

    let urlsAdded = 0;
    if (c.discovered?.length) {
      const kinds = new Map<string, UrlKind>();
      for (const d of c.discovered) {
        if (typeof d === 'string') {
          if (!kinds.has(d)) kinds.set(d, 'article');
        } else kinds.set(d.url, d.kind);
      }
      urlsAdded = await addUrls(q, [...kinds.keys()], { kinds });
    }
    // Documents by id, the last one winning (as a later line does in tra index).
    const docs = [...new Map((c.documents ?? []).map((d) => [d.id, d])).values()];
    const versionsWritten = docs.length ? (await writeBatchIn(q, docs)).written : 0;
    return { capturesAdded, urlsAdded, versionsWritten, nextAllowedAt };
  });
}

/** When an outcome's URL is due again, ms from now; null: never. */
function nextFetchIn(o: UrlOutcome): number | null {
  if (o.nextFetchInMs !== undefined) return o.nextFetchInMs;
  if (o.state === 'failed') return DEFAULT_FAILED_RETRY_MS;
  if (o.state === 'queued') return 0;
  return null;
}

function hostOfSafe(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}
