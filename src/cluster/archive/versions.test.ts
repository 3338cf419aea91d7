// Archived versions in cluster mode equal one machine's for the same WARC records: a fetcher
// (in this process, against a loopback site whose article changes between visits) writes the
// captures and their blobs as it always does; the same blobs, put in a WARC file and read by
// `tra import-warc`'s code into a data directory, give one machine's `versionsOf`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PG_SKIP, testSchema } from '../../../test/cluster/pg.ts';
import { DirBlobStore } from '../blob/dir.ts';
import type { BlobStore } from '../blob/store.ts';
import { Fetcher } from '../fetcher/fetcher.ts';
import { addSources } from '../frontier/sources.ts';
import { importWarcFiles } from '../../archive/import.ts';
import { versionsOf } from '../../archive/index.ts';
import { clusterVersions } from './versions.ts';
import { exportToDataDir } from '../move/move.ts';

const PARA = 'Giá vàng miếng trong nước sáng nay tăng mạnh khi nhà đầu tư đổ xô mua vào, trong lúc đồng đô la suy yếu trên thị trường thế giới.';

/** The article as the site serves it at each visit: a clock line that changes, and real edits. */
function page(stage: number): string {
  const clock = ['08:15', '09:40', '09:40', '11:05', '12:30'][stage];
  const figure = stage === 3 ? '92 triệu đồng' : '89 triệu đồng';
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Giá vàng lên ${figure}</title>
<meta property="og:type" content="article"><meta property="og:site_name" content="Báo Thử">
<meta property="article:published_time" content="2025-08-01T08:00:00+07:00"></head>
<body><article><h1>Giá vàng lên ${figure}</h1><p>Cập nhật ${clock}</p><p>${PARA} Mỗi lượng giá ${figure}.</p><p>${PARA}</p><p>${PARA}</p></article></body></html>`;
}

/** A blob store that counts reads. */
function counting(store: BlobStore): BlobStore & { gets: number } {
  const c = Object.create(store) as BlobStore & { gets: number };
  c.gets = 0;
  c.get = (key, max) => {
    c.gets++;
    return store.get(key, max);
  };
  return c;
}

test('versions from captures and WARC blobs equal one machine\'s for the same records', { skip: PG_SKIP, timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-cluster-versions-'));
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
<item><title>Giá vàng</title><link>${base}/tin/gia-vang.html</link></item><item><title>Cũ</title><link>${base}/cu/gia-vang.html</link></item></channel></rss>`);
    } else if (path === '/cu/gia-vang.html') {
      res.writeHead(301, { location: '/tin/gia-vang.html', 'content-type': 'text/plain' });
      res.end('đã chuyển');
    } else if (path === '/tin/gia-vang.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(stage));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  const url = `http://${host}/tin/gia-vang.html`;
  const ac = new AbortController();
  const blob = await new DirBlobStore(join(dir, 'blob')).open();
  let fetching: Promise<void> | undefined;
  try {
    await addSources(s.pool, [`http://${host}/rss.xml`]);
    const said: string[] = [];
    const fetcher = new Fetcher({ pool: s.pool, blob, allowPrivateAddresses: true, delayMs: 0, hosts: 1, idleMs: 30, feedIntervalMs: 3_600_000, signal: ac.signal, log: (l) => said.push(l) });
    fetching = fetcher.run();
    const captures = async () => Number((await s.pool.query('SELECT count(*) AS n FROM captures WHERE url = $1', [url])).rows[0].n);
    const until = async (what: string, ok: () => Promise<boolean>) => {
      const end = Date.now() + 30_000;
      while (!(await ok())) {
        if (Date.now() > end) throw new Error(`timed out: ${what}; the fetcher said: ${said.join(' | ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    // Five visits: v1; a changed clock (a new payload, not a new version); the same bytes again (a
    // revisit record); a changed figure (a version); the first text back with another clock (a version).
    for (stage = 0; stage < 5; stage++) {
      if (stage > 0) {
        await s.pool.query('UPDATE urls SET next_fetch_at = now() WHERE url = $1', [url]);
        await s.pool.query('UPDATE hosts SET next_allowed_at = now() WHERE host = $1', [host]);
      }
      await until(`visit ${stage + 1}`, async () => (await captures()) === stage + 1);
    }
    await until('the redirect captured', async () => Number((await s.pool.query("SELECT count(*) AS n FROM captures WHERE url LIKE '%/cu/%'")).rows[0].n) === 1);
    ac.abort();
    await fetching;

    // One machine: the same records, in capture order, imported from a WARC file.
    const { rows } = await s.pool.query<{ blob_key: string }>('SELECT blob_key FROM captures ORDER BY captured_at, id');
    const file = join(dir, 'same.warc.gz');
    writeFileSync(file, Buffer.concat(await Promise.all(rows.map(async (r) => (await blob.get(r.blob_key))!))));
    const one = join(dir, 'one');
    await importWarcFiles(one, [file], { sink: null, onBad: (l) => assert.fail(l) });
    const expected = (versionsOf(one, url, { diff: false })?.versions ?? []).map((v) => ({ captured: v.captured, title: v.title, text: v.text }));
    assert.equal(expected.length, 3, 'one machine: three versions (the clock and the revisit are not versions)');
    assert.match(expected[1].title, /92 triệu/);

    const reads = counting(blob);
    const versions = clusterVersions(s.pool, reads);
    assert.deepEqual(await versions(url), expected);
    assert.equal(reads.gets, 5, 'one read per capture');
    // Any form of the address finds the article, as on one machine (its canonical key).
    for (const form of [`https://${host}/tin/gia-vang.htm`, `${url}?utm_source=zalo`]) {
      assert.deepEqual(await versions(form), expected, form);
      assert.deepEqual((versionsOf(one, form, { diff: false })?.versions ?? []).map((v) => ({ captured: v.captured, title: v.title, text: v.text })), expected, `one machine: ${form}`);
    }
    assert.equal(reads.gets, 5, 'a second view reads nothing (the cache)');
    // An address that only redirected leads to the article (one machine's crawler keeps it as an alias).
    assert.deepEqual(await versions(`http://${host}/cu/gia-vang.html`), expected);
    assert.deepEqual(await versions(`http://${host}/khong-co.html`), []);
    assert.deepEqual(await versions('không phải địa chỉ'), []);

    // tra cluster export makes a directory that answers the same (its own WARC files, imported).
    const exported = join(dir, 'exported');
    const moved = await exportToDataDir(s.pool, exported, undefined, { blob, onBad: (l) => assert.fail(l) });
    assert.equal(moved.captures, rows.length);
    assert.deepEqual(versionsOf(exported, url, { diff: false })?.versions.map((v) => ({ captured: v.captured, title: v.title, text: v.text })), expected);

    // Records over the size limit are skipped, as the archive's reader skips them, and said.
    const big: string[] = [];
    assert.deepEqual(await clusterVersions(s.pool, blob, { maxBlobBytes: 100, log: (l) => big.push(l) })(url), []);
    assert.equal(big.length, 5);
    assert.match(big[0], /lớn hơn 100 byte/);

    // A capture whose blob is gone: said once, the other versions still shown.
    const lines: string[] = [];
    const { rows: [v2] } = await s.pool.query<{ blob_key: string }>('SELECT blob_key FROM captures WHERE url = $1 ORDER BY captured_at OFFSET 3 LIMIT 1', [url]);
    await blob.delete(v2.blob_key);
    const fresh = clusterVersions(s.pool, blob, { log: (l) => lines.push(l) });
    assert.deepEqual(await fresh(url), [expected[0]], 'without the edited capture the text never changed');
    assert.equal(lines.length, 1);
    assert.match(lines[0], /thiếu blob/);
  } finally {
    ac.abort();
    await fetching?.catch(() => undefined);
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
