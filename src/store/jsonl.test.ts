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
