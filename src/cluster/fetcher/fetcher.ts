/**
 * A fetcher (`tra fetcher`): crawls the cluster's frontier together with any number of others.
 * docs/SCALE.md ("Fetchers") gives the protocol; in short, for each of `hosts` slots:
 *
 * 1. claim a host lease (frontier/hosts.ts `claimHost`: due, free, epoch + 1);
 * 2. robots.txt from the host row, or fetched (and captured) when missing or expired;
 * 3. for each due URL (at most `perLease`): refuse what robots.txt disallows; wait the host's
 *    delay since the end of the previous request; renew the lease unless it outlives the request's
 *    deadline (so one host never has two of our connections, even when a stalled fetcher's lease
 *    is taken over); fetch with the archive's guarded fetch (src/archive/http.ts), conditionally
 *    (If-None-Match / If-Modified-Since from the validators of the URL's last 200); write the WARC
 *    records (request + response, or revisit: a 304, or a 200 with the last payload digest) as one
 *    blob under its content-addressed key; read the page (feeds: the URLs they list; articles:
 *    the archive's extraction on worker threads; a 304 or an unchanged article: nothing new);
 *    then commit it all — capture row, URL state, host politeness, links found, the article as a
 *    new document version with its index job — in one transaction fenced by the lease's epoch
 *    (frontier/commit.ts). A refused commit (LeaseLost) drops the host: its blob is an orphan
 *    the janitor collects;
 * 4. give the host back (its next allowed time = now + its delay, or its Retry-After).
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from '../pg/connect.ts';
import type { BlobStore } from '../blob/store.ts';
import { contentKey } from '../blob/store.ts';
import { LeaseLost } from '../errors.ts';
import { claimHost, dueUrlRows, extendHostLease, hostOf, releaseHost, type DueUrl, type HostLease, type UrlKind } from '../frontier/hosts.ts';
import { commitFetch, validatorOf, type CaptureRow, type FetchCommit, type UrlOutcome } from '../frontier/commit.ts';
import { NetGuard } from '../../net/guarded-fetch.ts';
import { DEFAULT_USER_AGENT, FetchError, decodedBody, fetchOnce, gunzipFile, header, retryAfterMs, type Exchange } from '../../archive/http.ts';
import { exchangeRecords, payloadDigest, serialize } from '../../archive/warc.ts';
import { robotsTtl, robotsUrl, rulesFrom, type RobotsRules } from '../../archive/robots.ts';
import { decodeBody } from '../../archive/charset.ts';
import { parseFeed } from '../../archive/feeds.ts';
import { extractBounded } from '../../archive/extract-pool.ts';
import { articleKey } from '../../archive/articles.ts';
import { recheckDelay } from '../../archive/schedule.ts';
import { hostOf as siteHost } from '../../archive/sources.ts';
import type { DocInput } from '../../store/document.ts';

export interface FetcherOptions {
  pool: Pool;
  blob: BlobStore;
  owner?: string;
  /** Host lease, ms (default 60 s). */
  leaseMs?: number;
  /** Deadline of one request, ms (default 30 s); a lease is renewed unless it outlives it. */
  timeoutMs?: number;
  /** Hosts worked on at once (default 8). */
  hosts?: number;
  /** URLs fetched per lease before the host is given back (default 20). */
  perLease?: number;
  /** Least delay between two requests to a host, ms, whatever robots.txt says (default 1000). */
  delayMs?: number;
  /** How often a feed or sitemap is read again, ms (default 15 min). */
  feedIntervalMs?: number;
  /** Article URLs taken from one list (default 1000). */
  maxPerList?: number;
  allowPrivateAddresses?: boolean;
  userAgent?: string;
  /** Wait between empty claims, ms (default 500). */
  idleMs?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** Test hook: after the upload of a URL containing `url`, say so and wait `ms` before committing. */
  pauseBeforeCommit?: { url: string; ms: number };
}

export interface FetcherCounters {
  fetched: number;
  committed: number;
  leaseLost: number;
  errors: number;
  versions: number;
  /** Requests by `"<kind> <outcome>"`: kind robots, feed or article; outcome the status class (2xx…) or blocked, timeout, too_big, error. */
  requests: Record<string, number>;
  /** Bytes of response bodies as received (content-encoding kept), by kind. */
  bytes: Record<string, number>;
  /** Host leases claimed. */
  claims: number;
  /** Waits for a host's delay before a request, and their total, ms. */
  politenessWaits: number;
  politenessWaitMs: number;
  /** URLs recorded as disallowed by robots.txt, never requested. */
  disallowed: number;
}

