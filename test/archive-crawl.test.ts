/**
 * The crawler against a real HTTP server on loopback (test/fixtures/site): politeness, robots.txt,
 * feeds of every kind, redirects, 429, charsets, extraction, WARC capture, versions, revisits,
 * disappearing pages and timeouts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSite, type Site } from './fixtures/site/server.ts';
import { A1, A2, A3, LEGACY, EDITED, GONE, BUSY, A8, A9, A10, REPRINT, PRIVATE_PATH, FURNITURE_MARKERS } from './fixtures/site/articles.ts';
import { crawlOnce, type CrawlReport } from '../src/archive/crawler.ts';
import { openArchiveDb } from '../src/archive/db.ts';
import { articleHistory } from '../src/archive/articles.ts';
import { readWarc } from '../src/archive/warc.ts';
import { readRecordAt } from '../src/archive/replay.ts';
import type { DocInput, DocSink } from '../src/archive/index-sink.ts';
import { exportHits } from '../src/archive/export.ts';

let site: Site;
let dir: string;
const docs = new Map<string, DocInput>();
const sink: DocSink = {
  add: async (batch) => {
    for (const d of batch) docs.set(d.id, d);
  },
  close: async () => undefined,
};
const DELAY = 20;
let sources: string[];
let first: CrawlReport;
let firstLog: Site['log'];

before(async () => {
  site = await startSite({ crawlDelaySeconds: 0.05, slowMs: 60 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-crawl-'));
  sources = [`${site.main}/rss/tin-moi.rss`, `${site.main}/rss/loi.rss`, `${site.main}/sitemap.xml`, `${site.main}/feed.json`, `${site.slow}/rss.xml`];
  first = await crawlOnce({ dataDir: dir, sources, delayMs: DELAY, sink });
  firstLog = [...site.log];
});

after(async () => {
  await site.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const url = (p: string, base = site.main): string => base + p;

test('first crawl: every listed article fetched, captured, extracted and indexed', () => {
  assert.equal(first.articles, 11);
  assert.equal(first.new_versions, 11);
  assert.equal(first.errors, 0, 'the gzip sitemap file parsed too');
  assert.equal(first.blocked, 1);
  assert.equal(docs.size, 11);
  for (const a of [A1, A2, A3, LEGACY, EDITED, GONE, BUSY, A8, A9, A10]) {
    const doc = [...docs.values()].find((d) => d.title === a.title);
    assert.ok(doc, `indexed: ${a.title}`);
    assert.ok(String(doc.text).includes(a.paragraphs[1]), `body of ${a.title}`);
  }
});

test('politeness: robots.txt first, disallowed path never fetched, one request at a time per host, delays kept', () => {
  for (const host of ['main', 'slow'] as const) {
    const reqs = firstLog.filter((r) => r.host === host);
    assert.equal(reqs[0].path, '/robots.txt', `${host}: robots.txt is the first request`);
    assert.equal(reqs.filter((r) => r.path === '/robots.txt').length, 1, `${host}: robots.txt fetched once (cached)`);
    const gap = host === 'main' ? 50 : DELAY; // Crawl-delay 0.05 s on main; no robots.txt on slow
    for (let i = 1; i < reqs.length; i++) {
      assert.ok(reqs[i].start >= reqs[i - 1].end, `${host}: request ${i} overlaps the previous one`);
      assert.ok(reqs[i].start - reqs[i - 1].end >= gap - 5, `${host}: gap ${reqs[i].start - reqs[i - 1].end} ms < ${gap} ms before ${reqs[i].path}`);
    }
  }
  assert.ok(!firstLog.some((r) => r.path.startsWith('/private/')), 'robots.txt Disallow honoured');
  assert.ok(!firstLog.some((r) => r.path.includes('4000001.htm?')), 'a second address of the same article is not fetched');
  for (const r of firstLog) assert.match(r.userAgent, /^TraBot\/[\d.]+ \(\+https?:\/\/\S+/, 'honest User-Agent with a contact URL');
});

test('429 with Retry-After: the host is left alone for that long, then the page is fetched', () => {
  const hits = firstLog.filter((r) => r.path === BUSY.path);
  assert.deepEqual(hits.map((h) => h.status), [429, 200]);
  const nextOnHost = firstLog.filter((r) => r !== hits[0] && r.host === 'main' && r.start >= hits[0].start)[0];
  assert.ok(nextOnHost.start - hits[0].end >= 990, `next request on the host after ${nextOnHost.start - hits[0].end} ms`);
});

test('extraction: structured data, Vietnamese date line, byline, section, canonical; no page furniture', () => {
  const db = openArchiveDb(dir);
  try {
    const v = (u: string) => articleHistory(db, u)!.versions;
    const a1 = db.prepare('SELECT * FROM versions WHERE url = ?').get(url(A1.path)) as Record<string, string>;
    assert.equal(a1.title, A1.title);
    assert.equal(a1.published, new Date(A1.published).toISOString());
    assert.equal(a1.author, A1.author);
    assert.equal(a1.section, A1.section);
    assert.equal(a1.lang, 'vi');
    for (const m of FURNITURE_MARKERS) assert.ok(!a1.text.includes(m), `furniture "${m}" left in the body`);
    assert.ok(!a1.text.includes('Giá vàng hôm nay'), 'related-article box left in the body');
    assert.ok(!a1.text.includes(A1.caption!), 'photo caption kept out of the body');

    const legacy = v(url(LEGACY.path))[0];
    assert.equal(legacy.title, LEGACY.title, 'windows-1258 page decoded');
    assert.ok(legacy.text.includes(LEGACY.paragraphs[0]));
    assert.equal(legacy.text, legacy.text.normalize('NFC'));
    assert.equal(legacy.published, new Date(LEGACY.published).toISOString(), 'date read from the "Thứ …, d/m/yyyy, hh:mm (GMT+7)" line');

    // Found under any URL form: tracking parameters, the redirecting address, .htm, AMP.
    assert.equal(v(`${url(A2.path)}?utm_source=rss&utm_medium=feed`)[0].title, A2.title);
    assert.equal(v(url(A2.path).replace('.html', '.amp.html'))[0].title, A2.title);
    assert.equal(v(url('/r/4000003'))[0].title, A3.title);
    assert.equal(v(url(A8.path))[0].title, A8.title, 'article from the malformed feed');
    assert.equal(v(url(A9.path))[0].title, A9.title, 'article from the sitemap index');
    assert.equal(v(url(A10.path))[0].title, A10.title, 'article from the JSON Feed');
    assert.equal(articleHistory(db, url(PRIVATE_PATH)), undefined, 'disallowed page not archived');
  } finally {
    db.close();
  }
});

test('near-duplicate: the reprint on the other host is linked to the original', () => {
  const db = openArchiveDb(dir);
  try {
    const h = articleHistory(db, url(REPRINT.path, site.slow))!;
    assert.equal(h.reprints.length, 1);
    assert.match(h.reprints[0].url, /ha-noi-mo-rong-duong-vanh-dai-4000001/);
  } finally {
    db.close();
  }
});

test('WARC: request/response pairs with payload digests, readable by warcio; CDXJ sorted and pointing at the records', async () => {
  const warcDir = path.join(dir, 'warc');
  const files = fs.readdirSync(warcDir).filter((f) => f.endsWith('.warc.gz'));
  assert.ok(files.length >= 1);
  const types: Record<string, number> = {};
  for (const f of files) {
    for await (const r of readWarc(path.join(warcDir, f))) {
      types[r.type] = (types[r.type] ?? 0) + 1;
      if (r.type === 'response') assert.match(r.payloadDigest ?? '', /^sha256:[0-9a-f]{64}$/);
    }
  }
  assert.equal(types.warcinfo, files.length);
  assert.equal(types.request, types.response);
  assert.equal(types.response, first.fetched);
  const lines = fs.readFileSync(path.join(warcDir, 'index.cdxj'), 'utf8').trim().split('\n');
  assert.equal(lines.length, first.fetched);
  assert.deepEqual([...lines].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), lines);
  const a1Line = lines.find((l) => l.includes(A1.path))!;
  const j = JSON.parse(a1Line.slice(a1Line.indexOf('{')));
  const rec = await readRecordAt(path.join(warcDir, j.filename), Number(j.offset), Number(j.length));
  assert.equal(rec.url, url(A1.path));
  assert.equal(rec.status, 200);
  assert.ok(Buffer.from(rec.payload).toString('utf8').includes(A1.paragraphs[0]));
  // A gzip-encoded page is stored as sent (compressed, Content-Encoding kept) and still extracted.
  const gzLine = lines.find((l) => l.includes(A10.path))!;
  const gz = JSON.parse(gzLine.slice(gzLine.indexOf('{')));
  const gzRec = await readRecordAt(path.join(warcDir, gz.filename), Number(gz.offset), Number(gz.length));
  assert.equal(gzRec.httpHeaders.find(([k]) => k.toLowerCase() === 'content-encoding')?.[1], 'gzip');
  assert.deepEqual([...gzRec.payload.subarray(0, 2)], [0x1f, 0x8b]);
});

test('second crawl: conditional GET, an edited article gets a new version with a word diff, a vanished page is marked gone, an unchanged page without validators becomes a revisit', async () => {
  site.state.crawl = 2;
  site.state.gone = true;
  const from = site.log.length;
  const r = await crawlOnce({ dataDir: dir, sources, delayMs: DELAY, sink });
  const log = site.log.slice(from);
  assert.equal(r.new_versions, 1);
  assert.equal(r.gone, 1);
  assert.equal(r.errors, 1, 'the 404');
  assert.equal(r.articles, 10);
  const a1req = log.find((x) => x.path === A1.path)!;
  assert.ok(a1req.headers['if-none-match'], 'conditional GET sent');
  assert.equal(a1req.status, 304);
  assert.ok(log.some((x) => x.path === '/sitemaps/news.xml'), 'child sitemap of an unchanged index still read');
  assert.ok(log.some((x) => x.path === A9.path), 'article of an unchanged sitemap re-checked');

  const db = openArchiveDb(dir);
  try {
    const h = articleHistory(db, url(EDITED.path), { diff: true })!;
    assert.equal(h.versions.length, 2);
    const changes = h.versions[1].diff!.filter((p) => p.op !== '=').map((p) => `${p.op}${p.text.trim()}`);
    assert.ok(changes.includes('-3.200') && changes.includes('+5.400'), JSON.stringify(changes));
    assert.ok(changes.some((c) => c.startsWith('+') && c.includes('mưa lớn đã gây ngập')));
    const gone = articleHistory(db, url(GONE.path))!;
    assert.equal(gone.gone, true);
    assert.equal(gone.versions.length, 1, 'versions of a vanished page are kept');
    const revisits = db.prepare("SELECT COUNT(*) AS n FROM captures WHERE type = 'revisit' AND url = ?").get(url(REPRINT.path, site.slow)) as { n: number };
    assert.equal(revisits.n, 1);
  } finally {
    db.close();
  }
  assert.ok(String(docs.get([...docs.keys()].find((k) => k.includes('bao-so-9'))!)!.text).includes('5.400 hộ dân'), 'index holds the new version');
});

test('third crawl: a change of the clock line only is not a new version', async () => {
  site.state.crawl = 3;
  const r = await crawlOnce({ dataDir: dir, sources, delayMs: DELAY, sink });
  assert.equal(r.new_versions, 0);
  const db = openArchiveDb(dir);
  try {
    assert.equal(articleHistory(db, url(EDITED.path))!.versions.length, 2);
  } finally {
    db.close();
  }
});

test('a host that does not answer in time: the URL fails after its tries, the run still ends', async () => {
  const d2 = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-crawl-slow-'));
  try {
    const r = await crawlOnce({ dataDir: d2, sources: [`${site.slow}/rss-cham.xml`], delayMs: 10, timeoutMs: 250, maxTries: 2, retryBaseMs: 20, sink: null });
    assert.equal(r.errors, 1);
    assert.equal(r.articles, 0);
    const db = openArchiveDb(d2);
    try {
      const row = db.prepare('SELECT state, tries, error FROM urls WHERE url LIKE ?').get('%rat-cham%') as { state: string; tries: number; error: string };
      assert.equal(row.state, 'failed');
      assert.equal(row.tries, 2);
      assert.match(row.error, /thời gian chờ/);
    } finally {
      db.close();
    }
  } finally {
    fs.rmSync(d2, { recursive: true, force: true });
  }
});

test('a home page given as a source: the feeds it advertises are read', async () => {
  const d3 = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-crawl-home-'));
  try {
    const r = await crawlOnce({ dataDir: d3, sources: [`${site.main}/`], delayMs: 5, sink: null });
    assert.equal(r.errors, 0);
    assert.equal(r.articles, 1);
    const db = openArchiveDb(d3);
    try {
      assert.equal(articleHistory(db, url(A10.path))!.versions[0].title, A10.title);
    } finally {
      db.close();
    }
  } finally {
    fs.rmSync(d3, { recursive: true, force: true });
  }
});

test('export: CSV row per hit with version counts (RFC 4180 quoting, BOM), JSONL with every version, WARC of the captures', async () => {
  const db = openArchiveDb(dir);
  try {
    const id = articleHistory(db, url(EDITED.path))!.canonical;
    const hits = [{ id, score: 1.5, doc: { url: url(EDITED.path), title: `${EDITED.title}, "đặc biệt"`, source: 'Báo Tin Nhanh', published: EDITED.published } }];
    let csv = '';
    await exportHits(db, path.join(dir, 'warc'), hits, 'csv', (c) => (csv += String(c)));
    const rows = csv.split('\r\n');
    assert.equal(rows[0], '\uFEFFid,url,title,source,category,published,versions,first_captured,last_captured,score');
    assert.ok(rows[1].startsWith(`${id},${url(EDITED.path)},"${EDITED.title}, ""đặc biệt""",Báo Tin Nhanh,,${EDITED.published},2,`), rows[1]);
    let jsonl = '';
    await exportHits(db, path.join(dir, 'warc'), hits, 'jsonl', (c) => (jsonl += String(c)));
    assert.equal(JSON.parse(jsonl).versions.length, 2);
    const chunks: Buffer[] = [];
    const r = await exportHits(db, path.join(dir, 'warc'), hits, 'warc', (c) => chunks.push(Buffer.from(c)));
    assert.equal(r.records, 4, 'response + request of both versions');
  } finally {
    db.close();
  }
});

test('a page that advertises no feed: the sitemaps named in robots.txt are read', async () => {
  const d4 = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-crawl-robots-sitemap-'));
  try {
    const r = await crawlOnce({ dataDir: d4, sources: [`${site.main}/gioi-thieu`], delayMs: 5, sink: null });
    assert.equal(r.errors, 0);
    assert.equal(r.articles, 1, 'A9, listed by two sitemaps, fetched once');
    const db = openArchiveDb(d4);
    try {
      assert.equal(articleHistory(db, url(A9.path))!.versions[0].title, A9.title);
    } finally {
      db.close();
    }
  } finally {
    fs.rmSync(d4, { recursive: true, force: true });
  }
});
