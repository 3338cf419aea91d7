/**
 * A hostile feed against the crawler, on loopback: its items point at an "internal admin"
 * service (directly, in numeric spellings, and through a redirect from the outlet itself). The
 * outlet is a source the operator named, so it is crawled; the internal service is not, so not a
 * byte goes to it, nothing from it is indexed, and each refusal is one line. With
 * --allow-private-addresses (the operator's choice) the same run does reach it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { crawlOnce } from '../../src/archive/crawler.ts';
import { openArchiveDb } from '../../src/archive/db.ts';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'tra.js');

let internal: Server;
let outlet: Server;
let internalPort = 0;
let base = '';
const internalHits: string[] = [];
const dirs: string[] = [];

function listen(s: Server): Promise<number> {
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>${title}</title></head><body><article><h1>${title}</h1>${body}</article></body></html>`;
}

before(async () => {
  internal = createServer((req, res) => {
    internalHits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page('Báo cáo mật', '<p>Mật khẩu quản trị: hunter2. Báo cáo nội bộ chỉ dành cho nhân viên, không được công bố ra ngoài dưới bất kỳ hình thức nào.</p>'.repeat(3)));
  });
  internalPort = await listen(internal);
  const secret = `http://127.0.0.1:${internalPort}/internal/admin/secret-report`;
  outlet = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/robots.txt') return res.writeHead(404).end();
    if (url === '/rss.xml') {
      const items = [`${base}/bai/1.html`, `${base}/r/1`, `http://0x7f000001:${internalPort}/internal/admin/a`, `http://2130706433:${internalPort}/internal/admin/b`, `http://0177.0.0.1:${internalPort}/internal/admin/c`, `http://127.1:${internalPort}/internal/admin/d`, `http://[::ffff:127.0.0.1]:${internalPort}/internal/admin/e`];
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      return res.end(`<?xml version="1.0"?><rss version="2.0"><channel><title>Tin</title>${items.map((u, i) => `<item><title>Tin ${i}</title><link>${u.replace(/&/g, '&amp;')}</link></item>`).join('')}</channel></rss>`);
    }
    if (url === '/r/1') return res.writeHead(302, { location: secret }).end();
    if (url === '/bai/1.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page('Giá lúa tăng', '<p>Giá lúa tại Đồng bằng sông Cửu Long tăng mạnh trong tuần này do nhu cầu xuất khẩu tăng cao và nguồn cung giảm.</p>'.repeat(3)));
    }
    res.writeHead(404).end();
  });
  base = `http://127.0.0.1:${await listen(outlet)}`;
});

after(async () => {
  for (const s of [internal, outlet]) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'tra-ssrf-'));
  dirs.push(d);
  return d;
}

test('feed items and redirects into internal addresses are refused, one line each, nothing indexed from them', async () => {
  const dir = tempDir();
  const notices: string[] = [];
  const t0 = performance.now();
  const r = await crawlOnce({ dataDir: dir, sources: [`${base}/rss.xml`], delayMs: 0, sink: null, fsync: false, notice: (l) => notices.push(l) });
  const ms = performance.now() - t0;
  assert.deepEqual(internalHits, [], 'the internal service received nothing');
  assert.ok(ms < 10_000, `run took ${ms} ms`);
  const db = openArchiveDb(dir);
  try {
    const titles = (db.prepare('SELECT title FROM versions').all() as Array<{ title: string }>).map((v) => v.title);
    assert.deepEqual(titles, ['Giá lúa tăng'], 'only the real article');
    const failed = db.prepare("SELECT url, error FROM urls WHERE state = 'failed' ORDER BY url").all() as Array<{ url: string; error: string }>;
    // The redirect target and the five spellings (which the URL parser writes as 127.0.0.1).
    assert.ok(failed.some((f) => f.url.endsWith('/internal/admin/secret-report')), JSON.stringify(failed));
    assert.ok(failed.length >= 2 && failed.every((f) => /bị chặn/.test(f.error)), JSON.stringify(failed));
  } finally {
    db.close();
  }
  assert.ok(r.errors >= 2);
  assert.ok(notices.length >= 2 && notices.every((l) => !l.includes('\n') && /bị chặn/.test(l) && /127\.0\.0\.1|::ffff:/.test(l)), notices.join('\n'));
});

test('tra crawl says so on stderr without --verbose; --allow-private-addresses reaches the internal service', async () => {
  const run = (args: string[]): Promise<{ stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => execFile(process.execPath, [BIN, ...args], { env: { ...process.env, TRA_PROGRESS: '0' }, timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve({ stdout, stderr }))));
  const strict = await run(['crawl', '--data', tempDir(), '--once', '--no-index', '--delay-ms', '0', '--source', `${base}/rss.xml`]);
  assert.deepEqual(internalHits, []);
  const lines = strict.stderr.split('\n').filter((l) => /bị chặn/.test(l));
  assert.ok(lines.length >= 2 && lines.every((l) => l.startsWith('tra: ')), strict.stderr);
  assert.equal(JSON.parse(strict.stdout).articles, 1);

  const open = await run(['crawl', '--data', tempDir(), '--once', '--no-index', '--delay-ms', '0', '--allow-private-addresses', '--source', `${base}/rss.xml`]);
  const reached: string[] = internalHits.slice();
  assert.ok(reached.includes('/internal/admin/secret-report'), 'with the option the redirect is followed');
  assert.ok(JSON.parse(open.stdout).articles > 1);
});
