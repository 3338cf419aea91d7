// Conditional GETs in a cluster's fetcher (issue #14): a fetcher in this process crawls a loopback
// host whose feed and article answer with an ETag and a Last-Modified. Checked: the second fetch of
// each carries If-None-Match and If-Modified-Since; the server's 304 becomes a revisit capture of
// the last one (same digest, server-not-modified profile), keeps the URL's digest and validators,
// writes no document version, and schedules the next fetch as an unchanged page would be (a feed
// at its interval, an article by the re-check schedule); a changed page (new ETag, 200) becomes a
// new version and its validators are stored; a 304 for a URL never captured is fetched with
// nothing new, its next request plain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { PG_SKIP } from './pg.ts';
import { until } from './procs.ts';
import type { HostSpec } from './webhosts.ts';
import { withFetcher } from './fetcher-run.ts';

const FEED_INTERVAL_MS = 400;
const RECHECK_MS = 15 * 60_000; // recheckDelay of an article known for less than 3 hours

interface UrlRow {
  state: string;
  status: number | null;
  digest: string | null;
  etag: string | null;
  last_modified: string | null;
  attempts: number;
  /** next_fetch_at − fetched_at, ms. */
  next_in: number;
}

test('a fetcher re-fetches conditionally: 304 → revisit, changed page → new version and validators', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const spec: HostSpec = {
    crawlDelayS: 0,
    latencyMs: 0,
    articles: 2,
    validators: {
      '/rss.xml': { etag: '"rss-1"', lastModified: 'Fri, 01 Aug 2025 01:00:00 GMT' },
      '/tin/0.html': { etag: 'W/"v1"', lastModified: 'Fri, 01 Aug 2025 02:00:00 GMT' },
      // A server answering 304 to a URL never captured (nothing asked for it).
      '/tin/1.html': { etag: '"x"', lastModified: 'Fri, 01 Aug 2025 03:00:00 GMT', always304: true },
    },
  };
  await withFetcher([spec], { feedIntervalMs: FEED_INTERVAL_MS }, async ({ s, web, blob, fetcher, lines, start }) => {
    const feed = web.feeds[0];
    const [page, never] = web.articleUrls(0);
    const row = async (url: string): Promise<UrlRow> => (await s.pool.query<UrlRow>(
      `SELECT state, status, digest, etag, last_modified, attempts,
         (extract(epoch FROM next_fetch_at - fetched_at) * 1000)::float8 AS next_in FROM urls WHERE url = $1`, [url])).rows[0];
    const captures = async (url: string) => (await s.pool.query<{ status: number; digest: string; blob_key: string }>(
      'SELECT status, digest, blob_key FROM captures WHERE url = $1 ORDER BY captured_at, id', [url])).rows;
    const versions = async (path: string) => Number((await s.pool.query(
      'SELECT count(*) AS n FROM document_versions WHERE doc_id LIKE $1', [`%//${web.hosts[0]}${path}%`])).rows[0].n);
    /** The WARC records of a capture's blob, as text (each record a gzip member). */
    const records = async (key: string) => gunzipSync((await blob.get(key))!).toString('latin1');
    const asked = (path: string) => web.log.filter((r) => r.path === path && r.end > 0).sort((a, b) => a.start - b.start);
    /** Make a URL due now (an article's re-check is 15 minutes away). */
    const due = (url: string) => s.pool.query('UPDATE urls SET next_fetch_at = now() WHERE url = $1', [url]);
    await start();

    // The feed: first a 200, then 304s at its interval.
    await until('the feed answered 304 and committed', async () => (await row(feed))?.status === 304 && (await row(page))?.status === 200 && (await row(never))?.state === 'fetched', 20_000, 50);
    const feeds = asked('/rss.xml');
    assert.equal(feeds[0].ifNoneMatch, undefined, 'the first request of the feed is plain');
    assert.equal(feeds[0].status, 200);
    assert.equal(feeds[1].ifNoneMatch, '"rss-1"');
    assert.equal(feeds[1].ifModifiedSince, 'Fri, 01 Aug 2025 01:00:00 GMT');
    assert.equal(feeds[1].status, 304);
    const feedCaps = await captures(feed);
    assert.ok(feedCaps.length >= 2, JSON.stringify(feedCaps));
    assert.equal(feedCaps[0].status, 200);
    for (const c of feedCaps.slice(1)) assert.deepEqual([c.status, c.digest], [304, feedCaps[0].digest], 'a 304 capture repeats the last digest');
    const first304 = await records(feedCaps[1].blob_key);
    assert.match(first304, /WARC-Type: revisit/);
    assert.match(first304, /WARC-Profile: http:\/\/netpreserve\.org\/warc\/1\.1\/revisit\/server-not-modified/);
    assert.ok(first304.includes(`WARC-Refers-To-Target-URI: ${feed}`), first304.slice(0, 800));
    assert.ok(first304.includes(`WARC-Payload-Digest: ${feedCaps[0].digest}`));
    assert.match(first304, /HTTP\/1\.1 304 Not Modified/);
    assert.match(first304, /If-None-Match: "rss-1"/, 'the request record carries the conditional header');
    const f = await row(feed);
    assert.deepEqual([f.state, f.digest, f.etag, f.last_modified], ['fetched', feedCaps[0].digest, '"rss-1"', 'Fri, 01 Aug 2025 01:00:00 GMT']);
    assert.ok(Math.abs(f.next_in - FEED_INTERVAL_MS) < 50, `a feed not modified is read again at its interval (${f.next_in} ms)`);

    // A 304 for a URL never captured: fetched, nothing new, no validators kept, re-checked as usual.
    const n = await row(never);
    assert.deepEqual([n.state, n.status, n.digest, n.etag, n.last_modified], ['fetched', 304, null, null, null]);
    assert.ok(Math.abs(n.next_in - RECHECK_MS) < 1000, `${n.next_in}`);
    assert.equal(asked('/tin/1.html')[0].ifNoneMatch, undefined);
    assert.equal(await versions('/tin/1.htm'), 0);
    const neverCaps = await captures(never);
    assert.deepEqual(neverCaps.map((c) => c.status), [304]);
    assert.match(await records(neverCaps[0].blob_key), /WARC-Type: response/, 'nothing to revisit: a response record');

    // The article: stored with its validators, then re-checked (made due now) and not modified.
    const a1 = await row(page);
    assert.deepEqual([a1.etag, a1.last_modified, a1.attempts], ['W/"v1"', 'Fri, 01 Aug 2025 02:00:00 GMT', 1]);
    assert.equal(await versions('/tin/0.htm'), 1);
    await due(page);
    await until('the article re-checked', async () => (await row(page)).attempts === 2, 20_000, 50);
    let pages = asked('/tin/0.html');
    assert.equal(pages.length, 2);
    assert.deepEqual([pages[0].ifNoneMatch, pages[0].ifModifiedSince], [undefined, undefined]);
    assert.deepEqual([pages[1].ifNoneMatch, pages[1].ifModifiedSince, pages[1].status], ['W/"v1"', 'Fri, 01 Aug 2025 02:00:00 GMT', 304]);
    const a2 = await row(page);
    assert.deepEqual([a2.state, a2.status, a2.digest, a2.etag, a2.last_modified], ['fetched', 304, a1.digest, 'W/"v1"', 'Fri, 01 Aug 2025 02:00:00 GMT']);
    assert.ok(Math.abs(a2.next_in - RECHECK_MS) < 1000, `a 304 article is re-checked as an unchanged one (${a2.next_in} ms)`);
    let pageCaps = await captures(page);
    assert.deepEqual(pageCaps.map((c) => [c.status, c.digest]), [[200, a1.digest], [304, a1.digest]]);
    assert.match(await records(pageCaps[1].blob_key), /WARC-Type: revisit/);
    assert.equal(await versions('/tin/0.htm'), 1, 'a 304 writes no document version');

    // The page changes (new ETag, new text): a 200, a new version, the new validators stored.
    spec.validators!['/tin/0.html'] = { etag: '"v2"', lastModified: 'Sat, 02 Aug 2025 02:00:00 GMT' };
    await due(page);
    await until('the changed article fetched', async () => (await row(page)).attempts === 3, 20_000, 50);
    pages = asked('/tin/0.html');
    assert.deepEqual([pages[2].ifNoneMatch, pages[2].status], ['W/"v1"', 200]);
    const a3 = await row(page);
    pageCaps = await captures(page);
    assert.equal(pageCaps.length, 3);
    assert.deepEqual([a3.status, a3.etag, a3.last_modified], [200, '"v2"', 'Sat, 02 Aug 2025 02:00:00 GMT']);
    assert.notEqual(a3.digest, a1.digest);
    assert.deepEqual([pageCaps[2].status, pageCaps[2].digest], [200, a3.digest]);
    assert.match(await records(pageCaps[2].blob_key), /WARC-Type: response/);
    assert.equal(await versions('/tin/0.htm'), 2, 'the changed page is a new version');
    const body = (await s.pool.query("SELECT v.body FROM documents d JOIN document_versions v ON v.seq = d.current_seq WHERE d.id LIKE $1", [`%//${web.hosts[0]}/tin/0.htm%`])).rows[0].body;
    assert.match(String(body.text), /Bản cập nhật v2/);

    assert.equal(fetcher.counters.errors, 0, lines.join('\n'));
    assert.equal(fetcher.counters.leaseLost, 0);
  });
});
