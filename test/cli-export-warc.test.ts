/**
 * `tra export --format warc` of documents indexed from JSON Lines (never crawled): each becomes a
 * `resource` record built from the stored document plus a `metadata` record with the document
 * itself, and `tra import-warc` reads the export back into another data directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readWarc } from '../src/archive/warc.ts';

const TRA = path.resolve(import.meta.dirname, '..', 'bin', 'tra.js');
const tra = (...args: string[]) => spawnSync(process.execPath, [TRA, ...args], { encoding: 'utf8', env: { ...process.env, TRA_PROGRESS: '0' } });

const DOCS = [
  {
    id: 'vne-1', title: 'Giá vàng lập đỉnh mới <script>', summary: 'Vàng miếng vượt 130 triệu đồng.', text: 'Sáng nay giá vàng tăng.\n\nNhiều người xếp hàng mua.',
    url: 'https://vnexpress.net/gia-vang-lap-dinh-4901.html', published: '2025-10-01T09:00:00+07:00', source: 'VnExpress', category: 'Kinh doanh', tags: ['vàng'],
  },
  { id: 'ghi-chu-2', title: 'Giá vàng trong ghi chép riêng', text: 'Không có địa chỉ gốc.' },
];

test('tra export --format warc writes resource records for documents that were never captured, and they import back', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-export-'));
  try {
    const file = path.join(dir, 'docs.jsonl');
    fs.writeFileSync(file, DOCS.map((d) => JSON.stringify(d)).join('\n') + '\n');
    assert.equal(tra('index', '--data', path.join(dir, 'a'), file).status, 0);
    const out = path.join(dir, 'xuat.warc.gz');
    const e = tra('export', '--data', path.join(dir, 'a'), '--format', 'warc', '--out', out, 'giá vàng');
    assert.equal(e.status, 0, e.stderr);
    assert.match(e.stderr, /đã xuất 2 kết quả, 4 bản ghi WARC \(2 tài liệu chưa từng được thu thập/);
    assert.ok(fs.statSync(out).size > 1000, 'not an empty archive holding only its warcinfo');

    const recs: Array<{ type: string; url?: string; body: string; headers: Array<[string, string]> }> = [];
    for await (const r of readWarc(out)) recs.push({ type: r.type, url: r.url, body: Buffer.from(r.payload ?? []).toString('utf8'), headers: r.warcHeaders });
    assert.deepEqual(recs.map((r) => r.type), ['warcinfo', 'resource', 'metadata', 'resource', 'metadata']);
    const page = recs.find((r) => r.type === 'resource' && r.url === DOCS[0].url)!;
    assert.ok(page, recs.map((r) => r.url).join(' '));
    assert.match(page.body, /<title>Giá vàng lập đỉnh mới &lt;script&gt;<\/title>/);
    assert.ok(!page.body.includes('<script>'), 'a title cannot open markup');
    const meta = JSON.parse(recs[recs.indexOf(page) + 1].body);
    assert.deepEqual(meta.tags, ['vàng'], 'the metadata record keeps every stored field');
    assert.ok(recs.some((r) => r.url === 'urn:tra:doc:ghi-chu-2'), 'a document without a link gets a urn');

    const imp = tra('import-warc', '--data', path.join(dir, 'b'), out);
    assert.equal(imp.status, 0, imp.stderr);
    const s = JSON.parse(tra('search', '--data', path.join(dir, 'b'), '--json', 'giá vàng').stdout) as { hits: Array<Record<string, string>> };
    assert.equal(s.hits.length, 1, 'the http(s) document is read back; the urn one has no address to archive');
    assert.equal(s.hits[0].url, DOCS[0].url);
    assert.equal(s.hits[0].title, DOCS[0].title);
    assert.equal(s.hits[0].source, 'VnExpress');
    assert.equal(Date.parse(s.hits[0].published), Date.parse(DOCS[0].published!));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
