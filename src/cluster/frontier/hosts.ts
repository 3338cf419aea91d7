/**
 * The crawl frontier's hosts and their leases. A fetcher works on one host at a time, and only
 * while it holds that host's lease:
 *
 * - `claimHost` takes a host that is due (its next allowed time has come and it has URLs due)
 *   and free (no live lease), with `FOR UPDATE SKIP LOCKED` so fetchers never wait on each other;
 *   the claim sets the owner and expiry (database clock) and increments the host's epoch.
 * - Everything the fetcher learned is written back by `commitFetch` (./commit.ts) in one
 *   transaction fenced by that epoch; `extendHostLease` renews the lease the same way.
 * - A fetcher must not start a request unless its lease outlives the request's deadline: then a
 *   host is fetched by one connection at a time even when a stalled fetcher's lease is taken over.
 *
 * robots.txt, Crawl-delay and Retry-After are columns of the host row, read with the lease, so
 * every fetcher on every machine obeys the same state.
 */
import type { Queryable } from '../pg/connect.ts';
import { LeaseLost, ClusterError } from '../errors.ts';
import { hostKey } from '../../archive/canonical.ts';

export interface RobotsState {
  /** HTTP status of robots.txt (404: everything allowed). */
  status: number;
  txt: string | null;
  fetchedAt: Date;
  expiresAt: Date;
}

export interface HostLease {
  host: string;
  owner: string;
  /** The fencing token: every write under this lease names it. */
  epoch: number;
  claimedAt: Date;
  leaseExpiresAt: Date;
  crawlDelayMs: number;
  /** Until when the host asked us to stay away (Retry-After), if it did. */
  retryAfterUntil: Date | null;
  /** The shared robots.txt state, if fetched before. */
  robots: RobotsState | null;
}

/** The longest URL the frontier keeps (the column's limit). */
export const MAX_URL_CHARS = 2048;

