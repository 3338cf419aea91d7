import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SegmentBuilder } from './builder.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('a built segment builder is not kept alive by the tokenizer cache', async () => {
  // Each builder meets words of its own that stay in the tokenizer's global cache afterwards;
  // a builder memoised on those cached forms objects would stay in memory (its tables are tens
  // of MB), one per batch a long-running indexer ever built.
  const refs: WeakRef<SegmentBuilder>[] = [];
  // (The newest may still be referenced by the tokenizer's last call: only older ones must go.)
  for (let i = 0; i < 4; i++) {
    const b = new SegmentBuilder();
    b.add(1, { title: `Tin riêng số ${i} của lô xyz${i}abc`, summary: `từkhóariêng${i} và bão số ${i}` });
    b.build();
    refs.push(new WeakRef(b));
  }
  for (let i = 0; i < 5 && refs.slice(0, 3).some((r) => r.deref()); i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  assert.deepEqual(refs.slice(0, 3).map((r) => r.deref() === undefined), [true, true, true]);
});
