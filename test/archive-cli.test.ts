/**
 * The archive commands as outside evaluations call them (../shared/CONTRACT.md): `tra crawl
 * --once`, `tra search` right after, `tra versions --json`, `tra import-warc` of a WARC written
 * elsewhere (uncompressed, chunked body as wget stores it), `tra export`, `tra sources`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WARCRecord, WARCSerializer } from 'warcio';
import { startSite, articlePage, type Site } from './fixtures/site/server.ts';
import { A1, EDITED, LEGACY } from './fixtures/site/articles.ts';

const TRA = fileURLToPath(new URL('../bin/tra.js', import.meta.url));

function tra(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TRA, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRA_PROGRESS: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
const lastJson = (s: string): Record<string, unknown> => JSON.parse(s.trim().split('\n').pop()!);

let site: Site;
let dir: string;
before(async () => {
  site = await startSite({ crawlDelaySeconds: 0.01, slowMs: 20 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-cli-'));
});
after(async () => {
  await site.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('tra crawl --once → tra search → tra versions (contract shapes)', async () => {
  const c = await tra('crawl', '--data', dir, '--once', '--source', `${site.main}/rss/tin-moi.rss`, '--source', `${site.main}/sitemap.xml`, '--delay-ms', '5');
  assert.equal(c.code, 0, c.stderr);
  const r = lastJson(c.stdout);
  assert.equal(typeof r.fetched, 'number');
  assert.equal(r.articles, 8);
  assert.equal(r.errors, 0);
  assert.ok(fs.readdirSync(path.join(dir, 'warc')).some((f) => f.endsWith('.warc.gz')));

  const s = await tra('search', '--data', dir, '--json', 'bão số 9');
  assert.equal(s.code, 0, s.stderr);
  const hits = (JSON.parse(s.stdout) as { hits: Array<{ title: string; url: string }> }).hits;
  assert.equal(hits[0].title, EDITED.title);

  site.state.crawl = 2;
  const c2 = await tra('crawl', '--data', dir, '--once', '--source', `${site.main}/rss/tin-moi.rss`, '--delay-ms', '5');
  assert.equal(lastJson(c2.stdout).new_versions, 1);
  const v = await tra('versions', '--data', dir, '--json', `${site.main}${EDITED.path}`);
  assert.equal(v.code, 0, v.stderr);
  const vj = JSON.parse(v.stdout) as { url: string; versions: Array<{ captured: string; title: string; text: string }> };
  assert.equal(vj.url, `${site.main}${EDITED.path}`);
  assert.equal(vj.versions.length, 2);
  assert.ok(vj.versions[0].captured < vj.versions[1].captured);
  assert.ok(!Number.isNaN(Date.parse(vj.versions[0].captured)));
  assert.ok(vj.versions[0].text.includes('3.200 hộ dân') && vj.versions[1].text.includes('5.400 hộ dân'));
  const noArchive = await tra('versions', '--data', path.join(dir, 'khong-co'), '--json', 'https://x.vn/a');
  assert.notEqual(noArchive.code, 0);
  assert.match(noArchive.stderr, /^tra: .*archive\.sqlite.*\n$/);
});

test('tra import-warc: a WARC from elsewhere (uncompressed, chunked payload, a revisit, a non-HTML record)', async () => {
  const warc = path.join(dir, 'ngoai.warc');
  const html = articlePage(A1, 'https://bao-khac.example.vn').replaceAll(A1.title, 'Bài từ nơi khác về đường vành đai');
  const bytes = Buffer.from(html, 'utf8');
  const chunked = Buffer.concat([Buffer.from(bytes.length.toString(16) + '\r\n'), bytes, Buffer.from('\r\n0\r\n\r\n')]);
  async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
    yield b;
  }
  const recs = [
    WARCRecord.createWARCInfo({ filename: 'ngoai.warc', warcVersion: 'WARC/1.0' }, { software: 'Wget/1.21' }),
    WARCRecord.create({ url: 'https://bao-khac.example.vn/thoi-su/vanh-dai-1.html', type: 'response', warcVersion: 'WARC/1.0', date: '2025-03-01T02:03:04Z',
      httpHeaders: { 'Content-Type': 'text/html; charset=UTF-8', 'Transfer-Encoding': 'chunked' } }, once(chunked)),
    WARCRecord.create({ url: 'https://bao-khac.example.vn/anh.jpg', type: 'response', warcVersion: 'WARC/1.0', httpHeaders: { 'Content-Type': 'image/jpeg' } }, once(new Uint8Array([0xff, 0xd8, 0xff]))),
    WARCRecord.create({ url: 'https://bao-khac.example.vn/thoi-su/vanh-dai-1.html', type: 'revisit', warcVersion: 'WARC/1.0', httpHeaders: { 'Content-Type': 'text/html' } }),
  ];
  fs.writeFileSync(warc, Buffer.concat(await Promise.all(recs.map(async (r) => Buffer.from(await WARCSerializer.serialize(r, { gzip: false }))))));
  const r = await tra('import-warc', '--data', dir, warc);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lastJson(r.stdout), { records: 4, articles: 1 });
  const s = await tra('search', '--data', dir, '--json', 'bài từ nơi khác');
  assert.equal((JSON.parse(s.stdout) as { hits: Array<{ title: string; url: string }> }).hits[0].url, 'https://bao-khac.example.vn/thoi-su/vanh-dai-1.html');
  const v = JSON.parse((await tra('versions', '--data', dir, '--json', 'https://bao-khac.example.vn/thoi-su/vanh-dai-1.html')).stdout);
  assert.equal(v.versions[0].captured, '2025-03-01T02:03:04.000Z', 'dated by WARC-Date');
  const again = await tra('import-warc', '--data', dir, warc);
  assert.deepEqual(lastJson(again.stdout), { records: 0, articles: 0 }, 'the same file is not imported twice');
  const bad = path.join(dir, 'hong.warc');
  fs.writeFileSync(bad, 'đây không phải WARC\n');
  const b = await tra('import-warc', '--data', dir, bad);
  assert.notEqual(b.code, 0);
  assert.match(b.stderr, /^tra: .*hong\.warc.*\n$/);
});

test('tra export: jsonl with versions, csv, and a WARC of the original captures', async () => {
  const j = await tra('export', '--data', dir, '--format', 'jsonl', 'ca trù');
  assert.equal(j.code, 0, j.stderr);
  const first = JSON.parse(j.stdout.split('\n')[0]);
  assert.equal(first.title, LEGACY.title);
  assert.equal(first.versions.length, 1);
  const out = path.join(dir, 'xuat.warc.gz');
  const w = await tra('export', '--data', dir, '--format', 'warc', '--out', out, 'bão số 9');
  assert.equal(w.code, 0, w.stderr);
  const { readWarc } = await import('../src/archive/warc.ts');
  const types: string[] = [];
  for await (const r of readWarc(out)) types.push(`${r.type}${r.url ? ' ' + r.url : ''}`);
  assert.equal(types[0], 'warcinfo');
  assert.ok(types.filter((t) => t === `response ${site.main}${EDITED.path}`).length === 2, types.join('\n'));
});

test('tra sources: defaults seeded, add and remove', async () => {
  const d = path.join(dir, 'nguon');
  const l = await tra('sources', 'list', '--data', d, '--json');
  const list = JSON.parse(l.stdout).sources as Array<{ url: string; name: string }>;
  assert.ok(list.some((s) => s.name === 'VnExpress') && list.some((s) => s.name === 'Tuổi Trẻ'));
  assert.equal((await tra('sources', 'add', '--data', d, '--name', 'Báo Tin Nhanh', `${site.main}/rss/tin-moi.rss`)).code, 0);
  assert.equal((await tra('sources', 'remove', '--data', d, `${site.main}/rss/tin-moi.rss`)).code, 0);
  const bad = await tra('sources', 'remove', '--data', d, 'https://khong-co.vn/rss');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /^tra: /);
});
