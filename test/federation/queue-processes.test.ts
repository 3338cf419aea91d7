/**
 * The queue across real processes: a listener killed with SIGKILL in the middle of a message,
 * and two listener processes sharing one file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteMessageQueue } from '../../src/social/federation/message-queue.ts';
import { eventually } from './memory-social.ts';

const WORKER = path.join(import.meta.dirname, 'queue-worker.ts');

function worker(file: string, leaseMs: number): { child: ChildProcess; lines: string[] } {
  const child = spawn(process.execPath, [WORKER, file, String(leaseMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  return { child, lines };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

test('a message being handled by a process killed with SIGKILL is handed out again after its lease', { timeout: 30_000 }, async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tra-mq-kill-')), 'federation.sqlite');
  const q = new SqliteMessageQueue(file, { leaseMs: 600, pollIntervalMs: 50 });
  await q.enqueue({ hang: true, n: 1 });
  const w = worker(file, 600);
  try {
    await eventually(() => w.lines.includes('got {"hang":true,"n":1}'), 'the worker taking the message');
    await new Promise((r) => setTimeout(r, 800)); // longer than one lease: the worker's renewals keep it
    assert.equal((await q.getDepth()).queued, 0, 'still held by the live worker');
    w.child.kill('SIGKILL');
    await exited(w.child);
    const killedAt = Date.now();
    const got: unknown[] = [];
    const ac = new AbortController();
    const run = q.listen((m) => void got.push(m), { signal: ac.signal });
    await eventually(() => got.length === 1, 'the message handed out again', 5000);
    assert.deepEqual(got, [{ hang: true, n: 1 }]);
    assert.ok(Date.now() - killedAt < 2000, 'within about one lease of the kill');
    ac.abort();
    await run;
  } finally {
    w.child.kill('SIGKILL');
    await q.close();
  }
});

test('two listener processes sharing one file handle every message exactly once', { timeout: 60_000 }, async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tra-mq-two-')), 'federation.sqlite');
  const q = new SqliteMessageQueue(file);
  const w1 = worker(file, 5000);
  const w2 = worker(file, 5000);
  try {
    await eventually(() => w1.lines.includes('ready') && w2.lines.includes('ready'), 'both workers listening');
    const n = 300;
    for (let i = 0; i < n; i++) await q.enqueue({ i });
    const got = () => [...w1.lines, ...w2.lines].filter((l) => l.startsWith('got '));
    await eventually(() => got().length >= n, `${n} messages handled`, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    const ids = got().map((l) => (JSON.parse(l.slice(4)) as { i: number }).i).sort((x, y) => x - y);
    assert.deepEqual(ids, Array.from({ length: n }, (_, i) => i));
    assert.equal((await q.getDepth()).queued, 0);
  } finally {
    w1.child.kill('SIGKILL');
    w2.child.kill('SIGKILL');
    await q.close();
  }
});
