/**
 * `tra delete`: by id, by query (counted, then asked; refused without --yes when nobody can
 * answer), and the sample articles; plus `tra index` dropping the samples once real news arrives.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isYes } from '../src/cli/commands/delete.ts';
import { tra as run } from './hostile/run.ts';

const TRA = fileURLToPath(new URL('../bin/tra.js', import.meta.url));

/** `tra ARGS…`, answering `input` on standard input (a pipe: not a terminal). */
const tra = (args: string[], input?: string) => run(args, {}, 120_000, input ?? '');
const last = (s: string): Record<string, unknown> => JSON.parse(s.trim().split('\n').pop()!);

const DOCS = [
  { id: 'v1', title: 'Giá vàng tăng mạnh', source: 'VnExpress', published: '2025-09-01T08:00:00+07:00' },
  { id: 'v2', title: 'Giá vàng giảm nhẹ', source: 'Tuổi Trẻ', published: '2025-09-02T08:00:00+07:00' },
  { id: 'v3', title: 'Giá vàng đi ngang', source: 'Tuổi Trẻ', published: '2025-09-03T08:00:00+07:00' },
  { id: 'b1', title: 'Bão số 3 vào bờ', source: 'VnExpress', published: '2025-09-04T08:00:00+07:00' },
];

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-delete-'));
  fs.writeFileSync(path.join(tmp, 'docs.jsonl'), DOCS.map((d) => JSON.stringify(d)).join('\n') + '\n');
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function freshDir(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  const r = await tra(['index', '--data', dir, path.join(tmp, 'docs.jsonl')]);
  assert.equal(r.code, 0, r.stderr);
  return dir;
}
async function ids(dir: string, q: string): Promise<string[]> {
  const r = await tra(['search', '--data', dir, '--json', '--limit', '50', q]);
  return (JSON.parse(r.stdout) as { hits: Array<{ id: string }> }).hits.map((h) => h.id).sort();
}

test('tra delete ID... removes those documents and names the ones that were not there', async () => {
  const dir = await freshDir('by-id');
  const r = await tra(['delete', '--data', dir, 'v1', 'khong-co']);
  assert.equal(r.code, 1, 'an unknown id is an error, after the known ones are gone');
  assert.deepEqual(last(r.stdout), { deleted: 1, missing: 1 });
  assert.match(r.stderr, /^tra: .*"khong-co".*\n$/);
  assert.deepEqual(await ids(dir, 'giá vàng'), ['v2', 'v3']);
  const ok = await tra(['delete', '--data', dir, 'v2']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(await ids(dir, 'giá vàng'), ['v3']);
});

test('tra delete --query refuses without --yes when stdin is not a terminal, saying how many', async () => {
  const dir = await freshDir('refuse');
  const r = await tra(['delete', '--data', dir, '--query', 'giá vàng'], 'c\n');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^tra: 3 tài liệu khớp "giá vàng".*--yes.*\n$/);
  assert.equal(r.stderr.split('\n').length, 2, 'one line');
  assert.deepEqual(await ids(dir, 'giá vàng'), ['v1', 'v2', 'v3'], 'nothing deleted');
});

test('tra delete --query --yes removes every match, filters included', async () => {
  const dir = await freshDir('yes');
  const r = await tra(['delete', '--data', dir, '--query', 'giá vàng', '--source', 'Tuổi Trẻ', '--yes']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(last(r.stdout), { deleted: 2 });
  assert.deepEqual(await ids(dir, 'giá vàng'), ['v1']);
  assert.deepEqual(await ids(dir, 'bão'), ['b1']);
  const stats = await tra(['stats', '--data', dir, '--json']);
  assert.equal(last(stats.stdout).documents, 2);
});

test('tra delete --query asks at a terminal and deletes only on yes', { skip: spawnSync('script', ['--version']).status !== 0 && 'no script(1) to give a terminal' }, async () => {
  const dir = await freshDir('tty');
  // script(1) runs the command on a pseudo-terminal; the answer is typed into it.
  const run = (answer: string) => new Promise<string>((resolve) => {
    const cmd = `'${process.execPath}' '${TRA}' delete --data '${dir}' --query 'giá vàng'`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('[c/K]') && !child.stdin.writableEnded) child.stdin.end(answer + '\n');
    });
    child.on('exit', () => resolve(out));
  });
  const no = await run('k');
  assert.match(no, /3 tài liệu khớp/);
  assert.deepEqual(await ids(dir, 'giá vàng'), ['v1', 'v2', 'v3']);
  const yes = await run('có');
  assert.match(yes, /đã xoá 3 tài liệu/);
  assert.deepEqual(await ids(dir, 'giá vàng'), []);
});

test('isYes accepts Vietnamese and English yes, nothing else', () => {
  for (const a of ['c', 'có', 'co', 'Y', 'yes', ' đồng ý ']) assert.ok(isYes(a), a);
  for (const a of ['', 'k', 'không', 'n', 'no', 'cóc']) assert.ok(!isYes(a), a);
});

test('tra delete without a choice, or with two, says what to give', async () => {
  const dir = await freshDir('usage');
  for (const args of [[], ['v1', '--samples'], ['--source', 'VnExpress']]) {
    const r = await tra(['delete', '--data', dir, ...args]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^tra: .*\n$/, args.join(' '));
  }
});

test('the sample articles leave when real news is indexed, and tra delete --samples removes them at once', async () => {
  const { seedSamples } = await import('../src/cli/commands/start.ts');
  const dir = path.join(tmp, 'samples');
  assert.equal(await seedSamples(dir), 20);
  const keep = await tra(['index', '--data', dir, '--keep-samples', path.join(tmp, 'docs.jsonl')]);
  assert.equal(keep.code, 0, keep.stderr);
  assert.equal(last(keep.stdout).samples_removed, undefined);
  assert.equal(last((await tra(['stats', '--data', dir, '--json'])).stdout).documents, 24);

  const del = await tra(['delete', '--data', dir, '--samples']);
  assert.equal(del.code, 0, del.stderr);
  assert.deepEqual(last(del.stdout), { deleted: 20 });
  assert.equal(last((await tra(['stats', '--data', dir, '--json'])).stdout).documents, 4);

  await seedSamples(dir);
  const r = await tra(['index', '--data', dir, path.join(tmp, 'docs.jsonl')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(last(r.stdout).samples_removed, 20);
  assert.match(r.stderr, /đã xoá 20 bài mẫu.*--keep-samples/);
  assert.equal(last((await tra(['stats', '--data', dir, '--json'])).stdout).documents, 4);
});

test('the first-run message says the samples are made up and how they leave', async () => {
  const { firstRunMessage } = await import('../src/cli/commands/start.ts');
  const m = firstRunMessage('/srv/data', 20);
  assert.match(m, /20 bài mẫu .*không phải tin thật/);
  assert.match(m, /tra index --data \/srv\/data FILE\.jsonl.*các bài mẫu tự được xoá/);
  assert.match(m, /tra delete --data \/srv\/data --samples/);
  assert.equal(m.split('\n').filter(Boolean).length, 2);
});
