import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { bodyJson, decodeBlock, encodeBlock, fieldsIn, DEFLATE, RAW, ZSTD } from './codec.ts';
import { DocStore } from './store.ts';

const DOCS = Array.from({ length: 40 }, (_, i) => ({
  id: `d${i}`,
  title: `Tin số ${i}: giá vàng hôm nay`,
  text: 'Hà Nội đẩy mạnh chuyển đổi số trong dịch vụ công. '.repeat(1 + (i % 5)),
  published: '2025-08-09T10:00:00+07:00',
  extra: { n: i, tags: ['x', 'y'] },
}));

function fieldsOf(d: (typeof DOCS)[number]): Record<string, unknown> {
  const { id: _id, ...rest } = d;
  return rest;
}

test('store blocks: zstd (new), DEFLATE (older stores) and raw all decode to the same documents', () => {
  const seqs = DOCS.map((_, i) => 100 + i);
  const bodies = DOCS.map((d) => bodyJson(d));
  const sizes: Record<number, number> = {};
  for (const codec of [ZSTD, DEFLATE, RAW] as const) {
    const block = encodeBlock(seqs, bodies, codec);
    assert.equal(block[0], codec, `codec byte ${codec}`);
    sizes[codec] = block.length;
    const dec = decodeBlock(block);
    assert.deepEqual([...dec.seqs], seqs);
    for (let i = 0; i < DOCS.length; i++) assert.deepEqual(fieldsIn(dec, seqs[i]), fieldsOf(DOCS[i]));
    assert.equal(fieldsIn(dec, 99), undefined);
  }
  assert.ok(sizes[ZSTD] < sizes[RAW] && sizes[DEFLATE] < sizes[RAW]);
  // New blocks are zstd unless told otherwise; a block compression does not shrink stays raw.
  assert.equal(encodeBlock(seqs, bodies)[0], ZSTD);
  assert.equal(encodeBlock([1], [Buffer.from('{"t":"x"}')])[0], RAW);
  assert.throws(() => decodeBlock(Uint8Array.of(9, 0, 0, 0, 0)), /unknown block codec 9/);
});

test('a store written with DEFLATE blocks (before zstd) still opens, reads and takes new documents', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-codec-'));
  try {
    const file = path.join(dir, 'store.sqlite');
    new DocStore(file).close(); // the schema
    // Rewrite it as an older version did: every block DEFLATE.
    const db = new DatabaseSync(file);
    db.exec('BEGIN');
    const half = DOCS.slice(0, 20);
    const blk = 1;
    half.forEach((d, i) => db.prepare('INSERT INTO docs(seq, id, blk) VALUES (?, ?, ?)').run(i + 1, d.id, blk));
    db.prepare('INSERT INTO blocks(blk, live, body) VALUES (?, ?, ?)').run(blk, half.length, encodeBlock(half.map((_, i) => i + 1), half.map((d) => bodyJson(d)), DEFLATE));
    db.prepare("INSERT INTO meta(key, value) VALUES ('seq', ?)").run(half.length);
    db.exec('COMMIT');
    db.close();

    const store = new DocStore(file);
    assert.deepEqual(store.get('d7'), DOCS[7]);
    // New writes (zstd blocks) beside the old ones, one replacing an old document.
    const res = store.putBatch([...DOCS.slice(20), { ...DOCS[3], title: 'thay thế' }]);
    assert.equal(res[res.length - 1].replaced, 4);
    store.close();

    const ro = new DocStore(file, { readOnly: true });
    const all = [...ro.docsAfter(0)].map((r) => r.doc);
    assert.equal(all.length, DOCS.length);
    assert.deepEqual(ro.get('d3'), { ...DOCS[3], title: 'thay thế' });
    assert.deepEqual(ro.get('d0'), DOCS[0]);
    assert.deepEqual(ro.get('d39'), DOCS[39]);
    ro.close();
    const raw = new DatabaseSync(file, { readOnly: true });
    const codecs = (raw.prepare('SELECT body FROM blocks ORDER BY blk').all() as { body: Uint8Array }[]).map((r) => r.body[0]);
    raw.close();
    assert.deepEqual([...new Set(codecs)], [DEFLATE, ZSTD]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bodyJson: a value nested beyond what JSON.stringify can recurse is a clear error naming the document', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 200_000; i++) deep = [deep];
  assert.throws(() => bodyJson({ id: 'sau', x: deep }), /store: tài liệu "sau" không ghi được thành JSON/);
});