/** A held host lease, for health reports. */
export interface HeldLease {
  host: string;
  epoch: number;
  since: number;
  lease: HostLease;
}

/** The outcome label of a request: its status class, or why it failed. */
function outcomeOf(ex: unknown): string {
  if (ex && typeof (ex as Exchange).status === 'number' && !(ex instanceof Error)) return `${Math.floor((ex as Exchange).status / 100)}xx`;
  const code = (ex as FetchError | undefined)?.code;
  return code === 'EADDRBLOCKED' ? 'blocked' : code === 'ETIMEDOUT' ? 'timeout' : code === 'ETOOBIG' ? 'too_big' : 'error';
}

/**
 * The conditional headers of a re-fetch: the validators of the URL's last 200, sent only when
 * there is a capture a 304 can be a revisit of (its digest and time).
 */
export function conditionalHeaders(row: Pick<DueUrl, 'digest' | 'fetched_at' | 'etag' | 'last_modified'>): Record<string, string> | undefined {
  if (row.digest === null || row.fetched_at === null) return undefined;
  const h: Record<string, string> = {};
  const etag = validatorOf(row.etag);
  const modified = validatorOf(row.last_modified);
  if (etag) h['If-None-Match'] = etag;
  if (modified) h['If-Modified-Since'] = modified;
  return etag || modified ? h : undefined;
}

/** WARC 1.1's profile of a revisit record for a 304 (the identical-payload-digest one otherwise). */
const SERVER_NOT_MODIFIED = 'http://netpreserve.org/warc/1.1/revisit/server-not-modified';

/** Redirects of robots.txt followed (RFC 9309 asks for at least five). */
const MAX_ROBOTS_REDIRECTS = 5;

/** Spare time a lease must have beyond a request's deadline before the request starts, ms. */
const LEASE_MARGIN_MS = 2_000;
/** A 429/503 without Retry-After keeps the host away this long; a Retry-After is capped at a day. */
const DEFAULT_BACKOFF_MS = 60_000;
const MAX_RETRY_AFTER_MS = 86_400_000;

export class Fetcher {
  readonly owner: string;
  readonly counters: FetcherCounters = { fetched: 0, committed: 0, leaseLost: 0, errors: 0, versions: 0, requests: {}, bytes: {}, claims: 0, politenessWaits: 0, politenessWaitMs: 0, disallowed: 0 };
  /** The host leases this fetcher holds now, by host. */
  readonly held = new Map<string, HeldLease>();
  private readonly o: FetcherOptions;
  private readonly guard: NetGuard;
  private readonly said = new Set<string>();

  constructor(o: FetcherOptions) {
    this.o = o;
    this.owner = o.owner ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    // No keep-alive: a host given back keeps no idle connection of ours open.
    this.guard = new NetGuard({ allowPrivate: o.allowPrivateAddresses === true }, { keepAlive: false });
  }

  /** Work `hosts` slots until the signal aborts. Never throws; errors are logged and retried. */
  async run(): Promise<void> {
    await Promise.all(Array.from({ length: Math.max(1, this.o.hosts ?? 8) }, () => this.slot()));
  }

  private async slot(): Promise<void> {
    const idle = this.o.idleMs ?? 500;
    let backoff = idle;
    while (!this.o.signal?.aborted) {
      let lease: HostLease | undefined;
      try {
        lease = await claimHost(this.o.pool, { owner: this.owner, leaseMs: this.o.leaseMs ?? 60_000 });
        backoff = idle;
      } catch (e) {
        this.o.log?.(`không nhận được máy chủ nào (cannot claim a host): ${(e as Error).message}`);
        await sleep(backoff, undefined, { signal: this.o.signal }).catch(() => undefined);
        backoff = Math.min(5_000, backoff * 2);
        continue;
      }
      if (!lease) {
        await sleep(idle * (0.5 + Math.random()), undefined, { signal: this.o.signal }).catch(() => undefined);
        continue;
      }
      this.counters.claims++;
      this.held.set(lease.host, { host: lease.host, epoch: lease.epoch, since: Date.now(), lease });
      try {
        await this.work(lease, Date.now());
      } catch (e) {
        if (e instanceof LeaseLost) {
          this.counters.leaseLost++;
          this.o.log?.(`${lease.host}: mất quyền thuê (lease lost, epoch ${lease.epoch}) — kết quả bị từ chối, bỏ máy chủ này`);
        } else {
          this.counters.errors++;
          this.o.log?.(`${lease.host}: ${(e as Error).message}`);
          // Backed off like a 503 without Retry-After: a failure that repeats (blob storage or
          // PostgreSQL refusing the commit) must not turn into requests at the host's crawl delay.
          await releaseHost(this.o.pool, lease, DEFAULT_BACKOFF_MS).catch(() => undefined);
        }
      } finally {
        this.held.delete(lease.host);
      }
    }
  }

