/**
 * The crawler: reads sources (feeds, sitemaps), fetches what they list, politely, captures every
 * exchange in WARC, extracts articles, keeps versions, and hands them to the index.
 *
 * State lives in archive.sqlite, so a run can be killed at any point and resumed:
 * - The frontier (`urls`) holds every URL with a state: queued → fetching → done | failed | gone |
 *   blocked. On start, `fetching` rows (in flight when the process died) go back to `queued`.
 * - A `crawl --once` run has a row in `runs`; an unfinished run is resumed rather than restarted,
 *   and "fetched in this run" means `last_fetched >= runs.started`, so nothing done before the kill
 *   is fetched again and nothing left is skipped. The run's counters are updated in the same
 *   transactions as the captures, so the final JSON line covers the whole run across restarts.
 * - An exchange is appended to the WARC file and fsync'd, then — inside the writer's serial
 *   section, so file order and commit order agree — one transaction records the capture, the new
 *   committed file length, the frontier update, the article version and the counters. On restart
 *   the WARC files are truncated back to their committed lengths (warc.ts).
 *
 * Politeness: one request at a time per site (`politeKey`: the registrable domain, or host:port for
 * an IP address), at least `delayMs` between the end of one request and the start of the next, or
 * robots.txt's Crawl-delay if longer; 429 and 503 back the whole site off for Retry-After (capped;
 * beyond the cap the URL waits for a later run); a few sites are crawled in parallel. robots.txt is
 * fetched (and captured) before the first page of a host,
 * cached for a day, and always obeyed.
 *
 * Hostile sources: every request goes through a NetGuard (src/net/guarded-fetch.ts) that refuses
 * non-public addresses except the origins of the sources the operator named (or everything with
 * `allowPrivateAddresses`), at connect time and for every redirect hop (each hop is its own
 * frontier URL). Bodies are bounded on the wire and after decompression. Lists (feeds, sitemaps,
 * sitemap indexes) are bounded in depth and in number per source and per run, so a sitemap index
 * that keeps pointing at new indexes ends.
 */
import path from 'node:path';
import fs from 'node:fs';
import { openArchiveDb, transaction, type ArchiveDb } from './db.ts';
import { fetchOnce, decodedBody, gunzipFile, header, retryAfterMs, DEFAULT_USER_AGENT, type Exchange } from './http.ts';
import { NetGuard, AddressBlocked, BodyTooLarge } from '../net/guarded-fetch.ts';
import { rulesFrom, robotsTtl, robotsUrl, type RobotsRules } from './robots.ts';
import { WarcWriter, exchangeRecords, payloadDigest, type RecordLocation } from './warc.ts';
import { parseFeed, discoverFeeds, FeedError, type FeedEntry } from './feeds.ts';
import { decodeBody } from './charset.ts';
import { extractBounded } from './extract-pool.ts';
import { isDiskFull } from '../store/disk-full.ts';
import { MAX_TEXT_CHARS, type Extracted } from './extract.ts';
import { recordArticle, touchArticle, markGone } from './articles.ts';
import { flushPending, openEngineSink, type DocSink } from './index-sink.ts';
import { listSources, sourceNameFor, siteOf } from './sources.ts';
import { hostKey, tryCanonicalUrl } from './canonical.ts';
import { writeCdxj } from './cdxj.ts';
import { readRecordAt } from './replay.ts';

export interface CrawlOptions {
  dataDir: string;
  /** Feed or sitemap URLs for this run; default: the configured sources. */
  sources?: string[];
  /** Minimum ms between two requests to one host (default 1000). */
  delayMs?: number;
  userAgent?: string;
  timeoutMs?: number;
  maxRedirects?: number;
  /** Attempts per URL for network errors, 429 and 503 (default 3). */
  maxTries?: number;
  /** First backoff after a network error or a 429/503 without Retry-After, doubled each try (default 1000 ms). */
  retryBaseMs?: number;
  /** Longest Retry-After waited for within a run (default 120 s). */
  maxRetryAfterMs?: number;
  /** Hosts crawled at the same time (default 4). */
  parallelHosts?: number;
  /** At most this many article URLs taken from one feed/sitemap read (default 1000, newest first). */
  maxPerList?: number;
  /** WARC rotation size (default 1 GiB). */
  warcMaxBytes?: number;
  /** fsync each WARC append (default true). */
  fsync?: boolean;
  /** Where articles go; default the engine of dataDir. `null`: do not index now (left pending). */
  sink?: DocSink | null;
  /** Progress callback: done/total units and a detail line. */
  onProgress?: (done: number, total: number, detail: string) => void;
  /** Diagnostic lines (Vietnamese, for stderr). */
  log?: (line: string) => void;
  /**
   * Lines the operator should see even without --verbose (a refused address, a body over its
   * limit, a list bound hit), each said once. Default: `log`.
   */
  notice?: (line: string) => void;
  /** Reach private, loopback and link-local addresses too (default: only the named sources' origins). */
  allowPrivateAddresses?: boolean;
  /** Deepest list reached from a source: source 0, its sitemaps/feeds 1, … (default 3). */
  maxListDepth?: number;
  /** Lists (feeds, sitemaps, indexes) read per source per run (default 100). */
  maxListsPerSource?: number;
  /** Lists read per run over all sources (default 1000). */
  maxListsPerRun?: number;
  /** Stop early (continuous mode, tests). */
  signal?: AbortSignal;
}

