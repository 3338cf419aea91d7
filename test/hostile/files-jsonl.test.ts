/**
 * `tra index` against hostile JSON Lines files (issue #11, items 6 and 8): every bad input is one
 * line naming the file and line, is skipped, and costs bounded time and memory; nothing read
 * before it is lost.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { tra, lastJson, lines } from './run.ts';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-hostile-jsonl-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function doc(i: number): string {
  return JSON.stringify({ id: `d${i}`, title: `Bài số ${i} về giao thông Hà Nội`, text: `Nội dung bài ${i}: xe buýt, đường sắt đô thị và vỉa hè.` });
}

async function documents(data: string): Promise<number> {
  const s = await tra(['stats', '--data', data, '--json']);
  assert.equal(s.code, 0, s.stderr);
  return lastJson(s.stdout).documents as number;
}

test('a document nested 5,000 deep is reported as FILE:LINE and skipped; the 8,000 before it and the rest of the file are indexed', async () => {
  const file = path.join(dir, 'sau.jsonl');
  const rows: string[] = [];
  for (let i = 0; i < 8000; i++) rows.push(doc(i));
  rows.push(`{"id":"sau","x":${'['.repeat(5000)}1${']'.repeat(5000)}}`);
  for (let i = 8000; i < 9000; i++) rows.push(doc(i));
  fs.writeFileSync(file, rows.join('\n') + '\n');
  const data = path.join(dir, 'd-sau');
  const r = await tra(['index', '--data', data, file]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stderr).length, 1, r.stderr);
  assert.match(r.stderr, /sau\.jsonl:8001: .*lồng sâu hơn 64 cấp/);
  const s = lastJson(r.stdout);
  assert.equal(s.indexed, 9000);
  assert.equal(s.skipped, 1);
  assert.equal(await documents(data), 9000);
  assert.ok(r.peakMb < 500, `peak ${r.peakMb} MB`);
});

test('a truncated or corrupt .gz: lines before the break are indexed and durable, one line names the file and where it broke, the summary is printed, the exit is non-zero', async () => {
  const rows: string[] = [];
  for (let i = 0; i < 3000; i++) rows.push(doc(i));
  const gz = gzipSync(Buffer.from(rows.join('\n') + '\n'), { level: 1 });
  const cases = {
    'cut.jsonl.gz': gz.subarray(0, Math.floor(gz.length * 0.6)),
    // Its CRC-32 does not match: zlib tells only at the end, after every line was read.
    'hong.jsonl.gz': Buffer.concat([gz.subarray(0, gz.length - 8), Buffer.from([gz[gz.length - 8] ^ 0xff]), gz.subarray(gz.length - 7)]),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    const data = path.join(dir, `d-${name}`);
    const r = await tra(['index', '--data', data, file]);
    assert.equal(r.code, 1, `${name}: ${r.stderr}`);
    const err = lines(r.stderr);
    assert.equal(err.length, 1, r.stderr);
    assert.match(err[0], new RegExp(`${name.replace('.', '\\.')}: tệp gzip hỏng hoặc bị cụt sau dòng \\d+ \\(tại byte nén \\d+`));
    assert.doesNotMatch(r.stderr, /at .*\.(ts|js):\d+/, 'no stack trace');
    const s = lastJson(r.stdout);
    const line = Number(/sau dòng (\d+)/.exec(err[0])![1]);
    assert.ok(name === 'cut.jsonl.gz' ? line > 500 && line < 3000 : line === 3000, `${name}: broke after line ${line}`);
    assert.equal(s.indexed, line, `${name}: every complete line before the break is indexed`);
    assert.equal(await documents(data), line, `${name}: and durable`);
  }
});

test('a 27 MB line and a 1.5 MB text field are reported as FILE:LINE and skipped in bounded time and memory', async () => {
  const file = path.join(dir, 'lon.jsonl');
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, doc(1) + '\n');
  // 27 MB in one line, written in pieces so the test itself stays small.
  fs.writeSync(fd, '{"id":"lon","text":"');
  const piece = 'đường sắt đô thị '.repeat(4096);
  for (let n = 0; n < 27 * 1024 * 1024; n += Buffer.byteLength(piece)) fs.writeSync(fd, piece);
  fs.writeSync(fd, '"}\n');
  fs.writeSync(fd, JSON.stringify({ id: 'dai', text: 'x'.repeat(1_500_000) }) + '\n');
  fs.writeSync(fd, doc(2) + '\n');
  fs.closeSync(fd);
  const data = path.join(dir, 'd-lon');
  const r = await tra(['index', '--data', data, file]);
  assert.equal(r.code, 0, r.stderr);
  const err = lines(r.stderr);
  assert.equal(err.length, 2, r.stderr);
  assert.match(err[0], /lon\.jsonl:2: dòng dài hơn 4194304 byte/);
  assert.match(err[1], /lon\.jsonl:3: trường "text" dài 1500000 ký tự/);
  assert.deepEqual({ indexed: lastJson(r.stdout).indexed, skipped: lastJson(r.stdout).skipped }, { indexed: 2, skipped: 2 });
  // Before: 52 s and 1.2 GB for the 27 MB document.
  assert.ok(r.ms < 20_000, `${Math.round(r.ms)} ms`);
  assert.ok(r.peakMb < 400, `peak ${Math.round(r.peakMb)} MB`);
});

test('ids with a lone UTF-16 surrogate are reported as bad ids, not collapsed into one document', async () => {
  const file = path.join(dir, 'surrogate.jsonl');
  fs.writeFileSync(file, ['{"id":"a\\ud800","title":"một"}', '{"id":"a\\udc00","title":"hai"}', '{"id":"a\\ud83d\\ude00","title":"ba"}'].join('\n') + '\n');
  const data = path.join(dir, 'd-surrogate');
  const r = await tra(['index', '--data', data, file]);
  assert.equal(r.code, 0, r.stderr);
  const err = lines(r.stderr);
  assert.equal(err.length, 2, r.stderr);
  assert.match(err[0], /surrogate\.jsonl:1: trường "id" chứa ký tự UTF-16 lẻ \\ud800/);
  assert.match(err[1], /surrogate\.jsonl:2: trường "id" chứa ký tự UTF-16 lẻ \\udc00/);
  assert.deepEqual(lastJson(r.stdout).indexed, 1);
  assert.equal(await documents(data), 1);
});

test('invalid UTF-8 is counted in the summary and its first line named, not replaced silently', async () => {
  const file = path.join(dir, 'utf8.jsonl');
  fs.writeFileSync(file, Buffer.concat([
    Buffer.from(doc(1) + '\n' + doc(2) + '\n'),
    Buffer.from('{"id":"x","text":"giá '), Buffer.from([0xff, 0xfe]), Buffer.from(' vàng \uFFFD thật"}\n'),
    Buffer.from(doc(3) + '\n'),
  ]));
  const r = await tra(['index', '--data', path.join(dir, 'd-utf8'), file]);
  assert.equal(r.code, 0, r.stderr);
  const s = lastJson(r.stdout);
  assert.equal(s.indexed, 4);
  assert.equal(s.replaced_utf8, 2, 'two bad bytes, each its own replacement; the real U+FFFD is not counted');
  assert.match(r.stderr, /utf8\.jsonl:3: 2 chuỗi byte UTF-8 không hợp lệ/);
});

test('a full disk during tra index is one line, and the next run recovers exactly', async () => {
  const file = path.join(dir, 'day.jsonl');
  const rows: string[] = [];
  for (let i = 0; i < 3000; i++) rows.push(doc(i));
  fs.writeFileSync(file, rows.join('\n') + '\n');
  const data = path.join(dir, 'd-day');
  // The first segment file is larger than this: the write that makes it fails with ENOSPC.
  const r = await tra(['index', '--data', data, file], { TRA_TEST_ENOSPC_AFTER: '20000' });
  assert.equal(r.code, 1, r.stderr + r.stdout);
  const err = lines(r.stderr);
  assert.equal(err.length, 1, r.stderr);
  assert.match(err[0], /^tra: .*d-day: hết chỗ trên đĩa khi lập chỉ mục \(disk full: ENOSPC\).*chạy lại lệnh$/);
  const again = await tra(['index', '--data', data, file]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(lastJson(again.stdout).indexed, 3000);
  assert.equal(await documents(data), 3000);
});