  /** Everything done under one lease. `localAtClaim` maps the database's clock to ours. */
  private async work(lease: HostLease, localAtClaim: number): Promise<void> {
    const skew = lease.claimedAt.getTime() - localAtClaim;
    const timeoutMs = this.o.timeoutMs ?? 30_000;
    const leaseMs = this.o.leaseMs ?? 60_000;
    let delay = Math.max(this.o.delayMs ?? 1000, lease.crawlDelayMs);
    let lastEnd = 0;
    const ua = this.o.userAgent ?? DEFAULT_USER_AGENT;
    /** Before a request: the host's gap since the last one, and a lease that outlives the deadline. */
    const ready = async () => {
      const wait = lastEnd + delay - Date.now();
      if (wait > 0) {
        this.counters.politenessWaits++;
        this.counters.politenessWaitMs += wait;
        await sleep(wait);
      }
      const left = () => lease.leaseExpiresAt.getTime() - (Date.now() + skew);
      if (left() < timeoutMs + LEASE_MARGIN_MS) await extendHostLease(this.o.pool, lease, Math.max(leaseMs, timeoutMs + 2 * LEASE_MARGIN_MS));
      // Checked again after the renewal, with nothing awaited before the request starts: a process
      // stalled while renewing (its answer waiting in a socket) finds its lease gone by its own clock.
      if (left() < timeoutMs + LEASE_MARGIN_MS) throw new LeaseLost(`host ${lease.host}`);
    };
    const request = async (url: string, kind: string, headers?: Record<string, string>): Promise<Exchange | Error> => {
      await ready();
      const count = (outcome: string, bytes: number) => {
        const k = `${kind} ${outcome}`;
        this.counters.requests[k] = (this.counters.requests[k] ?? 0) + 1;
        this.counters.bytes[kind] = (this.counters.bytes[kind] ?? 0) + bytes;
      };
      try {
        const ex = await fetchOnce(url, { userAgent: ua, timeoutMs, guard: this.guard, headers });
        count(outcomeOf(ex), ex.body.length);
        return ex;
      } catch (e) {
        count(outcomeOf(e), 0);
        return e as Error;
      } finally {
        lastEnd = Date.now();
        this.counters.fetched++;
      }
    };

    // robots.txt: the shared copy on the host row, or fetched now and committed for everyone.
    let rules: RobotsRules;
    const rurl = robotsUrl(`http://${lease.host}/`).replace(/^http:/, await this.schemeOf(lease));
    if (lease.robots && lease.robots.expiresAt.getTime() > Date.now() + skew) {
      rules = rulesFrom(rurl, lease.robots.status, lease.robots.txt ?? '', ua);
    } else {
      // Redirects are followed (RFC 9309: at least five hops) while they stay on this host — the
      // only one this lease lets us ask; one to another host leaves robots.txt unreachable
      // (disallow all, asked again soon), as does a sixth hop. Every hop is captured.
      let ex = await request(rurl, 'robots');
      let status: number;
      let txt = '';
      const commit: FetchCommit = { captures: [] };
      for (let hop = 0; !(ex instanceof Error); hop++) {
        commit.captures!.push(await this.store(ex, undefined));
        const loc = ex.status >= 300 && ex.status < 400 ? header(ex.headers, 'location') : undefined;
        if (!loc || hop >= MAX_ROBOTS_REDIRECTS) break;
        let next: string | undefined;
        try {
          const u = new URL(loc, ex.url);
          if ((u.protocol === 'http:' || u.protocol === 'https:') && hostOf(u.href) === lease.host) next = u.href;
        } catch {
          next = undefined;
        }
        if (!next) {
          this.notice(`${lease.host}: robots.txt chuyển hướng sang ${loc.slice(0, 200)} (máy chủ khác hoặc địa chỉ hỏng) — tạm coi như cấm hết`);
          break;
        }
        ex = await request(next, 'robots');
      }
      if (!commit.captures!.length) delete commit.captures;
      if (ex instanceof Error) {
        status = 599;
        commit.hostError = true;
        this.notice(`${lease.host}: không tải được robots.txt (${ex.message}) — tạm coi như cấm hết`);
      } else {
        // A redirect not followed counts as unreachable (a 3xx is neither found nor missing).
        status = ex.status >= 300 && ex.status < 400 ? 599 : ex.status;
        txt = status >= 200 && status < 300 ? decodeBody(decodedBody(ex, 512 * 1024)).text.slice(0, 512 * 1024) : '';
      }
      rules = rulesFrom(rurl, status, txt, ua);
      const crawlDelay = rules.crawlDelayMs();
      delay = Math.max(this.o.delayMs ?? 1000, crawlDelay ?? 0);
      commit.robots = { status, txt: txt || null, ttlMs: robotsTtl(status) };
      commit.crawlDelayMs = Math.round(delay);
      await this.commit(lease, commit, rurl);
    }

    const rows = await dueUrlRows(this.o.pool, lease, this.o.perLease ?? 20);
    for (const row of rows) {
      if (this.o.signal?.aborted) break;
      if (!rules.allowed(row.url)) {
        await this.commit(lease, { urls: [{ url: row.url, state: 'disallowed' }] }, row.url);
        this.counters.disallowed++;
        continue;
      }
      const ex = await request(row.url, row.kind, conditionalHeaders(row));
      const c = await this.handle(row, ex);
      await this.commit(lease, c, row.url);
      if (c.retryAfterMs !== undefined) break;
    }
    await this.commit(lease, { release: true }, '');
  }