export interface CrawlReport {
  fetched: number;
  articles: number;
  errors: number;
  unchanged: number;
  new_versions: number;
  blocked: number;
  gone: number;
  indexed: number;
  run: number;
  resumed: boolean;
  /** What crash recovery cut from WARC files at start. */
  recovered: Array<{ file: string; droppedBytes: number }>;
  ms: number;
}

type Kind = 'feed' | 'sitemap' | 'article';

interface UrlRow {
  url: string;
  kind: Kind;
  host: string;
  source: string | null;
  tries: number;
  etag: string | null;
  last_modified: string | null;
  last_digest: string | null;
  last_capture_date: string | null;
  hint_title: string | null;
  hint_published: string | null;
  hint_summary: string | null;
  via: string | null;
  hops: number;
}

/** Bounds on the lists a run reads (see CrawlOptions). */
export const LIST_BOUNDS = { depth: 3, perSource: 100, perRun: 1000 };

type Counter = 'fetched' | 'articles' | 'errors' | 'unchanged' | 'new_versions' | 'blocked' | 'gone';

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Politeness state of one site (see `politeKey`). */
interface HostState {
  readyAt: number;
  /** Largest Crawl-delay any robots.txt of the site asked for. */
  crawlDelayMs?: number;
}

/**
 * The unit of politeness: the site, not the host name. News outlets spread articles over
 * subdomains (suckhoe.vnexpress.net, kinhdoanh.vnexpress.net, …) served by the same machines, so
 * "one request at a time" is kept per site; robots.txt stays per host, as RFC 9309 defines it.
 */
export function politeKey(url: string): string {
  return siteOf(url);
}

export class Crawler {
  readonly db: ArchiveDb;
  private readonly opts: CrawlOptions;
  private readonly writer: WarcWriter;
  private readonly hosts = new Map<string, HostState>();
  private readonly robotsRules = new Map<string, { rules: RobotsRules; until: number }>();
  private readonly userAgent: string;
  private readonly delayMs: number;
  private runId = 0;
  private runStarted = 0;
  private sink: DocSink | null | undefined;
  private sinkWarned = false;
  private readonly guard: NetGuard;
  /** How deep each list of this run sits below its source (0 = the source itself). */
  private readonly listDepth = new Map<string, number>();
  /** Lists of this run per source name, and in all; loaded from the frontier when a run resumes. */
  private readonly listsPerSource = new Map<string, number>();
  private listsInRun: number | undefined;
  private readonly said = new Set<string>();

  constructor(opts: CrawlOptions) {
    this.opts = opts;
    this.db = openArchiveDb(opts.dataDir);
    this.userAgent = opts.userAgent ?? DEFAULT_USER_AGENT;
    this.delayMs = opts.delayMs ?? 1000;
    const db = this.db;
    this.writer = new WarcWriter(path.join(opts.dataDir, 'warc'), {
      committedFiles: () => db.prepare("SELECT name, bytes FROM warc_files WHERE origin = 'crawl'").all() as Array<{ name: string; bytes: number }>,
      registerFile: (name) => void db.prepare("INSERT INTO warc_files(name, bytes, created, origin) VALUES (?, 0, ?, 'crawl')").run(name, Date.now()),
      forgetFile: (name) => void db.prepare('DELETE FROM warc_files WHERE name = ?').run(name),
    }, { maxFileBytes: opts.warcMaxBytes, fsync: opts.fsync, info: { operator: 'Tra', 'http-header-user-agent': this.userAgent, robots: 'obey' } });
    this.sink = opts.sink;
    this.guard = new NetGuard({ allowPrivate: opts.allowPrivateAddresses });
  }

