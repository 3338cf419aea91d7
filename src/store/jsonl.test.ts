import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import { openLines, readJsonl } from './jsonl.ts';

async function readlineLines(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const l of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) out.push(l);
  return out;
}

test('lines are cut where node:readline cuts them (\\n, \\r\\n, lone \\r), across chunk boundaries', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-jsonl-'));
  try {
    const texts = [
      '',
      'a',
      'a\n',
      'a\nb',
      '\n\n',
      'a\r\nb\r\n',
      'a\rb\r',
      'a\r\r\nb\n\rc',
      '\r',
      '\r\n',
      'Tiếng Việt có dấu\nđường\r\nHà Nội\n',
      '\ufeff{"id":"x"}\n',
    ];
    let seed = 3;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    for (let k = 0; k < 40; k++) {
      const parts = ['x', 'ờ', 'ệ', '\n', '\r', '\r\n', '{"a":1}', ' '];
      let t = '';
      for (let i = 0; i < 60; i++) t += parts[rnd(parts.length)];
      texts.push(t);
    }
    for (const [i, t] of texts.entries()) {
      const file = path.join(dir, `t${i}.txt`);
      writeFileSync(file, t);
      const want = await readlineLines(file);
      for (const chunk of [1, 2, 3, 7, 1 << 20]) {
        const got: string[] = [];
        for await (const l of openLines(file, chunk)) got.push(l);
        assert.deepEqual(got, want, `${JSON.stringify(t)} in chunks of ${chunk}`);
      }
      const gz = path.join(dir, `t${i}.gz`);
      writeFileSync(gz, gzipSync(Buffer.from(t)));
      const got: string[] = [];
      for await (const l of openLines(gz, 64)) got.push(l);
      assert.deepEqual(got, want, `gzip ${JSON.stringify(t)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readJsonl: objects with line numbers; BOM, blank and bad lines', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-jsonl-'));
  try {
    const file = path.join(dir, 'in.jsonl.gz');
    writeFileSync(file, gzipSync(Buffer.from('\ufeff{"id":"a"}\r\n\n  \n[1]\n{bad\r\n{"id":"b","t":"đường"}')));
    const bad: string[] = [];
    const got: unknown[] = [];
    for await (const l of readJsonl(file, (m) => bad.push(m))) got.push(l);
    assert.deepEqual(got, [
      { line: 1, value: { id: 'a' } },
      { line: 6, value: { id: 'b', t: 'đường' } },
    ]);
    assert.equal(bad.length, 2);
    assert.match(bad[0], /in\.jsonl\.gz:4: .*not a JSON object/);
    assert.match(bad[1], /in\.jsonl\.gz:5: .*invalid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readJsonl: a line over the limit is reported by its number and skipped in any chunking; later line numbers stay right', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-jsonl-'));
  try {
    const file = path.join(dir, 'long.jsonl');
    const long = JSON.stringify({ id: 'long', text: 'ờ'.repeat(100) });
    writeFileSync(file, `{"id":"a"}\n${long}\n{"id":"b"}\r\n${long}\n{"id":"c"}\n${long}`);
    for (const chunkBytes of [1, 7, 64, 1 << 20]) {
      const bad: string[] = [];
      const got: unknown[] = [];
      for await (const l of readJsonl(file, (m) => bad.push(m), { chunkBytes, maxLineBytes: 150 })) got.push(l);
      assert.deepEqual(got, [{ line: 1, value: { id: 'a' } }, { line: 3, value: { id: 'b' } }, { line: 5, value: { id: 'c' } }], `chunks of ${chunkBytes}`);
      assert.deepEqual(bad.map((m) => /:(\d+): dòng dài hơn 150 byte/.exec(m)?.[1]), ['2', '4', '6'], `chunks of ${chunkBytes}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readJsonl: concatenated gzip members are one file; a damaged member ends it with one line naming the last good line', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-jsonl-'));
  try {
    const file = path.join(dir, 'two.jsonl.gz');
    const a = gzipSync(Buffer.from('{"id":"a"}\n{"id":"b"}\n'));
    const b = gzipSync(Buffer.from('{"id":"c"}\n'));
    writeFileSync(file, Buffer.concat([a, b]));
    const ids: unknown[] = [];
    for await (const l of readJsonl(file, () => assert.fail('no bad line'))) ids.push(String(l.value.id));
    assert.deepEqual(ids, ['a', 'b', 'c']);
    writeFileSync(file, Buffer.concat([a, b.subarray(0, b.length - 3)]));
    const broken: string[] = [];
    ids.length = 0;
    for await (const l of readJsonl(file, () => assert.fail('no bad line'), { onBroken: (m) => broken.push(m) })) ids.push(String(l.value.id));
    assert.deepEqual(ids, ['a', 'b', 'c'], 'the truncated member still gives its complete lines');
    assert.equal(broken.length, 1);
    assert.match(broken[0], /two\.jsonl\.gz: tệp gzip hỏng hoặc bị cụt sau dòng 3 /);
    await assert.rejects(async () => {
      for await (const l of readJsonl(file, () => {})) void l;
    }, /sau dòng 3/, 'without onBroken, the same line is thrown');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
