import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEngine } from './index.ts';
import { SegmentBuilder } from './builder.ts';
import { Segment } from './segment.ts';
import { collectCounts } from './restore-model.ts';

const SYL = ['mưa', 'nắng', 'gió', 'bão', 'sông', 'núi', 'biển', 'đồng', 'rừng', 'phố', 'chợ', 'làng', 'đèo', 'suối', 'hồ', 'cầu', 'đường', 'nhà', 'trường', 'xóm'];

/** Two segments: "giá vàng" in every document, and 400 other pairs once or twice each. */
function segments(): Segment[] {
  const out: Segment[] = [];
  let seq = 1;
  for (let s = 0; s < 2; s++) {
    const b = new SegmentBuilder();
    for (let i = 0; i < 200; i++) {
      const a = SYL[(i + s * 7) % 20];
      const c = SYL[Math.floor(i / 20 + s * 3) % 20];
      b.add(seq++, { id: `d${s}-${i}`, title: `giá vàng ${a} ${c}` });
    }
    out.push(new Segment(`s${s}`, b.build().bytes));
  }
  return out;
}

test('accent restoration counts are summed over segments exactly while they fit', () => {
  const c = collectCounts(segments());
  assert.equal(c.bigramFloor, 0);
  assert.equal(c.bigrams.get('giá vàng'), 400);
  assert.equal(c.unigrams.get('giá'), 400);
  assert.ok(c.bigrams.size > 200, `${c.bigrams.size} bigram types`);
});

test('past the bound the rarest bigrams go, never the frequent ones: memory stays bounded', () => {
  const all = collectCounts(segments());
  const c = collectCounts(segments(), 40);
  assert.ok(c.bigrams.size <= 40, `${c.bigrams.size} kept`);
  assert.ok(c.bigramFloor > 0);
  const n = c.bigrams.get('giá vàng')!;
  assert.ok(n <= 400 && n >= 400 - 2 * c.bigramFloor, `giá vàng counted ${n}, floor ${c.bigramFloor}`);
  // What is kept is never over-counted.
  for (const [k, v] of c.bigrams) assert.ok(v <= all.bigrams.get(k)!, k);
});

test('the writer keeps the accent model up to date, so that no query has to build it', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-restore-'));
  try {
    const file = path.join(dir, 'index', 'restore.bin');
    const e = await openEngine(dir, { parallel: false });
    await e.add(Array.from({ length: 50 }, (_, i) => ({ id: `a${i}`, title: `Giá vàng hôm nay tăng mạnh ${SYL[i % 20]}` })));
    assert.ok(existsSync(file), 'built at the end of the first addition');
    const first = statSync(file).mtimeMs;
    // Within a fifth more documents the model is fresh: not rebuilt.
    await e.add([{ id: 'b0', title: 'Giá vàng giảm' }]);
    assert.equal(statSync(file).mtimeMs, first);
    // Past it, rebuilt.
    await e.add(Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, title: `Mưa lớn ở ${SYL[i % 20]}` })));
    assert.ok(statSync(file).mtimeMs > first || readFileSync(file).includes(Buffer.from('"docs":81')), 'rebuilt for 81 documents');
    assert.equal(e.restore('gia vang'), 'giá vàng');
    e.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