  /** Tell the operator once (per key and run). */
  private notice(key: string, line: string): void {
    if (this.said.has(key)) return;
    this.said.add(key);
    (this.opts.notice ?? this.opts.log)?.(line);
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  private bump(counter: Counter, n = 1): void {
    this.db.prepare(`UPDATE runs SET ${counter} = ${counter} + ? WHERE id = ?`).run(n, this.runId);
  }

  /** One complete pass: read the sources, fetch everything due, index, write the CDXJ. */
  async runOnce(): Promise<CrawlReport> {
    const t0 = performance.now();
    const db = this.db;
    const recovered = this.writer.recover();
    for (const r of recovered) this.log(`khôi phục: cắt ${r.droppedBytes} byte chưa ghi nhận ở cuối ${r.file}`);
    db.prepare("UPDATE urls SET state = 'queued' WHERE state = 'fetching'").run();

    const open = db.prepare('SELECT id, started FROM runs WHERE finished IS NULL ORDER BY id DESC LIMIT 1').get() as { id: number; started: number } | undefined;
    const resumed = Boolean(open);
    const configured = listSources(db).filter((s) => s.enabled).map((s) => s.url);
    const sourceUrls = this.opts.sources?.length ? this.opts.sources : configured;
    // The operator named these: their origins are reachable whatever their address.
    for (const s of [...sourceUrls, ...configured]) this.guard.allowOrigin(s);
    this.said.clear();
    this.listDepth.clear();
    this.listsPerSource.clear();
    this.listsInRun = undefined;
    for (const s of sourceUrls) this.listDepth.set(s, 0);
    if (open) {
      this.runId = open.id;
      this.runStarted = open.started;
      this.log(`tiếp tục lần thu thập #${open.id} bị dừng giữa chừng`);
    } else {
      this.runStarted = Date.now();
      this.runId = Number(db.prepare('INSERT INTO runs(started, sources) VALUES (?, ?)').run(this.runStarted, JSON.stringify(sourceUrls)).lastInsertRowid);
    }

    transaction(db, () => {
      for (const s of sourceUrls) this.enqueue(s, 'feed', sourceNameFor(db, s), {}, 3);
      // Articles whose re-check time has come (schedule.ts).
      const due = db.prepare(`SELECT a.url, a.source FROM articles a WHERE a.gone = 0 AND a.next_check <= ?`).all(Date.now()) as Array<{ url: string; source: string | null }>;
      for (const a of due) this.enqueue(a.url, 'article', a.source, {}, 1);
    });

    await this.indexPending();
    await this.loop();
    await this.indexPending();

    db.prepare('UPDATE runs SET finished = ? WHERE id = ?').run(Date.now(), this.runId);
    writeCdxj(db, path.join(this.opts.dataDir, 'warc'));
    const r = db.prepare('SELECT fetched, articles, errors, unchanged, new_versions, blocked, gone FROM runs WHERE id = ?').get(this.runId) as Record<Counter, number>;
    const indexed = (db.prepare('SELECT COUNT(*) AS n FROM articles WHERE indexed_version = latest_version AND latest_version > 0').get() as { n: number }).n;
    return { ...r, indexed, run: this.runId, resumed, recovered, ms: Math.round(performance.now() - t0) };
  }

  /**
   * Put a URL in the frontier for this run: new URLs are queued; known ones are queued again if
   * this run has not fetched them yet (so an article still listed by its feed is re-checked, with
   * a conditional GET); URLs already fetched in this run are left alone.
   */
  private enqueue(url: string, kind: Kind, source: string | null, hints: { title?: string; published?: string; summary?: string; via?: string; hops?: number }, priority: number): void {
    let host: string;
    try {
      host = politeKey(url);
    } catch {
      return;
    }
    const canon = kind === 'article' ? (tryCanonicalUrl(url) ?? null) : null;
    if (canon) {
      // The same article under another address (.htm/.html, tracking parameters, AMP) already
      // queued or fetched in this run: one fetch is enough.
      const twin = this.db.prepare(`SELECT 1 FROM urls WHERE canon = ? AND url != ? AND kind = 'article'
          AND (state IN ('queued','fetching') OR (last_fetched IS NOT NULL AND last_fetched >= ?)) LIMIT 1`).get(canon, url, this.runStarted);
      if (twin) return;
    }
    this.db.prepare(`INSERT INTO urls(url, kind, host, source, state, priority, discovered, hint_title, hint_published, hint_summary, via, hops, canon)
        VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(url) DO UPDATE SET
        state = CASE WHEN urls.state IN ('queued','fetching') OR (urls.last_fetched IS NOT NULL AND urls.last_fetched >= ?) THEN urls.state ELSE 'queued' END,
        tries = CASE WHEN urls.last_fetched IS NOT NULL AND urls.last_fetched >= ? THEN urls.tries ELSE 0 END,
        not_before = CASE WHEN urls.last_fetched IS NOT NULL AND urls.last_fetched >= ? THEN urls.not_before ELSE 0 END,
        hint_title = COALESCE(excluded.hint_title, urls.hint_title),
        hint_published = COALESCE(excluded.hint_published, urls.hint_published),
        hint_summary = COALESCE(excluded.hint_summary, urls.hint_summary),
        source = COALESCE(urls.source, excluded.source),
        via = COALESCE(excluded.via, urls.via),
        hops = excluded.hops`)
      .run(url, kind, host, source, priority, Date.now(), hints.title ?? null, hints.published ?? null, hints.summary ?? null, hints.via ?? null, hints.hops ?? 0, canon,
        this.runStarted, this.runStarted, this.runStarted);
  }

  private async loop(): Promise<void> {
    const db = this.db;
    const parallel = Math.max(1, this.opts.parallelHosts ?? 4);
    const inflight = new Map<string, Promise<void>>();
    const queuedHosts = db.prepare("SELECT host, MIN(not_before) AS nb FROM urls WHERE state = 'queued' GROUP BY host");
    const pick = db.prepare("SELECT * FROM urls WHERE state = 'queued' AND host = ? AND not_before <= ? ORDER BY priority DESC, discovered, rowid LIMIT 1");
    const claim = db.prepare("UPDATE urls SET state = 'fetching' WHERE url = ?");
    const counts = db.prepare("SELECT SUM(state = 'queued') AS q, SUM(last_fetched >= ?) AS d FROM urls");
    let lastProgress = 0;
    let fatal: Error | undefined;
    while (!this.opts.signal?.aborted && !fatal) {
      const now = Date.now();
      let wake = Infinity;
      const hosts = queuedHosts.all() as Array<{ host: string; nb: number }>;
      for (const { host, nb } of hosts) {
        if (inflight.has(host)) continue;
        if (inflight.size >= parallel) break;
        const hs = this.hostState(host);
        const ready = Math.max(hs.readyAt, nb);
        if (ready > now) {
          wake = Math.min(wake, ready);
          continue;
        }
        const row = pick.get(host, now) as UrlRow | undefined;
        if (!row) continue;
        claim.run(row.url);
        const job = this.process(row)
          .catch((e: Error) => {
            // A full disk fails every URL alike: stop the run and say so once (the URL stays
            // queued; what was committed is kept and the next run goes on from there).
            if (isDiskFull(e)) {
              fatal ??= e;
              db.prepare("UPDATE urls SET state = 'queued' WHERE url = ? AND state = 'fetching'").run(row.url);
              return;
            }
            this.log(`lỗi khi xử lý ${row.url}: ${e.stack ?? e.message}`);
            transaction(db, () => {
              db.prepare("UPDATE urls SET state = 'failed', error = ?, last_fetched = ? WHERE url = ?").run(String(e.message), Date.now(), row.url);
              this.bump('errors');
            });
          })
          .finally(() => inflight.delete(host));
        inflight.set(host, job);
      }
      // Counting scans the frontier: at most twice a second.
      if (this.opts.onProgress && now - lastProgress >= 500) {
        lastProgress = now;
        const c = counts.get(this.runStarted) as { q: number | null; d: number | null };
        const done = c.d ?? 0;
        this.opts.onProgress(done, done + (c.q ?? 0) + inflight.size, `${inflight.size} máy chủ đang tải`);
      }
      if (inflight.size === 0) {
        if (hosts.length === 0) break;
        if (wake === Infinity) wake = now + 50;
        await sleep(Math.min(wake - now, 60_000), this.opts.signal);
        continue;
      }
      const timers = wake === Infinity ? [] : [sleep(wake - now)];
      await Promise.race([...inflight.values(), ...timers]);
    }
    await Promise.allSettled([...inflight.values()]);
    if (fatal) throw fatal;
  }

  private hostState(host: string): HostState {
    let hs = this.hosts.get(host);
    if (!hs) {
      hs = { readyAt: 0 };
      this.hosts.set(host, hs);
    }
    return hs;
  }

  /** Mark the host busy until `delay` after now (the politeness gap after a request). */
  private release(host: string, extraMs = 0): void {
    const hs = this.hostState(host);
    const gap = Math.max(this.delayMs, hs.crawlDelayMs ?? 0);
    hs.readyAt = Math.max(hs.readyAt, Date.now() + gap + extraMs);
  }

  /** Fetch with the host's politeness gap respected even inside one job (robots.txt, then page). */
  private async politeFetch(url: string, headers: Record<string, string> = {}): Promise<Exchange> {
    const host = politeKey(url);
    const hs = this.hostState(host);
    await sleep(hs.readyAt - Date.now(), this.opts.signal);
    try {
      return await fetchOnce(url, { userAgent: this.userAgent, headers, timeoutMs: this.opts.timeoutMs, guard: this.guard });
    } finally {
      this.release(host);
    }
  }

  /** robots.txt rules for the host of `url`, from cache or fetched (and captured) now. */
  private async robotsFor(url: string): Promise<RobotsRules> {
    const host = hostKey(url);
    const site = politeKey(url);
    const hs = this.hostState(site);
    const now = Date.now();
    const known = this.robotsRules.get(host);
    if (known && known.until > now) return known.rules;
    const rUrl = robotsUrl(url);
    const cached = this.db.prepare('SELECT fetched, status, body FROM robots WHERE host = ?').get(host) as { fetched: number; status: number; body: string } | undefined;
    let status: number;
    let body: string;
    let fetched: number;
    if (cached && cached.fetched + robotsTtl(cached.status) > now) {
      ({ status, body, fetched } = cached);
    } else {
      fetched = now;
      let target = rUrl;
      status = 0;
      body = '';
      for (let hop = 0; hop <= 5; hop++) {
        let ex: Exchange;
        try {
          ex = await this.politeFetch(target);
        } catch (e) {
          // The host itself refused by the address policy: the page is refused too (process()).
          if (e instanceof AddressBlocked && hop === 0) throw e;
          this.log(`không tải được ${target}: ${(e as Error).message}`);
          status = 0;
          break;
        }
        await this.capture(ex, () => undefined);
        status = ex.status;
        const loc = header(ex.headers, 'location');
        if (status >= 300 && status < 400 && loc) {
          try {
            target = new URL(loc, target).href;
          } catch {
            status = 0;
            break;
          }
          continue;
        }
        try {
          body = decodeBody(decodedBody(ex), header(ex.headers, 'content-type')).text;
        } catch (e) {
          // Over the size limit: treated as unreachable (disallow all, asked again soon).
          this.notice(`big:${target}`, (e as Error).message);
          status = 0;
        }
        break;
      }
      // Unreachable counts as a server error: complete disallow, asked again soon.
      if (status === 0) status = 599;
      this.db.prepare('INSERT INTO robots(host, fetched, status, body) VALUES (?, ?, ?, ?) ON CONFLICT(host) DO UPDATE SET fetched = excluded.fetched, status = excluded.status, body = excluded.body')
        .run(host, fetched, status, body);
    }
    const rules = rulesFrom(rUrl, status, body, this.userAgent);
    this.robotsRules.set(host, { rules, until: fetched + robotsTtl(status) });
    const delay = rules.crawlDelayMs();
    if (delay && delay > (hs.crawlDelayMs ?? 0)) {
      hs.crawlDelayMs = delay;
      // The gap after the robots.txt request itself must already respect its Crawl-delay.
      this.release(site);
    }
    return rules;
  }

  /**
   * Write the exchange's WARC records, then run `commit` in the same serial section, inside one
   * transaction with the capture rows. A 200 whose payload digest equals the last capture of the
   * same URL becomes a revisit record.
   */
  private async capture(ex: Exchange, commit: (captureId: number, revisit: boolean) => void, previous?: { digest: string | null; date: string | null }): Promise<{ captureId: number; revisit: boolean }> {
    const digest = ex.status === 200 ? payloadDigest(ex.body) : undefined;
    const revisit = Boolean(digest && previous?.digest === digest && previous.date);
    const records = exchangeRecords(ex, revisit ? { revisitOf: { url: ex.url, date: previous!.date!, digest: digest! } } : {});
    let captureId = 0;
    await this.writer.append(records, (locations: RecordLocation[], file: string, end: number) => {
      transaction(this.db, () => {
        this.db.prepare('UPDATE warc_files SET bytes = ? WHERE name = ?').run(end, file);
        const ins = this.db.prepare('INSERT INTO captures(url, captured, type, status, mime, digest, warc, offset, length, record_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
        const captured = new Date(ex.started).toISOString();
        const mime = (header(ex.headers, 'content-type') ?? '').split(';')[0].trim() || null;
        for (const loc of locations) {
          const isResp = loc.type === 'response' || loc.type === 'revisit';
          const r = ins.run(ex.url, captured, loc.type, isResp ? ex.status : null, isResp ? mime : null, isResp ? (digest ?? payloadDigest(ex.body)) : null, loc.file, loc.offset, loc.length, loc.recordId);
          if (isResp) captureId = Number(r.lastInsertRowid);
        }
        this.bump('fetched');
        commit(captureId, revisit);
      });
    });
    return { captureId, revisit };
  }

  /** Fetch one frontier URL and act on the answer. */
  private async process(row: UrlRow): Promise<void> {
    const db = this.db;
    let rules: RobotsRules;
    try {
      rules = await this.robotsFor(row.url);
    } catch (e) {
      if (e instanceof AddressBlocked) return this.refuse(row, e);
      throw e;
    }
    if (!rules.allowed(row.url)) {
      transaction(db, () => {
        db.prepare("UPDATE urls SET state = 'blocked', last_fetched = ?, error = 'robots.txt' WHERE url = ?").run(Date.now(), row.url);
        this.bump('blocked');
      });
      this.log(`robots.txt không cho phép: ${row.url}`);
      return;
    }
    const conditional: Record<string, string> = {};
    if (row.etag) conditional['If-None-Match'] = row.etag;
    if (row.last_modified) conditional['If-Modified-Since'] = row.last_modified;

    let ex: Exchange;
    try {
      ex = await this.politeFetch(row.url, conditional);
    } catch (e) {
      // Refused addresses and oversized bodies will not change by trying again.
      if (e instanceof AddressBlocked || e instanceof BodyTooLarge) return this.refuse(row, e);
      this.retryOrFail(row, (e as Error).message, (this.opts.retryBaseMs ?? 1000) * 2 ** row.tries);
      return;
    }
    const now = Date.now();
    if (ex.status === 200) {
      // Undo the Content-Encoding (and a .gz list file) once, within the limit; the parsers
      // below get the remembered result.
      try {
        const plain = decodedBody(ex);
        if (row.kind !== 'article') gunzipFile(plain, row.url);
      } catch (e) {
        if (!(e instanceof BodyTooLarge)) throw e;
        await this.capture(ex, () => {
          db.prepare("UPDATE urls SET state = 'failed', last_fetched = ?, last_status = ?, error = ? WHERE url = ?").run(now, ex.status, e.message, row.url);
          this.bump('errors');
        });
        this.notice(`big:${row.url}`, e.message);
        return;
      }
    }
    const status = ex.status;
    const maxTries = this.opts.maxTries ?? 3;

    if (status === 429 || status === 503) {
      const wait = retryAfterMs(header(ex.headers, 'retry-after')) ?? Math.max(this.delayMs, this.opts.retryBaseMs ?? 1000) * 2 ** row.tries;
      const cap = this.opts.maxRetryAfterMs ?? 120_000;
      this.hostState(row.host).readyAt = Math.max(this.hostState(row.host).readyAt, Date.now() + Math.min(wait, cap));
      await this.capture(ex, () => {
        if (row.tries + 1 >= maxTries || wait > cap) {
          db.prepare("UPDATE urls SET state = 'failed', tries = tries + 1, last_fetched = ?, last_status = ?, error = ? WHERE url = ?")
            .run(now, status, `HTTP ${status}, Retry-After ${Math.round(wait / 1000)} s`, row.url);
          this.bump('errors');
        } else {
          db.prepare("UPDATE urls SET state = 'queued', tries = tries + 1, not_before = ?, last_status = ? WHERE url = ?").run(now + wait, status, row.url);
        }
      });
      this.log(`${row.host} trả ${status}: chờ ${Math.round(wait)} ms theo Retry-After`);
      return;
    }

    const location = header(ex.headers, 'location');
    if (status >= 300 && status < 400 && status !== 304 && location) {
      let target: string | undefined;
      try {
        target = new URL(location, row.url).href;
      } catch {
        target = undefined;
      }
      await this.capture(ex, () => {
        const tooMany = row.hops + 1 > (this.opts.maxRedirects ?? 5);
        db.prepare("UPDATE urls SET state = ?, last_fetched = ?, last_status = ?, error = ? WHERE url = ?")
          .run(target && !tooMany ? 'done' : 'failed', now, status, target && !tooMany ? null : 'chuyển hướng hỏng hoặc quá nhiều lần', row.url);
        if (!target || tooMany) {
          this.bump('errors');
          return;
        }
        if (row.kind !== 'article' && !this.listDepth.has(target)) this.listDepth.set(target, this.depthOf(row.url));
        this.enqueue(target, row.kind, row.source, {
          title: row.hint_title ?? undefined, published: row.hint_published ?? undefined, summary: row.hint_summary ?? undefined,
          via: row.via ? `${row.via}\n${row.url}` : row.url, hops: row.hops + 1,
        }, 4);
      });
      return;
    }

    if (status === 304 || (status === 200 && row.last_digest && payloadDigest(ex.body) === row.last_digest)) {
      let listEntries: FeedEntry[] | undefined;
      let listSitemaps: string[] = [];
      let listError: string | undefined;
      if (row.kind !== 'article' && status === 200) {
        try {
          ({ entries: listEntries, sitemaps: listSitemaps } = this.parseList(row, ex));
        } catch (e) {
          listError = (e as Error).message;
        }
      } else if (row.kind !== 'article') {
        // An unchanged feed still lists its articles: read them from the last full capture.
        const prev = db.prepare("SELECT warc, offset, length FROM captures WHERE url = ? AND type = 'response' AND status = 200 ORDER BY id DESC LIMIT 1").get(row.url) as { warc: string; offset: number; length: number } | undefined;
        if (prev) {
          try {
            const old = await readRecordAt(path.join(this.opts.dataDir, 'warc', prev.warc), prev.offset, prev.length);
            ({ entries: listEntries, sitemaps: listSitemaps } = this.parseList(row, { headers: old.httpHeaders, body: Buffer.from(old.payload) }));
          } catch (e) {
            listError = (e as Error).message;
          }
        }
      }
      await this.capture(ex, () => {
        db.prepare("UPDATE urls SET state = 'done', last_fetched = ?, last_status = ?, tries = 0, error = ? WHERE url = ?").run(now, status, listError ?? null, row.url);
        if (row.kind === 'article') {
          touchArticle(db, row.url, now);
          this.bump('unchanged');
          this.bump('articles');
        } else if (listEntries) {
          for (const sm of listSitemaps) this.enqueueList(row, sm, 'sitemap', 2);
          this.enqueueEntries(row, listEntries);
        }
      }, { digest: row.last_digest, date: row.last_capture_date });
      return;
    }

    if (status !== 200) {
      await this.capture(ex, () => {
        const gone = status === 404 || status === 410;
        db.prepare("UPDATE urls SET state = ?, last_fetched = ?, last_status = ?, error = ? WHERE url = ?").run(gone ? 'gone' : 'failed', now, status, `HTTP ${status}`, row.url);
        if (gone && row.kind === 'article' && markGone(db, row.url, now)) this.bump('gone');
        this.bump('errors');
      });
      this.log(`HTTP ${status}: ${row.url}`);
      return;
    }

    // 200 with new content.
    const validators = { etag: header(ex.headers, 'etag') ?? null, lastModified: header(ex.headers, 'last-modified') ?? null };
    const digest = payloadDigest(ex.body);
    const capturedIso = new Date(ex.started).toISOString();
    const markDone = (error: string | null): void => {
      db.prepare(`UPDATE urls SET state = 'done', last_fetched = ?, last_status = 200, tries = 0, etag = ?, last_modified = ?, last_digest = ?, last_capture_date = ?, error = ? WHERE url = ?`)
        .run(now, validators.etag, validators.lastModified, digest, capturedIso, error, row.url);
    };
    if (row.kind !== 'article') {
      let parsed: { entries: FeedEntry[]; sitemaps: string[] } | undefined;
      let error: string | null = null;
      try {
        parsed = this.parseList(row, ex);
      } catch (e) {
        error = e instanceof FeedError ? e.message : String(e);
      }
      // A home page given as a source: follow the feeds it advertises instead.
      // Without advertised feeds, the sitemaps its robots.txt names.
      let advertised = !parsed && row.kind === 'feed' ? discoverFeeds(decodeBody(decodedBody(ex), header(ex.headers, 'content-type')).text, row.url) : [];
      if (!parsed && row.kind === 'feed' && !advertised.length) advertised = this.robotsRules.get(hostKey(row.url))?.rules.sitemaps() ?? [];
      if (advertised.length) error = null;
      await this.capture(ex, () => {
        markDone(error);
        for (const f of advertised) this.enqueueList(row, f, 'feed', 3);
        if (!parsed) {
          if (!advertised.length) this.bump('errors');
          return;
        }
        for (const sm of parsed.sitemaps) this.enqueueList(row, sm, 'sitemap', 2);
        this.enqueueEntries(row, parsed.entries);
      });
      if (error) this.log(`không đọc được danh sách ${row.url}: ${error}`);
      else if (advertised.length) this.log(`${row.url}: trang web, dùng ${advertised.length} feed nó giới thiệu`);
      return;
    }

    let extracted: Extracted | undefined;
    let error: string | null = null;
    const mime = (header(ex.headers, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
    try {
      // Captured whatever it is; only (X)HTML (or an unlabelled body) is read as an article.
      if (mime && !/html|xml|^text\//.test(mime)) throw new Error(`không phải trang HTML (${mime})`);
      const text = decodeBody(decodedBody(ex), header(ex.headers, 'content-type')).text;
      // Off this thread, under a deadline and a memory limit (extract-pool.ts): never holds up other hosts.
      extracted = await extractBounded(text, row.url);
      if (!extracted.text) error = 'không tìm thấy nội dung bài';
      else if (extracted.textCut !== undefined) this.notice(`cut:${row.url}`, `${row.url}: nội dung dài ${extracted.textCut.toLocaleString('vi-VN')} ký tự, chỉ giữ ${MAX_TEXT_CHARS.toLocaleString('vi-VN')} ký tự đầu (bản gốc đầy đủ vẫn có trong tệp WARC)`);
    } catch (e) {
      error = `trích xuất lỗi: ${(e as Error).message}`;
    }
    await this.capture(ex, (captureId) => {
      markDone(error);
      if (!extracted || !extracted.text) {
        this.bump('errors');
        return;
      }
      if (!extracted.title && row.hint_title) extracted.title = row.hint_title;
      const res = recordArticle(db, {
        url: row.url,
        via: row.via ? row.via.split('\n') : [],
        captured: ex.started,
        extracted,
        source: row.source ?? sourceNameFor(db, row.url),
        captureId,
        hintSummary: row.hint_summary ?? undefined,
        hintPublished: row.hint_published ?? undefined,
      });
      this.bump('articles');
      if (res.newVersion) this.bump('new_versions');
      else this.bump('unchanged');
    });
    if (error) this.log(`${row.url}: ${error}`);
  }

  private parseList(row: UrlRow, ex: Pick<Exchange, 'headers' | 'body'>): { entries: FeedEntry[]; sitemaps: string[] } {
    // Sitemaps are often published as .xml.gz files (gzip as the file format, not as a
    // Content-Encoding): unpacked by their magic number, within the same output limit.
    const bytes = gunzipFile(decodedBody(ex), row.url);
    const text = decodeBody(bytes, header(ex.headers, 'content-type')).text;
    const parsed = parseFeed(text, row.url);
    return { entries: parsed.entries, sitemaps: parsed.sitemaps };
  }

  /** How deep a list sits below its source; a list met again after a restart counts as depth 1. */
  private depthOf(url: string): number {
    return this.listDepth.get(url) ?? 1;
  }

  /** Lists of `source` read or queued in this run (from the frontier the first time). */
  private listCount(source: string): number {
    let n = this.listsPerSource.get(source);
    if (n === undefined) {
      n = (this.db.prepare(`SELECT COUNT(*) AS n FROM urls WHERE kind != 'article' AND source IS ?
          AND (state IN ('queued','fetching') OR (last_fetched IS NOT NULL AND last_fetched >= ?))`).get(source, this.runStarted) as { n: number }).n;
      this.listsPerSource.set(source, n);
    }
    return n;
  }

  /**
   * Queue a list found in another list (a sitemap of an index, a feed a page advertises), within
   * the bounds: depth below the source, lists per source and per run. Each bound is reported once.
   */
  private enqueueList(parent: UrlRow, url: string, kind: Kind, priority: number): void {
    const bounds = {
      depth: this.opts.maxListDepth ?? LIST_BOUNDS.depth,
      perSource: this.opts.maxListsPerSource ?? LIST_BOUNDS.perSource,
      perRun: this.opts.maxListsPerRun ?? LIST_BOUNDS.perRun,
    };
    const known = this.db.prepare(`SELECT 1 FROM urls WHERE url = ? AND (state IN ('queued','fetching') OR (last_fetched IS NOT NULL AND last_fetched >= ?))`).get(url, this.runStarted);
    if (known) return; // already counted in this run
    const depth = this.depthOf(parent.url) + 1;
    const source = parent.source ?? politeKey(parent.url);
    if (depth > bounds.depth) {
      this.notice(`depth:${source}`, `nguồn "${source}": danh sách lồng quá ${bounds.depth} tầng (${parent.url} → ${url}); không đọc sâu hơn trong lượt này`);
      return;
    }
    if (this.listCount(source) >= bounds.perSource) {
      this.notice(`source:${source}`, `nguồn "${source}": đã đọc ${bounds.perSource} danh sách (feed/sitemap) trong lượt này, giới hạn mỗi nguồn; bỏ qua phần còn lại (bắt đầu từ ${url})`);
      return;
    }
    this.listsInRun ??= (this.db.prepare(`SELECT COUNT(*) AS n FROM urls WHERE kind != 'article'
        AND (state IN ('queued','fetching') OR (last_fetched IS NOT NULL AND last_fetched >= ?))`).get(this.runStarted) as { n: number }).n;
    if (this.listsInRun >= bounds.perRun) {
      this.notice('run', `lượt này đã đọc ${bounds.perRun} danh sách (feed/sitemap), giới hạn mỗi lượt; bỏ qua phần còn lại (bắt đầu từ ${url})`);
      return;
    }
    this.listDepth.set(url, depth);
    this.listsPerSource.set(source, this.listCount(source) + 1);
    this.listsInRun++;
    this.enqueue(url, kind, parent.source, {}, priority);
  }

  /** A URL that will not be fetched: its address is refused, or its body is over the limit. */
  private refuse(row: UrlRow, e: Error): void {
    transaction(this.db, () => {
      this.db.prepare("UPDATE urls SET state = 'failed', tries = tries + 1, last_fetched = ?, error = ? WHERE url = ?").run(Date.now(), e.message, row.url);
      this.bump('errors');
    });
    this.notice(`refused:${row.url}`, e instanceof BodyTooLarge ? e.message : `${row.url}: ${e.message}`);
  }

  private enqueueEntries(row: UrlRow, entries: FeedEntry[]): void {
    const max = this.opts.maxPerList ?? 1000;
    let list = entries;
    if (list.length > max) {
      // Newest first when the list is dated (news sitemaps, feeds); else the listed order.
      list = [...list].sort((a, b) => (b.published ?? b.modified ?? '').localeCompare(a.published ?? a.modified ?? '')).slice(0, max);
    }
    for (const e of list) this.enqueue(e.url, 'article', row.source, { title: e.title, published: e.published, summary: e.summary }, 1);
  }

  private retryOrFail(row: UrlRow, message: string, backoffMs: number): void {
    const maxTries = this.opts.maxTries ?? 3;
    const now = Date.now();
    transaction(this.db, () => {
      if (row.tries + 1 >= maxTries) {
        this.db.prepare("UPDATE urls SET state = 'failed', tries = tries + 1, last_fetched = ?, error = ? WHERE url = ?").run(now, message, row.url);
        this.bump('errors');
      } else {
        this.db.prepare("UPDATE urls SET state = 'queued', tries = tries + 1, not_before = ?, error = ? WHERE url = ?").run(now + backoffMs, message, row.url);
      }
    });
    this.log(`lỗi mạng ${row.url}: ${message}`);
  }

  /** Index whatever is pending (see index-sink.ts). A missing engine leaves it pending, with a note. */
  private async indexPending(): Promise<number> {
    if (this.sink === null) return 0;
    if (this.sink === undefined) {
      try {
        this.sink = await openEngineSink(this.opts.dataDir);
      } catch (e) {
        if (!this.sinkWarned) this.log(`chưa đưa được vào chỉ mục (sẽ thử lại lần sau): ${(e as Error).message}`);
        this.sinkWarned = true;
        return 0;
      }
    }
    return flushPending(this.db, this.sink);
  }

  async close(): Promise<void> {
    this.guard.close();
    await this.writer.close();
    if (this.sink && !this.opts.sink) await this.sink.close();
    this.db.close();
  }
}

/** `tra crawl --once`: one run, resumed if the previous one was interrupted. */
export async function crawlOnce(opts: CrawlOptions): Promise<CrawlReport> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const c = new Crawler(opts);
  try {
    return await c.runOnce();
  } finally {
    await c.close();
  }
}