/** The host key (name[:port], lower case) of an http(s) URL; throws ClusterError otherwise. */
export function hostOf(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ClusterError(`${url.slice(0, 200)}: không phải địa chỉ URL hợp lệ (invalid URL)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ClusterError(`${url.slice(0, 200)}: chỉ thu thập http và https (unsupported scheme ${u.protocol})`);
  return hostKey(url);
}

/**
 * Add URLs to the frontier (queued, due now) with their hosts; URLs already known are left as
 * they are. Returns how many were new. Give it a transaction's client to add them together with
 * what discovered them.
 */
export type UrlKind = 'feed' | 'article';

export async function addUrls(q: Queryable, urls: string[], opts: { priority?: number; crawlDelayMs?: number; kind?: UrlKind; kinds?: Map<string, UrlKind> } = {}): Promise<number> {
  const byUrl = new Map<string, string>();
  for (const url of urls) {
    if (url.length > MAX_URL_CHARS) throw new ClusterError(`${url.slice(0, 100)}…: URL dài hơn ${MAX_URL_CHARS} ký tự (URL too long)`);
    byUrl.set(url, hostOf(url));
  }
  if (!byUrl.size) return 0;
  // Sorted, so two transactions adding overlapping sets lock rows in the same order (no deadlock).
  const hosts = [...new Set(byUrl.values())].sort();
  const list = [...byUrl.keys()].sort();
  await q.query(
    `INSERT INTO hosts (host, crawl_delay_ms) SELECT h, $2 FROM unnest($1::text[]) AS h ORDER BY h ON CONFLICT (host) DO NOTHING`,
    [hosts, opts.crawlDelayMs ?? 1000],
  );
  const r = await q.query(
    `INSERT INTO urls (url, host, priority, kind) SELECT u, h, $3, k FROM unnest($1::text[], $2::text[], $4::text[]) AS t(u, h, k) ORDER BY u ON CONFLICT (url) DO NOTHING`,
    [list, list.map((u) => byUrl.get(u)!), opts.priority ?? 0, list.map((u) => opts.kinds?.get(u) ?? opts.kind ?? 'article')],
  );
  return r.rowCount ?? 0;
}

interface HostRow {
  host: string;
  lease_owner: string;
  lease_epoch: string;
  claimed_at: Date;
  lease_expires_at: Date;
  crawl_delay_ms: number;
  retry_after_until: Date | null;
  robots_status: number | null;
  robots_txt: string | null;
  robots_fetched_at: Date | null;
  robots_expires_at: Date | null;
}

function toLease(r: HostRow): HostLease {
  return {
    host: r.host,
    owner: r.lease_owner,
    epoch: Number(r.lease_epoch),
    claimedAt: r.claimed_at,
    leaseExpiresAt: r.lease_expires_at,
    crawlDelayMs: r.crawl_delay_ms,
    retryAfterUntil: r.retry_after_until,
    robots: r.robots_status === null ? null : { status: r.robots_status, txt: r.robots_txt, fetchedAt: r.robots_fetched_at!, expiresAt: r.robots_expires_at! },
  };
}

/**
 * Claim one due, free host for `leaseMs` (the one waiting longest first); undefined when none.
 * Runs as one statement: give it the pool.
 */
export async function claimHost(q: Queryable, opts: { owner: string; leaseMs: number }): Promise<HostLease | undefined> {
  if (!(opts.leaseMs > 0)) throw new RangeError('leaseMs must be positive');
  const { rows } = await q.query<HostRow>(
    `WITH picked AS (
       SELECT h.host FROM hosts h
       WHERE (h.lease_expires_at IS NULL OR h.lease_expires_at < now())
         AND h.next_allowed_at <= now()
         AND EXISTS (SELECT 1 FROM urls u WHERE u.host = h.host AND u.next_fetch_at <> 'infinity' AND u.next_fetch_at <= now())
       ORDER BY h.next_allowed_at
       LIMIT 1
       FOR UPDATE OF h SKIP LOCKED)
     UPDATE hosts SET lease_owner = $1, lease_expires_at = now() + $2 * interval '1 millisecond', lease_epoch = hosts.lease_epoch + 1
     FROM picked WHERE hosts.host = picked.host
     RETURNING hosts.host, lease_owner, lease_epoch, now() AS claimed_at, lease_expires_at, crawl_delay_ms,
       retry_after_until, robots_status, robots_txt, robots_fetched_at, robots_expires_at`,
    [opts.owner, opts.leaseMs],
  );
  return rows.length ? toLease(rows[0]) : undefined;
}

/** The URLs of the leased host that are due, most urgent first (at most `limit`). */
export async function dueUrls(q: Queryable, lease: HostLease, limit: number): Promise<string[]> {
  return (await dueUrlRows(q, lease, limit)).map((r) => r.url);
}

/** As dueUrls, with each URL's kind and what happened to it last. */
export interface DueUrl {
  url: string;
  kind: UrlKind;
  /** Payload digest of the last 200 (a same-digest answer, or a 304, is captured as a revisit). */
  digest: string | null;
  fetched_at: Date | null;
  discovered_at: Date;
  /** Validators of the last 200 (its ETag and Last-Modified as sent), for a conditional GET. */
  etag: string | null;
  last_modified: string | null;
}

export async function dueUrlRows(q: Queryable, lease: HostLease, limit: number): Promise<DueUrl[]> {
  const { rows } = await q.query<DueUrl>(
    `SELECT url, kind, digest, fetched_at, discovered_at, etag, last_modified FROM urls WHERE host = $1 AND next_fetch_at <> 'infinity' AND next_fetch_at <= now()
     ORDER BY priority DESC, next_fetch_at, url LIMIT $2`,
    [lease.host, limit],
  );
  return rows;
}

/** Renew the lease for `leaseMs` from now; throws LeaseLost if it expired or was taken. */
export async function extendHostLease(q: Queryable, lease: HostLease, leaseMs: number): Promise<Date> {
  const { rows } = await q.query<{ lease_expires_at: Date }>(
    `UPDATE hosts SET lease_expires_at = clock_timestamp() + $4 * interval '1 millisecond'
     WHERE host = $1 AND lease_epoch = $2 AND lease_owner = $3 AND lease_expires_at > clock_timestamp()
     RETURNING lease_expires_at`,
    [lease.host, lease.epoch, lease.owner, leaseMs],
  );
  if (rows.length !== 1) throw new LeaseLost(`host ${lease.host}`);
  lease.leaseExpiresAt = rows[0].lease_expires_at;
  return lease.leaseExpiresAt;
}

/**
 * Give the host back without committing a fetch (the fetcher stops, or its work failed). A
 * request may have gone out under this lease, so the host's politeness still holds: it is not
 * claimable again before its crawl delay — or `holdMs`, if longer (an error backs the host off,
 * else a fetcher whose commits fail would claim it again at once and ask it for robots.txt in a
 * loop). A lease already lost is not an error here: there is nothing to give back.
 */
export async function releaseHost(q: Queryable, lease: HostLease, holdMs = 0): Promise<boolean> {
  const r = await q.query(
    `UPDATE hosts SET lease_owner = NULL, lease_expires_at = NULL,
       next_allowed_at = greatest(next_allowed_at, clock_timestamp() + greatest(crawl_delay_ms, $4::bigint) * interval '1 millisecond')
     WHERE host = $1 AND lease_epoch = $2 AND lease_owner = $3`,
    [lease.host, lease.epoch, lease.owner, Math.max(0, Math.round(holdMs))],
  );
  return r.rowCount === 1;
}
