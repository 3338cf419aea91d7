import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffWords, splitWords } from './diff.ts';

/** Length of the longest common subsequence of two word lists (plain dynamic programming). */
function lcs(a: string[], b: string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = a[i - 1] === b[j - 1] ? diag + 1 : Math.max(row[j], row[j - 1]);
      diag = up;
    }
  }
  return row[b.length];
}

function sides(ops: ReturnType<typeof diffWords>): [string, string] {
  return [ops.filter((o) => o.op !== 'add').map((o) => o.text).join(''), ops.filter((o) => o.op !== 'del').map((o) => o.text).join('')];
}

test('a revised headline: words added and removed, the rest kept', () => {
  const ops = diffWords('Hà Nội khởi công tuyến đường sắt mới', 'Hà Nội chính thức khởi công tuyến đường sắt đô thị');
  assert.deepEqual(ops, [
    { op: 'same', text: 'Hà Nội ' },
    { op: 'add', text: 'chính thức ' },
    { op: 'same', text: 'khởi công tuyến đường sắt ' },
    { op: 'del', text: 'mới' },
    { op: 'add', text: 'đô thị' },
  ]);
});

test('both texts can always be rebuilt from the script, and it is minimal in words', () => {
  // A deterministic pseudo-random generator, so a failure can be reproduced.
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const vocab = ['giá', 'vàng', 'tăng', 'giảm', ' ', '\n'];
  const gen = () => Array.from({ length: rnd(25) }, () => vocab[rnd(vocab.length)]).join('');
  for (let i = 0; i < 500; i++) {
    const a = gen();
    const b = gen();
    const ops = diffWords(a, b);
    assert.deepEqual(sides(ops), [a, b]);
    const kept = ops.filter((o) => o.op === 'same').reduce((n, o) => n + splitWords(o.text).length, 0);
    assert.equal(kept, lcs(splitWords(a), splitWords(b)), JSON.stringify({ a, b }));
  }
  assert.deepEqual(diffWords('same text', 'same text'), [{ op: 'same', text: 'same text' }]);
  assert.deepEqual(diffWords('', 'mới'), [{ op: 'add', text: 'mới' }]);
});

test('unrelated long texts fall back to replace-all past the edit budget', () => {
  const a = Array.from({ length: 50 }, (_, i) => `a${i}`).join(' ');
  const b = Array.from({ length: 50 }, (_, i) => `b${i}`).join(' ');
  const ops = diffWords(a, b, 10);
  assert.deepEqual(ops, [{ op: 'del', text: a }, { op: 'add', text: b }]);
});
