/**
 * WARC files made elsewhere (issue #11, item 9): read record by record with the WARC framing as
 * the authority; a bad record is reported in one line and skipped, the rest of the file kept;
 * nothing from a library reaches stderr.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { readWarc, type ReadRecord, type ReadSummary } from '../../src/archive/warc.ts';
import { tra, lastJson, lines } from './run.ts';
import { bareRequest, gzipEach, id, page, record, response, warcinfo } from './warc.ts';

const FIXTURES = new URL('../fixtures/hostile/warcio/', import.meta.url);

async function readAll(file: string, decoded = true): Promise<{ records: ReadRecord[]; bad: string[]; summary: ReadSummary; stderr: string }> {
  const bad: string[] = [];
  const summary: ReadSummary = { problems: 0, truncated: false };
  const records: ReadRecord[] = [];
  // Anything a library prints would land here.
  let stderr = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  }) as typeof process.stderr.write;
  const log = console.log;
  console.log = (...a: unknown[]) => void (stderr += a.join(' '));
  try {
    for await (const r of readWarc(file, { decoded, onBad: (l) => bad.push(l) }, summary)) records.push(r);
  } finally {
    process.stderr.write = write;
    console.log = log;
  }
  return { records, bad, summary, stderr };
}

function tmp(name: string, bytes: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-hostile-warc-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

test('pywb-style request records whose HTTP head ends without the blank line: all 343 records are read, the file is imported whole', async () => {
  const recs = [warcinfo()];
  for (let i = 0; i < 171; i++) {
    const url = `https://iana.example.org/bai-${i}.html`;
    recs.push(response(url, page(`Bài ${i} về tên miền`, `<p>Đoạn văn của bài ${i} nói về việc quản lý tên miền và địa chỉ trên Internet, đủ dài để là một bài.</p>`.repeat(4))), bareRequest(url));
  }
  const file = tmp('iana-like.warc.gz', gzipEach(recs));
  const { records, bad, stderr } = await readAll(file);
  assert.equal(records.length, 343);
  assert.deepEqual(bad, []);
  assert.equal(stderr, '');
  const req = records[2];
  assert.equal(req.type, 'request');
  assert.deepEqual(req.httpHeaders.map(([k]) => k), ['Host', 'User-Agent']);
  assert.equal(req.payload.length, 0);
  assert.match(Buffer.from(records[1].payload).toString('utf8'), /<title>Bài 0 về tên miền<\/title>/);
  const r = await tra(['import-warc', '--data', path.join(path.dirname(file), 'data'), file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(lastJson(r.stdout), { records: 343, articles: 171 });
});

test('one bad record among 343 (a corrupt gzip member, junk between records, a record without Content-Length) costs that record only, in one line each', async () => {
  const recs = [warcinfo()];
  for (let i = 0; i < 342; i++) recs.push(response(`https://bao.example.vn/${i}.html`, page(`Tin ${i}`, `<p>Nội dung ${i}.</p>`)));
  const members = recs.map((r) => gzipSync(r));
  // Member 100 (the page 99.html): its deflate data overwritten (header kept, so it looks like gzip).
  const victim = Buffer.from(members[100]);
  for (let i = 12; i < victim.length - 8; i++) victim[i] = (i * 7919) & 0xff;
  const offset100 = members.slice(0, 100).reduce((n, m) => n + m.length, 0);
  const file = tmp('mot-hong.warc.gz', Buffer.concat([...members.slice(0, 100), victim, ...members.slice(101)]));
  const { records, bad } = await readAll(file);
  assert.equal(records.length, 342);
  assert.equal(bad.length, 1, bad.join('\n'));
  assert.match(bad[0], new RegExp(`mot-hong\\.warc\\.gz: .*byte ${offset100}`));
  const urls = new Set(records.map((r) => r.url));
  assert.ok(urls.has('https://bao.example.vn/98.html') && !urls.has('https://bao.example.vn/99.html') && urls.has('https://bao.example.vn/100.html'));

  // Uncompressed: junk before record 10, and record 20 without Content-Length.
  const raw = recs.slice(0, 30).map((r, i) => (i === 20 ? Buffer.from(r.toString('latin1').replace(/Content-Length: \d+\r\n/, ''), 'latin1') : r));
  raw.splice(10, 0, Buffer.from('rác rác rác\r\n'));
  const file2 = tmp('rac.warc', Buffer.concat(raw));
  const got = await readAll(file2);
  assert.equal(got.records.length, 29, got.bad.join('\n'));
  assert.equal(got.bad.length, 2, got.bad.join('\n'));
  assert.match(got.bad[0], /rac\.warc: byte \d+: \d+ byte không phải bản ghi WARC/);
  assert.match(got.bad[1], /rac\.warc: byte \d+: bản ghi WARC không có Content-Length hợp lệ \(thiếu\)/);
});

test('WARC/0.17 records with folded header lines are read, values unfolded', async () => {
  const html = page('Bài cũ năm 2008', '<p>Một trang lưu từ thời WARC 0.17, với nội dung tiếng Việt có dấu.</p>'.repeat(3));
  const http = `HTTP/1.1 200 OK\r\nContent-Type: text/html;\r\n charset=utf-8\r\n\r\n${html}`;
  const rec = record([['WARC-Type', 'response'], ['WARC-Record-ID', id()], ['WARC-Date', '2008-04-30T20:48:25Z'], ['WARC-Target-URI', 'http://cu.example.vn/bai.html'],
    ['Content-Type', 'application/http;\r\n\tmsgtype=response'], ['X-Note', 'một dòng\r\n  gập đôi']], http, 'WARC/0.17');
  const file = tmp('cu.warc', Buffer.concat([warcinfo(), rec]));
  const { records, bad } = await readAll(file);
  assert.deepEqual(bad, []);
  assert.equal(records[1].version, 'WARC/0.17');
  assert.deepEqual(records[1].warcHeaders.find(([k]) => k === 'Content-Type'), ['Content-Type', 'application/http; msgtype=response']);
  assert.deepEqual(records[1].warcHeaders.find(([k]) => k === 'X-Note'), ['X-Note', 'một dòng gập đôi']);
  assert.deepEqual(records[1].httpHeaders, [['Content-Type', 'text/html; charset=utf-8']]);
  assert.equal(records[1].status, 200);
  assert.equal(Buffer.from(records[1].payload).toString('utf8'), html);
});

test('warcio\'s sample files: every record, the broken ones reported, nothing printed by a library', async () => {
  const at = (f: string): string => new URL(f, FIXTURES).pathname;
  const ex = await readAll(at('example.warc.gz'));
  assert.deepEqual(ex.records.map((r) => r.type), ['warcinfo', 'warcinfo', 'response', 'request', 'revisit', 'request']);
  assert.match(Buffer.from(ex.records[2].payload).toString('utf8'), /<title>Example Domain<\/title>/, 'content-encoding gzip undone');
  assert.deepEqual(ex.records.map((r) => r.offset), [0, 353, 784, 2012, 2621, 3207], 'offsets of the gzip members');
  assert.deepEqual(ex.bad, []);

  // Gzip members that split records: warcio.js returned 1 record of 2 and said nothing.
  const wc = await readAll(at('example-wrong-chunks.warc.gz'));
  assert.deepEqual(wc.records.map((r) => r.type), ['response', 'request']);
  assert.equal(wc.records[0].payload.length, 1270);
  assert.deepEqual(wc.bad, []);

  // A Content-Length 6 bytes short: the record as framed, the 6 stray bytes reported.
  const tr = await readAll(at('example-trunc.warc'));
  assert.deepEqual(tr.records.map((r) => r.type), ['warcinfo', 'warcinfo', 'response', 'request']);
  assert.equal(tr.bad.length, 1);
  assert.match(tr.bad[0], /example-trunc\.warc: byte 2560: 6 byte không phải bản ghi WARC/);

  const ch = await readAll(at('example-iana.org-chunked.warc'));
  assert.equal(ch.records[1].type, 'response');
  assert.match(Buffer.from(ch.records[1].payload).toString('utf8').trimEnd(), /<\/html>$/, 'chunked transfer-encoding undone');
  const asStored = await readAll(at('example-iana.org-chunked.warc'), false);
  assert.ok(asStored.records[1].payload.length > ch.records[1].payload.length, 'without decoding, the chunk framing stays');
  for (const r of [ex, wc, tr, ch]) assert.equal(r.stderr, '');
});

test('a truncated .warc.gz keeps every whole record, says where it was cut, and the import exits non-zero with its summary', async () => {
  const recs = [warcinfo()];
  for (let i = 0; i < 40; i++) recs.push(response(`https://bao.example.vn/cut-${i}.html`, page(`Tin cắt ${i}`, `<p>${'Nội dung đầy đủ của một bài báo dài. '.repeat(20)}</p>`)));
  const whole = gzipEach(recs);
  const file = tmp('cut.warc.gz', whole.subarray(0, whole.length - 300));
  const { records, bad, summary } = await readAll(file);
  assert.equal(records.length, 40);
  assert.ok(summary.truncated);
  assert.equal(bad.length, 1, bad.join('\n'));
  assert.match(bad[0], /cut\.warc\.gz: .*bị cụt/);
  const r = await tra(['import-warc', '--data', path.join(path.dirname(file), 'data'), file]);
  assert.equal(r.code, 1);
  const err = lines(r.stderr);
  assert.equal(err.length, 2, r.stderr);
  assert.match(err[0], /^tra: .*cut\.warc\.gz: .*bị cụt/);
  assert.match(err[1], /^tra: .*cut\.warc\.gz: tệp bị cụt, đã giữ các bản ghi đọc được/);
  assert.deepEqual(lastJson(r.stdout), { records: 40, articles: 39, problems: 1 });
});

test('a page with bytes invalid in its declared charset is imported and counted, not replaced silently', async () => {
  const html = Buffer.from(page('Giá vàng hôm nay', `<p>${'Giá vàng tăng mạnh trong phiên sáng nay. '.repeat(12)}</p>`).replace('tăng mạnh', 'tăng \u0001mạnh'), 'utf8');
  const bad = Buffer.from(html);
  bad[bad.indexOf(1)] = 0xff; // one byte that is not UTF-8
  const http = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${bad.length}\r\n\r\n`), bad]);
  const rec = record([['WARC-Type', 'response'], ['WARC-Record-ID', id()], ['WARC-Date', '2025-05-03T00:00:00Z'], ['WARC-Target-URI', 'https://bao.example.vn/gia-vang.html'], ['Content-Type', 'application/http; msgtype=response']], http);
  const file = tmp('utf8.warc.gz', gzipEach([warcinfo(), rec]));
  const r = await tra(['import-warc', '--data', path.join(path.dirname(file), 'data'), file]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lastJson(r.stdout), { records: 2, articles: 1, replaced_text: 1 });
  assert.match(r.stderr, /^tra: 1 trang có byte không hợp lệ trong bảng mã của nó \(đã thay bằng U\+FFFD\)\n$/);
});

test('tra import-warc of a 2.2 MB page nested 200,000 deep finishes in bounded time (before: never)', async () => {
  const html = `<!doctype html><html lang="vi"><head><title>Trang lồng sâu</title></head><body>${'<div>'.repeat(200_000)}<p>${'Nội dung thật của trang nằm ở tầng sâu nhất. '.repeat(10)}</p>${'</div>'.repeat(200_000)}</body></html>`;
  const file = tmp('sau.warc.gz', gzipEach([warcinfo(), response('https://bao.example.vn/sau.html', html)]));
  const r = await tra(['import-warc', '--data', path.join(path.dirname(file), 'data'), file]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lastJson(r.stdout), { records: 2, articles: 1, plain_extracted: 1 });
  assert.ok(r.ms < 15_000, `${Math.round(r.ms)} ms`);
  assert.ok(r.peakMb < 400, `peak ${Math.round(r.peakMb)} MB`);
  const s = await tra(['search', '--data', path.join(path.dirname(file), 'data'), '--json', 'tầng sâu nhất']);
  assert.equal((JSON.parse(s.stdout) as { hits: Array<{ url: string }> }).hits[0]?.url, 'https://bao.example.vn/sau.html');
});
