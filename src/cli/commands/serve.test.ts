/**
 * `tra serve` and `tra start` as a user runs them: a real process that prints its URL, answers,
 * and exits cleanly on SIGTERM/SIGINT.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeDataDir, ROOT } from '../../server/test-support.ts';

const TRA = path.join(ROOT, 'bin', 'tra.js');
const cleanup: string[] = [];
after(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function launch(args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, [TRA, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve({ child, url: line, stderr: () => err, exit });
    });
    void exit.then((code) => reject(new Error(`tra exited (${code}) before printing its URL: ${err}`)));
  });
}

test('tra serve prints its URL, serves the contract search, and stops on SIGTERM', async () => {
  const dir = await makeDataDir();
  cleanup.push(dir);
  const s = await launch(['serve', '--data', dir, '--port', '0', '--log-level', 'warn']);
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await fetch(s.url + 'api/search?q=' + encodeURIComponent('khởi công đường sắt') + '&limit=3');
    const body = (await r.json()) as { total: number; hits: Array<{ id: string }> };
    assert.equal(body.hits[0].id, 'mau-001');
  } finally {
    s.child.kill('SIGTERM');
  }
  assert.equal(await s.exit, 0, s.stderr());
});

test('tra start seeds an empty data directory with the samples and stops on SIGINT', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-start-'));
  cleanup.push(dir);
  const s = await launch(['start', '--log-level', 'warn'], { TRA_DATA: path.join(dir, 'data'), PORT: '0' });
  try {
    assert.match(s.stderr(), /đã nạp 20 bài mẫu/);
    const stats = (await (await fetch(s.url + 'api/stats')).json()) as { documents: number };
    assert.equal(stats.documents, 20);
  } finally {
    s.child.kill('SIGINT');
  }
  assert.equal(await s.exit, 0, s.stderr());
});

test('a busy port is a one-line error that says what to do', async () => {
  const dir = await makeDataDir();
  cleanup.push(dir);
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  try {
    const child = spawn(process.execPath, [TRA, 'serve', '--data', dir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(err, new RegExp(`tra: cổng ${port} trên 127\\.0\\.0\\.1 đang được dùng; hãy chọn cổng khác bằng --port`));
  } finally {
    blocker.close();
  }
});
