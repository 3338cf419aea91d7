/**
 * Gzip bombs in WARC files (issue #11, item 6): before, warcio's readFully held a record whole,
 * and a 1 MB file inflating to 1 GiB took `tra import-warc` to 3.8 GB. Now a record over
 * MAX_RECORD_BYTES is reported and skipped without being held, and memory stays flat.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { readWarc, type ReadRecord } from '../../src/archive/warc.ts';
import { MAX_RECORD_BYTES } from '../../src/archive/warc-reader.ts';
import { tra, lastJson, lines } from './run.ts';
import { bombMember, id, page, record, response, warcinfo } from './warc.ts';

const MiB = 1 << 20;

function bombHead(url: string, mib: number): Buffer {
  const http = `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${mib * MiB}\r\n\r\n`;
  const fields = ['WARC/1.1', 'WARC-Type: response', `WARC-Record-ID: ${id()}`, 'WARC-Date: 2025-05-02T00:00:00Z', `WARC-Target-URI: ${url}`,
    'Content-Type: application/http; msgtype=response', `Content-Length: ${http.length + mib * MiB}`, '', ''].join('\r\n');
  return Buffer.from(fields + http);
}

const good = (): Buffer => response('https://bao.example.vn/sau-bom.html', page('Bài sau quả bom', `<p>${'Bài này vẫn được đọc sau bản ghi khổng lồ. '.repeat(20)}</p>`));

async function readMeasured(file: string): Promise<{ records: ReadRecord[]; bad: string[]; ms: number; rssGrowthMb: number }> {
  const bad: string[] = [];
  const records: ReadRecord[] = [];
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const t0 = performance.now();
  for await (const r of readWarc(file, { decoded: true, onBad: (l) => bad.push(l) })) {
    records.push(r);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  return { records, bad, ms: performance.now() - t0, rssGrowthMb: (peak - rss0) / MiB };
}

function tmp(name: string, bytes: Buffer): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tra-hostile-bomb-')), name);
  fs.writeFileSync(file, bytes);
  return file;
}

test('a 1 MB → 1 GiB record in its own gzip member is skipped without being inflated; the record after it is kept (reader and tra import-warc)', async () => {
  const bomb = bombMember(bombHead('https://bao.example.vn/bom.html', 1024), 1024, Buffer.from('\r\n\r\n'));
  assert.ok(bomb.length < 1.5 * MiB, `${bomb.length} bytes`);
  const file = tmp('bom.warc.gz', Buffer.concat([gzipSync(warcinfo()), bomb, gzipSync(good())]));
  const { records, bad, ms, rssGrowthMb } = await readMeasured(file);
  assert.deepEqual(records.map((r) => r.type), ['warcinfo', 'response', 'response']);
  assert.match(records[1].skipped ?? '', new RegExp(`^khối 10737418\\d\\d byte vượt giới hạn ${MAX_RECORD_BYTES} byte$`));
  assert.equal(records[1].payload.length, 0);
  assert.equal(records[2].url, 'https://bao.example.vn/sau-bom.html');
  assert.equal(bad.length, 1);
  assert.match(bad[0], /bom\.warc\.gz: bản ghi trong thành phần gzip tại byte \d+ .*response https:\/\/bao\.example\.vn\/bom\.html quá lớn/);
  assert.ok(ms < 3000, `${Math.round(ms)} ms`);
  assert.ok(rssGrowthMb < 100, `rss +${Math.round(rssGrowthMb)} MB`);

  const r = await tra(['import-warc', '--data', path.join(path.dirname(file), 'data'), file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lines(r.stderr).length, 1, r.stderr);
  assert.match(r.stderr, /^tra: .*bom\.warc\.gz: .*quá lớn/);
  assert.deepEqual(lastJson(r.stdout), { records: 3, articles: 1, problems: 1 });
  // Before: 3.8 GB.
  assert.ok(r.peakMb < 350, `peak ${Math.round(r.peakMb)} MB`);
});

test('a whole-file gzip (no member to jump to) holding a 256 MiB record is streamed through in flat memory', async () => {
  // One member: warcinfo, the huge record, a good record.
  const head = Buffer.concat([warcinfo(), bombHead('https://bao.example.vn/bom-lien.html', 256)]);
  const file = tmp('lien.warc.gz', bombMember(head, 256, Buffer.concat([Buffer.from('\r\n\r\n'), good()])));
  const { records, bad, ms, rssGrowthMb } = await readMeasured(file);
  assert.deepEqual(records.map((r) => r.type), ['warcinfo', 'response', 'response']);
  assert.ok(records[1].skipped);
  assert.equal(records[2].url, 'https://bao.example.vn/sau-bom.html');
  assert.match(Buffer.from(records[2].payload).toString('utf8'), /Bài sau quả bom/);
  assert.equal(bad.length, 1);
  assert.ok(ms < 10_000, `${Math.round(ms)} ms`);
  assert.ok(rssGrowthMb < 100, `rss +${Math.round(rssGrowthMb)} MB`);
});

test('a Content-Encoding: gzip body that inflates to 1 GiB is cut at the limit, reported and not extracted', async () => {
  const body = bombMember(Buffer.alloc(0), 1024, Buffer.alloc(0));
  const http = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
  const rec = record([['WARC-Type', 'response'], ['WARC-Record-ID', id()], ['WARC-Date', '2025-05-02T00:00:00Z'], ['WARC-Target-URI', 'https://bao.example.vn/nen.html'], ['Content-Type', 'application/http; msgtype=response']], http);
  const file = tmp('nen.warc.gz', Buffer.concat([gzipSync(warcinfo()), gzipSync(rec), gzipSync(good())]));
  const { records, bad, ms, rssGrowthMb } = await readMeasured(file);
  assert.equal(records.length, 3);
  assert.match(records[1].skipped ?? '', /giải nén Content-Encoding gzip vượt/);
  assert.equal(bad.length, 1);
  assert.match(bad[0], /nen\.warc\.gz: .*nen\.html: giải nén Content-Encoding gzip vượt \d+ byte; nội dung bị bỏ qua/);
  assert.ok(ms < 3000, `${Math.round(ms)} ms`);
  assert.ok(rssGrowthMb < 150, `rss +${Math.round(rssGrowthMb)} MB`);
});
