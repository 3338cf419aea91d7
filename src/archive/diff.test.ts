import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wordDiff } from './diff.ts';

const side = (parts: ReturnType<typeof wordDiff>, keep: '-' | '+'): string => parts.filter((p) => p.op === '=' || p.op === keep).map((p) => p.text).join('');

test('word diff shows a changed figure and an added sentence', () => {
  const a = 'Đã có 3.200 hộ dân được di dời. Lực lượng biên phòng đã liên lạc với tàu cá.';
  const b = 'Đã có 5.400 hộ dân được di dời. Lực lượng biên phòng đã liên lạc với tàu cá. Mưa lớn gây ngập.';
  const d = wordDiff(a, b);
  assert.deepEqual(d.filter((p) => p.op !== '=').map((p) => [p.op, p.text.trim()]), [['-', '3.200'], ['+', '5.400'], ['+', 'Mưa lớn gây ngập.']]);
  assert.equal(side(d, '-'), a);
  assert.equal(side(d, '+'), b);
});

test('word diff reconstructs both sides on random edits', () => {
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const vocab = ['bão', 'mưa', 'Hà Nội', 'đường', 'dân', 'số', '9', 'và', 'được', 'sơ tán'];
  for (let i = 0; i < 200; i++) {
    const a = Array.from({ length: rnd(30) }, () => vocab[rnd(vocab.length)]).join(' ');
    const words = a ? a.split(' ') : [];
    for (let k = rnd(5); k > 0; k--) {
      const at = rnd(words.length + 1);
      if (rnd(2) && words.length) words.splice(Math.min(at, words.length - 1), 1);
      else words.splice(at, 0, vocab[rnd(vocab.length)]);
    }
    const b = words.join(' ');
    const d = wordDiff(a, b);
    assert.equal(side(d, '-'), a);
    assert.equal(side(d, '+'), b);
  }
  assert.deepEqual(wordDiff('', ''), []);
});
