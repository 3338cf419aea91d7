import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WarcWriter, exchangeRecords, readWarc, payloadDigest, type WarcLedger } from './warc.ts';
import type { Exchange } from './http.ts';

function ledger(): WarcLedger & { files: Map<string, number> } {
  const files = new Map<string, number>();
  return {
    files,
    committedFiles: () => [...files].map(([name, bytes]) => ({ name, bytes })),
    registerFile: (name) => void files.set(name, 0),
    forgetFile: (name) => void files.delete(name),
  };
}

function exchange(i: number, body = `<html><body><p>Bài số ${i}: nội dung tiếng Việt.</p></body></html>`): Exchange {
  return {
    url: `http://127.0.0.1:8080/bai-${i}.html`, method: 'GET', requestHeaders: [['Host', '127.0.0.1:8080'], ['User-Agent', 'TraBot/0.1 (+https://example.org/bot)']],
    httpVersion: '1.1', status: 200, statusText: 'OK', headers: [['Content-Type', 'text/html; charset=utf-8'], ['Transfer-Encoding', 'chunked']],
    body: Buffer.from(body, 'utf8'), ip: '127.0.0.1', started: Date.UTC(2026, 10, 24, 3, 0, i),
  };
}

test('records round-trip through warcio with payload digests; revisit records keep the original digest', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-warc-'));
  try {
    const l = ledger();
    const w = new WarcWriter(dir, l, { fsync: false });
    const ex = exchange(1);
    const a = await w.append(exchangeRecords(ex), (_locs, file, end) => l.files.set(file, end));
    const digest = payloadDigest(ex.body);
    await w.append(exchangeRecords(exchange(1), { revisitOf: { url: ex.url, date: '2026-11-24T03:00:01.000Z', digest } }), (_l, file, end) => l.files.set(file, end));
    await w.close();
    const recs = [];
    for await (const r of readWarc(path.join(dir, a.file))) recs.push(r);
    assert.deepEqual(recs.map((r) => r.type), ['warcinfo', 'response', 'request', 'revisit', 'request']);
    assert.equal(recs[1].payloadDigest, digest);
    assert.equal(Buffer.from(recs[1].payload).toString('utf8'), ex.body.toString('utf8'));
    assert.ok(recs[1].httpHeaders.some(([k]) => k === 'X-Archive-Orig-Transfer-Encoding'), 'stored body is de-chunked, header renamed');
    assert.equal(recs[3].payloadDigest, digest);
    assert.equal(recs[3].refersToUrl, ex.url);
    assert.equal(recs[3].payload.length, 0);
    assert.equal(recs[1].offset, a.locations[0].offset);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('recover() cuts a torn last record and unrecorded records back to the committed length', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-warc-'));
  try {
    const l = ledger();
    const w = new WarcWriter(dir, l, { fsync: false });
    const first = await w.append(exchangeRecords(exchange(1)), (_locs, file, end) => l.files.set(file, end));
    // A second exchange written but never committed (the process "died" before its transaction)…
    await w.append(exchangeRecords(exchange(2)));
    await w.close();
    const file = path.join(dir, first.file);
    // …and half of a third record torn off mid-write.
    const blob = fs.readFileSync(file).subarray(first.end - first.locations[0].length, first.end);
    fs.appendFileSync(file, blob.subarray(0, Math.floor(blob.length / 2)));
    const sizeBefore = fs.statSync(file).size;
    const w2 = new WarcWriter(dir, l, { fsync: false });
    const cut = w2.recover();
    assert.deepEqual(cut, [{ file: first.file, droppedBytes: sizeBefore - first.end }]);
    assert.equal(fs.statSync(file).size, first.end);
    const types: string[] = [];
    for await (const r of readWarc(file)) types.push(r.type);
    assert.deepEqual(types, ['warcinfo', 'response', 'request']);
    await w2.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('files rotate by size; a failing commit leaves no bytes behind', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-warc-'));
  try {
    const l = ledger();
    const w = new WarcWriter(dir, l, { fsync: false, maxFileBytes: 1500 });
    const names = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const r = await w.append(exchangeRecords(exchange(i, 'x'.repeat(600))), (_locs, file, end) => l.files.set(file, end));
      names.add(r.file);
    }
    assert.ok(names.size >= 3, `rotated into ${names.size} files`);
    const before = [...l.files].at(-1)!;
    await assert.rejects(w.append(exchangeRecords(exchange(9)), () => {
      throw new Error('database is locked');
    }), /locked/);
    await w.close();
    assert.equal(fs.statSync(path.join(dir, before[0])).size, before[1]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
