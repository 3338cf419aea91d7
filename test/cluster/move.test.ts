// A data directory moved into a cluster and back, one command each: `tra cluster import` (run
// twice: the second writes nothing), the cluster's answers equal those of `tra serve --data` on
// the directory, `tra serve --coordinator` serves the same answers and its pages (with a polite
// page where the cluster has nothing yet), and `tra cluster export` (run twice) makes a directory
// whose `tra search` answers equal the original's. The archive moves too: a directory crawled
// four times (and holding an imported WARC file) goes into the cluster and back with every
// capture, and each article's versions are the same in the directory, in the cluster and in the
// directory made from the cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { WARCSerializer } from 'warcio';
import { tra } from '../hostile/run.ts';
import { PG_SKIP, testSchema } from './pg.ts';
import { corpus, getJson, start, until, type Proc } from './procs.ts';
import { clusterStatistics } from '../../src/cluster/roles/stats.ts';
import { DirBlobStore } from '../../src/cluster/blob/dir.ts';
import { exportToDataDir, importDataDir } from '../../src/cluster/move/move.ts';
import { clusterVersions } from '../../src/cluster/archive/versions.ts';
import { crawlOnce } from '../../src/archive/crawler.ts';
import { importWarcFiles } from '../../src/archive/import.ts';
import { versionsOf } from '../../src/archive/index.ts';
import { exchangeRecords } from '../../src/archive/warc.ts';

const QUERIES = [
  '/api/search?q=gi%C3%A1%20v%C3%A0ng&limit=10&facets=true',
  '/api/search?q=ha%20noi&limit=20',
  '/api/search?q=b%C3%B3ng%20%C4%91%C3%A1&sort=date&limit=20',
  '/api/search?q=kinh%20t%E1%BA%BF&from=2025-07-01&to=2025-09-30&limit=10',
  '/api/trends?q=b%C3%A3o&interval=month',
];
const CLI_QUERIES = ['giá vàng', 'ha noi', 'bóng đá việt nam'];

function same(a: Record<string, unknown>, b: Record<string, unknown>, what: string): void {
  const strip = (x: Record<string, unknown>) => {
    const { took_ms: _t, hits, ...rest } = x;
    return { rest, hits: ((hits as { score: number }[] | undefined) ?? []).map(({ score, ...h }) => ({ ...h, score: Math.round(score * 1e6) / 1e6 })) };
  };
  assert.deepEqual(strip(a), strip(b), what);
}

