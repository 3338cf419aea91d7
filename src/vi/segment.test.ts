import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WordSegmenter, segmentationScore } from './segment.ts';

/** A tiny gold corpus written for this test: words joined by "_". */
const GOLD = [
  'học_sinh đi học ở trường',
  'sinh_viên đại_học đi thực_tập',
  'học_sinh và sinh_viên cùng học',
  'thành_phố Hồ_Chí_Minh có nhiều trường đại_học',
  'chính_phủ bàn về chuyển_đổi số',
  'người dân thành_phố đi làm',
  'doanh_nghiệp cần chuyển_đổi số',
  'Hà_Nội và thành_phố Hồ_Chí_Minh',
  'sinh_viên học ở Hà_Nội',
  'chính_phủ và doanh_nghiệp cùng bàn',
].map((l) => l.split(' ').map((w) => w.split('_')));

test('learns word boundaries from gold segmentations', () => {
  const seg = WordSegmenter.train(GOLD, 10);
  const pred = GOLD.map((s) => seg.segmentSyllables(s.flat()));
  const score = segmentationScore(GOLD, pred);
  assert.ok(score.f1 > 0.9, `training-set F1 ${score.f1}`);
  const words = seg.segmentSyllables(['sinh', 'viên', 'đi', 'học']).map((w) => w.join(' '));
  assert.deepEqual(words, ['sinh viên', 'đi', 'học']);
});

test('segments running text without joining across punctuation, with offsets', () => {
  const seg = WordSegmenter.train(GOLD, 10);
  const text = 'Sinh viên, học sinh đi học.';
  const words = seg.segment(text);
  for (const w of words) assert.equal(text.slice(w.start, w.end).replace(/\s+/g, ' '), w.text);
  assert.ok(words.some((w) => w.text === 'Sinh viên'));
  assert.ok(!words.some((w) => w.text.includes(',')));
});

test('F1 of a segmentation against itself is 1, against all-single-syllables lower', () => {
  assert.equal(segmentationScore(GOLD, GOLD).f1, 1);
  const singles = GOLD.map((s) => s.flat().map((x) => [x]));
  assert.ok(segmentationScore(GOLD, singles).f1 < 0.8);
});

test('the model round-trips through its binary form and refuses damage', () => {
  const seg = WordSegmenter.train(GOLD, 5);
  const copy = WordSegmenter.fromBuffer(seg.toBuffer());
  const s = ['doanh', 'nghiệp', 'chuyển', 'đổi', 'số'];
  assert.deepEqual(copy.segmentSyllables(s), seg.segmentSyllables(s));
  const buf = seg.toBuffer();
  assert.throws(() => WordSegmenter.fromBuffer(buf.subarray(0, buf.length - 3)), /damaged/);
  assert.throws(() => WordSegmenter.fromBuffer(new Uint8Array(20)), /magic/);
});
