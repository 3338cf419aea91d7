/**
 * `tra reindex` on an existing directory (segments flushed mid-rebuild) and the single-writer
 * lock (DIR/write.lock): a second writer is refused with a message naming the holder, readers
 * are never blocked, and a lock left by a SIGKILLed writer is taken over.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEngine } from '../src/engine/index.ts';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const TRA = path.join(ROOT, 'bin/tra.js');
const SAMPLES = path.join(ROOT, 'samples/tin-mau.jsonl');

function tra(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [TRA, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ids(dir: string, q: string): string[] {
  const r = tra(['search', '--data', dir, '--json', '--limit', '50', q]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { hits: { id: string }[] }).hits.map((h) => h.id);
}

const QUERIES = ['hà nội', 'giá', 'đường sắt', 'kinh te', 'việt nam'];

test('reindex of an existing directory (segments flushed mid-rebuild): same results, directory opens', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-reindex-'));
  try {
    assert.equal(tra(['index', '--data', dir, SAMPLES]).code, 0);
    const before = QUERIES.map((q) => ids(dir, q));
    assert.ok(before.some((h) => h.length > 0));
    // A tiny flush size makes the rebuild commit segments while it is still reading the store.
    const r = tra(['reindex', '--data', dir], { TRA_INDEX_MEM_MB: '0.002' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout.trim().split('\n').pop()!) as { indexed: number }).indexed, 20);
    assert.deepEqual(QUERIES.map((q) => ids(dir, q)), before);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'index/manifest.json'), 'utf8')) as { seq: number; segments: unknown[] };
    assert.equal(manifest.seq, 20);
    assert.ok(manifest.segments.length > 1);
    // Opens as a writer too (catch-up has nothing to do), and once more through the CLI.
    const e = await openEngine(dir);
    assert.equal(e.stats().documents, 20);
    e.close();
    assert.equal(tra(['reindex', '--data', dir]).code, 0);
    assert.deepEqual(QUERIES.map((q) => ids(dir, q)), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('catch-up that flushes several segments on open (after a crash) works', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-catchup-'));
  try {
    assert.equal(tra(['index', '--data', dir, SAMPLES]).code, 0);
    // Pretend the index lost everything: the next writer open catches up from the whole store.
    rmSync(path.join(dir, 'index'), { recursive: true });
    const e = await openEngine(dir, { flushBytes: 2000 });
    assert.equal(e.stats().documents, 20);
    assert.ok(e.stats().segments > 1);
    e.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one writer per directory: a second writer is refused, readers are not', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-lock-'));
  try {
    const w = await openEngine(dir);
    await w.add([{ id: 'x', title: 'Mưa lớn ở Hà Nội' }]);
    const lock = JSON.parse(readFileSync(path.join(dir, 'write.lock'), 'utf8')) as { pid: number };
    assert.equal(lock.pid, process.pid);
    // Same process: refused too.
    await assert.rejects(openEngine(dir), /đã được mở để ghi/);
    // Another process: `tra index` fails with one line naming this process.
    const r = tra(['index', '--data', dir, SAMPLES]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`pid ${process.pid}`));
    assert.match(r.stderr, /đang ghi vào thư mục dữ liệu này/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.notEqual(tra(['reindex', '--data', dir]).code, 0);
    // Readers work while the writer holds the lock.
    assert.deepEqual(ids(dir, 'mưa'), ['x']);
    const ro = await openEngine(dir, { readOnly: true });
    assert.equal(ro.stats().documents, 1);
    ro.close();
    w.close();
    assert.ok(!existsSync(path.join(dir, 'write.lock')), 'close releases the lock');
    assert.equal(tra(['index', '--data', dir, SAMPLES]).code, 0);
    assert.ok(!existsSync(path.join(dir, 'write.lock')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock left by a SIGKILLed writer is taken over', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-stale-'));
  try {
    const engineUrl = new URL('../src/engine/index.ts', import.meta.url).href;
    const code = `const { openEngine } = await import(${JSON.stringify(engineUrl)});
      const e = await openEngine(${JSON.stringify(dir)});
      await e.add([{ id: 'k', title: 'Bão số ba' }]);
      process.stdout.write('ready\\n');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', (c) => reject(new Error(`child exited early (${c})`)));
    });
    const held = JSON.parse(readFileSync(path.join(dir, 'write.lock'), 'utf8')) as { pid: number };
    assert.equal(held.pid, child.pid);
    // Alive: refused.
    const busy = tra(['index', '--data', dir, SAMPLES]);
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr, new RegExp(`pid ${child.pid}`));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    assert.ok(existsSync(path.join(dir, 'write.lock')), 'SIGKILL leaves the lock file behind');
    // Dead: taken over, by the CLI and by the API.
    const r = tra(['index', '--data', dir, SAMPLES]);
    assert.equal(r.code, 0, r.stderr);
    const e = await openEngine(dir);
    assert.equal((JSON.parse(readFileSync(path.join(dir, 'write.lock'), 'utf8')) as { pid: number }).pid, process.pid);
    assert.equal(e.stats().documents, 21);
    e.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