test('a data directory into a cluster and back; tra serve --coordinator', { skip: PG_SKIP, timeout: 150_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-move-'));
  const s = await testSchema();
  const procs: Proc[] = [];
  const run = (args: string[]) => {
    const p = start(args);
    procs.push(p);
    return p;
  };
  try {
    const file = join(dir, 'tin.jsonl');
    writeFileSync(file, corpus(300, 23).map((d) => JSON.stringify(d)).join('\n') + '\n');
    const d1 = join(dir, 'one');
    const blob = join(dir, 'blob');
    assert.equal((await tra(['index', '--data', d1, file], {}, 60_000)).code, 0);

    const imp = await tra(['cluster', 'import', '--data', d1, '--pg', s.url, '--blob', blob], {}, 60_000);
    assert.equal(imp.code, 0, imp.stderr);
    const r1 = JSON.parse(imp.stdout.trim().split('\n').pop()!);
    assert.equal(r1.documents, 300);
    assert.equal(r1.written, 300);
    const again = JSON.parse((await tra(['cluster', 'import', '--data', d1, '--pg', s.url, '--blob', blob], {}, 60_000)).stdout.trim().split('\n').pop()!);
    assert.deepEqual([again.written, again.unchanged], [0, 300], 'a second import writes nothing');

    const serve = run(['serve', '--data', d1, '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn']);
    run(['indexer', '--pg', s.url, '--blob', blob]);
    await until('every document published', async () => {
      const st = await clusterStatistics(s.pool);
      return st.documents === 300 && st.unpublished === 0 && st;
    }, 45_000);
    run(['searcher', '--pg', s.url, '--blob', blob, '--port', '0', '--host', '127.0.0.1', '--dir', join(dir, 's1')]);
    const coord = run(['coordinator', '--pg', s.url, '--port', '0', '--host', '127.0.0.1']);
    const cu = (await coord.waitFor(/^http:/)).trim();
    const su = (await serve.waitFor(/http:\/\/127\.0\.0\.1:\d+/, 30_000)).match(/http:\/\/127\.0\.0\.1:\d+/)![0];
    await until('coordinator healthy', async () => (await getJson(`${cu}/healthz`)).status === 200, 30_000);
    const web = run(['serve', '--coordinator', cu, '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn']);
    const wu = (await web.waitFor(/http:\/\/127\.0\.0\.1:\d+/, 30_000)).match(/http:\/\/127\.0\.0\.1:\d+/)![0];

    for (const q of QUERIES) {
      const [one, cl, viaServe] = await Promise.all([getJson(su + q), getJson(cu + q), getJson(wu + q)]);
      assert.equal(cl.status, 200, `${q}: ${JSON.stringify(cl.body)}`);
      same(cl.body, one.body, `cluster = one machine: ${q}`);
      assert.equal(viaServe.status, 200, `${q}: ${JSON.stringify(viaServe.body)}`);
      same(viaServe.body, cl.body, `tra serve --coordinator = coordinator: ${q}`);
    }
    // The pages work through the coordinator; what a cluster lacks says so.
    const page = await fetch(`${wu}/tim-kiem?q=gi%C3%A1%20v%C3%A0ng`);
    assert.equal(page.status, 200);
    const first = ((await getJson(`${cu}/api/search?q=gi%C3%A1%20v%C3%A0ng&limit=1`)).body.hits as { id: string; title: string }[])[0];
    assert.ok((await page.text()).includes(first.title.split(' ')[0]));
    const doc = await getJson(`${wu}/api/documents/${encodeURIComponent(first.id)}`);
    assert.equal(doc.status, 200);
    assert.equal(doc.body.id, first.id);
    const art = await fetch(`${wu}/bai/${encodeURIComponent(first.id)}`);
    assert.equal(art.status, 200);
    const obs = await fetch(`${wu}/quan-sat`);
    assert.equal(obs.status, 501);
    assert.match(await obs.text(), /chưa có ở chế độ cụm/);
    const em = await getJson(`${wu}/api/emerging?date=2025-08-01`);
    assert.equal(em.status, 501);
    assert.match(String(em.body.message), /chưa có ở chế độ cụm/);
    const stats = await getJson(`${wu}/api/stats`);
    assert.equal(stats.body.documents, 300);

    // And back: a new directory answers as the original.
    const d2 = join(dir, 'two');
    const exp = await tra(['cluster', 'export', '--pg', s.url, '--blob', blob, '--data', d2], {}, 60_000);
    assert.equal(exp.code, 0, exp.stderr);
    assert.equal(JSON.parse(exp.stdout.trim().split('\n').pop()!).written, 300);
    const exp2 = JSON.parse((await tra(['cluster', 'export', '--pg', s.url, '--blob', blob, '--data', d2], {}, 60_000)).stdout.trim().split('\n').pop()!);
    assert.deepEqual([exp2.written, exp2.unchanged], [0, 300], 'a second export writes nothing');
    for (const q of CLI_QUERIES) {
      const [a, b] = await Promise.all([tra(['search', '--data', d1, '--json', '--limit', '20', q], {}, 30_000), tra(['search', '--data', d2, '--json', '--limit', '20', q], {}, 30_000)]);
      same(JSON.parse(b.stdout), JSON.parse(a.stdout), `round trip: ${q}`);
    }
  } finally {
    await Promise.all(procs.map((p) => p.kill()));
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

const PARA = 'Giá vàng miếng trong nước sáng nay tăng mạnh khi nhà đầu tư đổ xô mua vào, trong lúc đồng đô la suy yếu trên thị trường thế giới.';

/** An article page: a clock line (not an edit) and a figure (an edit). */
function articlePage(name: string, clock: string, figure: string): string {
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>${name}: giá ${figure}</title>
<meta property="og:type" content="article"><meta property="og:site_name" content="Báo Thử">
<meta property="article:published_time" content="2025-08-01T08:00:00+07:00"></head>
<body><article><h1>${name}: giá ${figure}</h1><p>Cập nhật ${clock}</p><p>${PARA} Mỗi lượng ${figure}.</p><p>${PARA}</p><p>${PARA}</p></article></body></html>`;
}

/** One machine's versions of `url` in DIR, as Backend.versions gives them. */
function versionsIn(dir: string, url: string) {
  return (versionsOf(dir, url, { diff: false })?.versions ?? []).map((v) => ({ captured: v.captured, title: v.title, text: v.text }));
}

/** The CDXJ index of DIR without the file names and offsets (which differ between directories). */
function cdxj(dir: string): string[] {
  return readFileSync(join(dir, 'warc', 'index.cdxj'), 'utf8').trim().split('\n').map((l) => {
    const [key, ts, json] = [l.slice(0, l.indexOf(' ')), l.split(' ')[1], l.slice(l.indexOf('{'))];
    const { url, mime, status, digest, length } = JSON.parse(json) as Record<string, string>;
    return JSON.stringify([key, ts, url, mime, status, digest, length]);
  }).sort();
}

test('the archive into a cluster and back: every capture, its WARC records, every article\'s versions', { skip: PG_SKIP, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-move-archive-'));
  const s = await testSchema();
  let stage = 0;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const base = `http://${req.headers.host}`;
    if (path === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('User-agent: *\nAllow: /\n');
    } else if (path === '/rss.xml') {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      res.end(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Báo Thử</title>
<item><title>A</title><link>${base}/tin/a.html</link></item><item><title>B</title><link>${base}/tin/b.html</link></item></channel></rss>`);
    } else if (path === '/tin/a.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      // Visits: the text; a new clock only; a changed figure; the first figure back.
      res.end(articlePage('Tin A', ['08:15', '09:40', '11:05', '12:30'][stage], stage === 2 ? '92 triệu' : '89 triệu'));
    } else if (path === '/tin/b.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(articlePage('Tin B', '07:00', '50 triệu')); // never changes: revisit records
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const d1 = join(dir, 'one');
    for (stage = 0; stage < 4; stage++) {
      await crawlOnce({ dataDir: d1, sources: [`http://${host}/rss.xml`], delayMs: 0, allowPrivateAddresses: true, fsync: false, log: () => undefined });
    }
    // And a WARC file made elsewhere, uncompressed, imported: two versions of a third article.
    const urlC = 'https://bao-khac.vn/thoi-su/tin-c.html';
    const records = [0, 1].flatMap((i) => exchangeRecords({
      url: urlC, method: 'GET', requestHeaders: [['Host', 'bao-khac.vn']], httpVersion: '1.1', status: 200, statusText: 'OK',
      headers: [['Content-Type', 'text/html; charset=utf-8']], body: Buffer.from(articlePage('Tin C', '10:00', i ? '3 người' : '5 người')), started: Date.UTC(2025, 7, 2, 3, i),
    }));
    const raw = join(dir, 'khac.warc');
    writeFileSync(raw, Buffer.concat(await Promise.all(records.map((r) => WARCSerializer.serialize(r, { gzip: false })))));
    await importWarcFiles(d1, [raw], { onBad: (l) => assert.fail(l) });

    const urls = [`http://${host}/tin/a.html`, `http://${host}/tin/b.html`, urlC];
    const expected = urls.map((u) => versionsIn(d1, u));
    assert.deepEqual(expected.map((v) => v.length), [3, 1, 2], 'one machine: A edited twice (the clock is no edit), B never, C once');
    const db = new DatabaseSync(join(d1, 'archive.sqlite'), { readOnly: true });
    const captures = (db.prepare("SELECT count(*) AS n FROM captures WHERE type IN ('response', 'revisit', 'resource')").get() as { n: number }).n;
    const revisits = (db.prepare("SELECT count(*) AS n FROM captures WHERE type = 'revisit'").get() as { n: number }).n;
    db.close();
    assert.ok(revisits >= 3, `revisit records in the archive (${revisits})`);

    const blob = await new DirBlobStore(join(dir, 'blob')).open();
    const bad: string[] = [];
    const r1 = await importDataDir(s.pool, d1, undefined, { blob, onBad: (l) => bad.push(l) });
    assert.deepEqual([r1.captures, r1.captures_unchanged, r1.captures_skipped, bad], [captures, 0, 0, []]);
    const r2 = await importDataDir(s.pool, d1, undefined, { blob, onBad: (l) => bad.push(l) });
    assert.deepEqual([r2.written, r2.captures, r2.captures_unchanged], [0, 0, captures], 'a second import moves nothing');
    const inCluster = Number((await s.pool.query('SELECT count(*) AS n FROM captures')).rows[0].n);
    assert.equal(inCluster, captures);

    const versions = clusterVersions(s.pool, blob);
    for (let i = 0; i < urls.length; i++) assert.deepEqual(await versions(urls[i]), expected[i], `cluster: ${urls[i]}`);

    const d2 = join(dir, 'two');
    const e1 = await exportToDataDir(s.pool, d2, undefined, { blob, onBad: (l) => bad.push(l) });
    assert.deepEqual([e1.captures, e1.captures_unchanged, e1.captures_skipped, bad], [captures, 0, 0, []]);
    for (let i = 0; i < urls.length; i++) assert.deepEqual(versionsIn(d2, urls[i]), expected[i], `round trip: ${urls[i]}`);
    assert.deepEqual(cdxj(d2), cdxj(d1), 'the same records, with the same digests, in the CDXJ index');
    const e2 = await exportToDataDir(s.pool, d2, undefined, { blob, onBad: (l) => bad.push(l) });
    assert.deepEqual([e2.written, e2.captures, e2.captures_unchanged], [0, 0, captures], 'a second export moves nothing');
    for (let i = 0; i < urls.length; i++) assert.deepEqual(versionsIn(d2, urls[i]), expected[i], `after a second export: ${urls[i]}`);
    // The directory made from the cluster, imported again, adds nothing (other blobs, same captures).
    const back = await importDataDir(s.pool, d2, undefined, { blob, onBad: (l) => bad.push(l) });
    assert.deepEqual([back.written, back.captures, back.captures_unchanged, bad], [0, 0, captures, []]);
    // The documents came from the cluster: nothing left for a crawl to index over them.
    const db2 = new DatabaseSync(join(d2, 'archive.sqlite'), { readOnly: true });
    assert.equal((db2.prepare('SELECT count(*) AS n FROM articles WHERE indexed_version < latest_version').get() as { n: number }).n, 0);
    db2.close();
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