  /** The scheme a host is crawled with: that of its URLs (https unless they are all http). */
  private async schemeOf(lease: HostLease): Promise<string> {
    const { rows } = await this.o.pool.query<{ url: string }>('SELECT url FROM urls WHERE host = $1 LIMIT 1', [lease.host]);
    return rows[0]?.url.startsWith('https:') ? 'https:' : 'http:';
  }

  /** What one exchange (or its failure) means for the frontier, the archive and the documents. */
  private async handle(row: DueUrl, ex: Exchange | Error): Promise<FetchCommit> {
    if (ex instanceof Error) {
      const blocked = (ex as FetchError).code === 'EADDRBLOCKED';
      if (blocked) this.notice(ex.message);
      return { urls: [{ url: row.url, state: 'failed', error: ex.message, nextFetchInMs: blocked ? null : undefined }], hostError: !blocked };
    }
    // A revisit of the last capture: a 304 (not modified), or a 200 with the same payload digest.
    const last = row.digest !== null && row.fetched_at !== null ? { url: row.url, date: row.fetched_at.toISOString(), digest: row.digest } : undefined;
    const revisit = last !== undefined && (ex.status === 304 || (ex.status === 200 && payloadDigest(ex.body) === last.digest));
    const capture = await this.store(ex, revisit ? last : undefined);
    const c: FetchCommit = { captures: [capture] };
    const outcome: UrlOutcome = { url: row.url, state: 'fetched', status: ex.status, digest: ex.status === 200 ? capture.digest : row.digest };
    c.urls = [outcome];
    if (ex.status === 429 || ex.status === 503) {
      const after = Math.min(MAX_RETRY_AFTER_MS, retryAfterMs(header(ex.headers, 'retry-after')) ?? DEFAULT_BACKOFF_MS);
      c.retryAfterMs = after;
      Object.assign(outcome, { state: 'failed', error: `HTTP ${ex.status}`, nextFetchInMs: after });
      return c;
    }
    if (ex.status === 304) {
      // Not modified: the last capture stands (digest and validators kept), no document, and the
      // next fetch comes as after an unchanged 200. A 304 with no capture to point to (the server
      // answered one unasked) keeps nothing: the validators go, so the next request is plain.
      outcome.nextFetchInMs = this.refetchIn(row);
      if (!revisit) Object.assign(outcome, { etag: null, lastModified: null });
      return c;
    }
    if (ex.status >= 300 && ex.status < 400) {
      const loc = header(ex.headers, 'location');
      let target: string | undefined;
      try {
        target = loc ? new URL(loc, row.url).href : undefined;
      } catch {
        target = undefined;
      }
      if (target && /^https?:/.test(target)) c.discovered = [{ url: target, kind: row.kind }];
      outcome.nextFetchInMs = row.kind === 'feed' ? this.o.feedIntervalMs ?? 900_000 : null;
      return c;
    }
    if (ex.status >= 500) return { ...c, urls: [{ ...outcome, state: 'failed', error: `HTTP ${ex.status}` }] };
    if (ex.status !== 200) {
      // 404, 410, …: kept as an answer; a list is asked again at its interval, a page never.
      outcome.nextFetchInMs = row.kind === 'feed' ? this.o.feedIntervalMs ?? 900_000 : null;
      return c;
    }
    // A 200: its validators replace the stored ones (none sent, or too long: cleared). A body that
    // cannot be read below clears them, so it is asked for whole next time.
    outcome.etag = validatorOf(header(ex.headers, 'etag'));
    outcome.lastModified = validatorOf(header(ex.headers, 'last-modified'));
    const unread = { etag: null, lastModified: null };
    let body: Buffer;
    try {
      body = decodedBody(ex);
    } catch (e) {
      return { ...c, urls: [{ ...outcome, ...unread, state: 'failed', error: (e as Error).message, nextFetchInMs: null }] };
    }
    const ctype = header(ex.headers, 'content-type');
    outcome.nextFetchInMs = this.refetchIn(row);
    if (row.kind === 'feed') {
      try {
        const parsed = parseFeed(decodeBody(gunzipFile(body, row.url), ctype).text, row.url);
        const found: { url: string; kind: UrlKind }[] = [];
        for (const e of parsed.entries.slice(0, this.o.maxPerList ?? 1000)) if (/^https?:/.test(e.url)) found.push({ url: e.url, kind: 'article' });
        for (const s of parsed.sitemaps.slice(0, 100)) if (/^https?:/.test(s)) found.push({ url: s, kind: 'feed' });
        c.discovered = found;
      } catch (e) {
        Object.assign(outcome, { ...unread, state: 'failed', error: `không đọc được nguồn tin: ${(e as Error).message}` });
      }
      return c;
    }
    if (ctype && !/html|xml|text\/plain/i.test(ctype)) return c;
    if (revisit) return c;
    const html = decodeBody(body, ctype).text;
    const x = await extractBounded(html, row.url);
    if (!x.isArticle || !(x.text || x.title)) return c;
    const doc: DocInput = { id: articleKey(row.url, x.canonical), url: row.url };
    if (x.title) doc.title = x.title;
    if (x.text) doc.text = x.text;
    if (x.summary) doc.summary = x.summary;
    if (x.published) doc.published = x.published;
    const host = siteHost(row.url);
    doc.source = x.siteName?.trim() || host || new URL(row.url).host;
    if (host) doc.host = host;
    if (x.section) doc.category = x.section;
    if (x.author) doc.author = x.author;
    if (x.modified) doc.modified = x.modified;
    if (x.lang) doc.lang = x.lang;
    c.documents = [doc];
    return c;
  }

