import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { dechunk, parseFields, readWarcRecords } from './warc-reader.ts';
import { readRecordAt } from './replay.ts';

test('dechunk: sizes in hex with extensions, a body that is not chunked after all, a body cut short', () => {
  assert.deepEqual(dechunk(Buffer.from('5;x=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n')), { data: Buffer.from('hello world'), complete: true });
  assert.equal(dechunk(Buffer.from('<!doctype html><p>đã bỏ chunk</p>')), undefined);
  assert.deepEqual(dechunk(Buffer.from('5\r\nhello\r\nff\r\nabc')), { data: Buffer.from('helloabc'), complete: false });
});

test('parseFields: folded lines continue the field before; a line without a colon is ignored', () => {
  assert.deepEqual(parseFields(['A: 1', ' 2', '\t3', 'rác', 'B:x']), [['A', '1 2 3'], ['B', 'x']]);
});

test('readRecordAt reads exactly one record by offset and length, in gzip-per-record and uncompressed files', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-warc-reader-'));
  try {
    const rec = (i: number): Buffer => {
      const block = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nbản ghi ${i}`;
      return Buffer.from(`WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: https://x.vn/${i}\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: ${Buffer.byteLength(block)}\r\n\r\n${block}\r\n\r\n`);
    };
    for (const [name, bytes] of [['a.warc.gz', Buffer.concat([0, 1, 2].map((i) => gzipSync(rec(i))))], ['a.warc', Buffer.concat([0, 1, 2].map(rec))]] as const) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      const all = [];
      for await (const r of readWarcRecords(file)) all.push(r);
      assert.equal(all.length, 3);
      assert.equal(all[2].offset + all[2].length, bytes.length, `${name}: the last record ends the file`);
      const one = await readRecordAt(file, all[1].offset, all[1].length);
      assert.equal(one.url, 'https://x.vn/1');
      assert.equal(Buffer.from(one.payload).toString('utf8'), 'bản ghi 1');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
