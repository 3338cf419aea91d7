import { test } from 'node:test';
import assert from 'node:assert/strict';
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