  /**
   * When a URL fetched with nothing wrong is fetched again, ms (null: never): a feed or sitemap at
   * its interval; an article less often the longer it has been known (docs/ARCHIVE.md schedule).
   */
  private refetchIn(row: DueUrl): number | null {
    if (row.kind === 'feed') return this.o.feedIntervalMs ?? 900_000;
    const next = recheckDelay(Date.now() - row.discovered_at.getTime());
    return next >= Number.MAX_SAFE_INTEGER / 4 ? null : next;
  }

  /** The exchange's WARC records as one blob under its content-addressed key; its capture row. */
  private async store(ex: Exchange, revisitOf: { url: string; date: string; digest: string } | undefined): Promise<CaptureRow> {
    const [response, request] = exchangeRecords(ex, revisitOf ? { revisitOf } : {});
    if (revisitOf && ex.status === 304) response.warcHeaders.headers.set('WARC-Profile', SERVER_NOT_MODIFIED);
    const a = await serialize(response);
    const b = await serialize(request);
    const bytes = new Uint8Array(a.length + b.length);
    bytes.set(a, 0);
    bytes.set(b, a.length);
    const key = contentKey('warc', bytes, '.warc.gz');
    await this.o.blob.put(key, bytes);
    const pause = this.o.pauseBeforeCommit;
    if (pause && ex.url.includes(pause.url)) {
      this.o.log?.(`uploaded ${key} ${ex.url} pid ${process.pid}`);
      await sleep(pause.ms);
    }
    const ctype = header(ex.headers, 'content-type');
    return {
      url: ex.url,
      capturedAt: new Date(ex.started),
      status: ex.status,
      mime: ctype ? ctype.split(';')[0].trim().toLowerCase() : null,
      digest: revisitOf?.digest ?? payloadDigest(ex.body),
      blobKey: key,
      offset: 0,
      length: a.length,
    };
  }

  private async commit(lease: HostLease, c: FetchCommit, what: string): Promise<void> {
    const r = await commitFetch(this.o.pool, lease, c, this.o.blob);
    this.counters.committed++;
    this.counters.versions += r.versionsWritten;
    if (r.versionsWritten && what) this.o.log?.(`${what}: phiên bản mới (new version)`);
  }

  /** Say a line once per process. */
  private notice(line: string): void {
    if (this.said.has(line)) return;
    this.said.add(line);
    this.o.log?.(line);
  }
}

export async function runFetcher(o: FetcherOptions): Promise<Fetcher> {
  const f = new Fetcher(o);
  await f.run();
  return f;
}
