import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { testMessageQueue } from '@fedify/testing';
import { SqliteMessageQueue, fedifyDedupKey } from './message-queue.ts';

function tempFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tra-mq-')), 'federation.sqlite');
}

async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const quiet = { onHandlerError: () => {} };

test("mq: passes @fedify/testing's testMessageQueue, ordering keys included", { timeout: 120_000 }, async () => {
  const file = tempFile();
  await testMessageQueue(
    () => new SqliteMessageQueue(file),
    async ({ mq1, mq2, controller }) => {
      controller.abort();
      await mq1.close();
      await mq2.close();
    },
    { testOrderingKey: true },
  );
});

test('mq: a message enqueued before close is handled after reopening the file', async () => {
  const file = tempFile();
  const a = new SqliteMessageQueue(file);
  await a.enqueue({ hello: 'thế giới' });
  await a.enqueue('later', { delay: { milliseconds: 200 } });
  await a.close();
  const b = new SqliteMessageQueue(file);
  const got: unknown[] = [];
  const ac = new AbortController();
  const started = Date.now();
  const run = b.listen((m) => void got.push(m), { signal: ac.signal });
  await until(() => got.length === 2);
  assert.deepEqual(got, [{ hello: 'thế giới' }, 'later']);
  assert.ok(Date.now() - started < 2000);
  ac.abort();
  await run;
  assert.deepEqual(await b.getDepth(), { queued: 0, ready: 0, delayed: 0 });
  await b.close();
});

test('mq: a message whose taker died is handed out again once its lease runs out', async () => {
  const file = tempFile();
  const q = new SqliteMessageQueue(file, { leaseMs: 300, pollIntervalMs: 50 });
  await q.enqueue('orphan');
  // Another process took it and died: its lease was set but will never be renewed.
  const raw = new DatabaseSync(file);
  raw.prepare("UPDATE fedify_mq SET lease_owner = 'dead', lease_until = ?").run(Date.now() + 300);
  raw.close();
  assert.equal((await q.getDepth()).queued, 0, 'a taken message is not counted as waiting');
  const got: { m: unknown; at: number }[] = [];
  const ac = new AbortController();
  const t0 = Date.now();
  const run = q.listen((m) => void got.push({ m, at: Date.now() - t0 }), { signal: ac.signal });
  await until(() => got.length === 1);
  assert.equal(got[0].m, 'orphan');
  assert.ok(got[0].at >= 250, `handed out after the lease, not before (${got[0].at} ms)`);
  ac.abort();
  await run;
  await q.close();
});

test('mq: a long handler keeps its lease, so no second listener gets the same message', async () => {
  const file = tempFile();
  const a = new SqliteMessageQueue(file, { leaseMs: 150, pollIntervalMs: 20 });
  const b = new SqliteMessageQueue(file, { leaseMs: 150, pollIntervalMs: 20 });
  let calls = 0;
  const slow = async () => {
    calls++;
    await new Promise((r) => setTimeout(r, 700));
  };
  const ac = new AbortController();
  const runs = [a.listen(slow, { signal: ac.signal }), b.listen(slow, { signal: ac.signal })];
  await a.enqueue('one');
  await new Promise((r) => setTimeout(r, 900));
  assert.equal(calls, 1);
  ac.abort();
  await Promise.all(runs);
  assert.equal((await a.getDepth()).queued, 0);
  await a.close();
  await b.close();
});

test('mq: the same Fedify task enqueued twice while waiting is delivered once; a retry (next attempt) is not a duplicate', async () => {
  const file = tempFile();
  const q = new SqliteMessageQueue(file, quiet);
  const task = { type: 'outbox', id: 'u1', activityId: 'https://a.example/act/1', inbox: 'https://b.example/inbox', attempt: 0 };
  await q.enqueue(task);
  await q.enqueue({ ...task, id: 'u2' }); // the same delivery, e.g. a fan-out replayed after a crash
  await q.enqueue({ ...task, inbox: 'https://c.example/inbox' });
  await q.enqueue({ ...task, attempt: 1 });
  await q.enqueue('plain messages are never deduplicated');
  await q.enqueue('plain messages are never deduplicated');
  assert.equal((await q.getDepth()).queued, 5);
  const got: unknown[] = [];
  const ac = new AbortController();
  const run = q.listen((m) => void got.push(m), { signal: ac.signal });
  await until(() => got.length === 5);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(got.length, 5);
  ac.abort();
  await run;
  await q.close();
});

test('mq: while a task is being handled, a copy of it may be enqueued (Fedify re-queues held deliveries that way)', async () => {
  const file = tempFile();
  const q = new SqliteMessageQueue(file, quiet);
  const task = { type: 'outbox', id: 'u1', activityId: 'https://a.example/act/1', inbox: 'https://b.example/inbox', attempt: 0 };
  let seen = 0;
  const ac = new AbortController();
  const run = q.listen(async (m) => {
    seen++;
    if (seen === 1) await q.enqueue({ ...(m as object), circuitHeld: true }, { delay: { milliseconds: 50 } });
  }, { signal: ac.signal });
  await q.enqueue(task);
  await until(() => seen === 2);
  ac.abort();
  await run;
  await q.close();
});

test('mq: dedup keys name the activity, the target and the attempt', () => {
  assert.equal(fedifyDedupKey('x'), null);
  assert.equal(fedifyDedupKey({ type: 'outbox', inbox: 'https://b/inbox' }), null);
  assert.equal(fedifyDedupKey({ type: 'inbox', activity: { id: 'https://a/1' }, identifier: 'an', attempt: 2 }), 'inbox\nhttps://a/1\nan\n2');
  const f1 = fedifyDedupKey({ type: 'fanout', activityId: 'https://a/1', inboxes: { 'https://b/i': {}, 'https://c/i': {} } });
  const f2 = fedifyDedupKey({ type: 'fanout', activityId: 'https://a/1', inboxes: { 'https://c/i': {}, 'https://b/i': {} } });
  const f3 = fedifyDedupKey({ type: 'fanout', activityId: 'https://a/1', inboxes: { 'https://b/i': {} } });
  assert.equal(f1, f2);
  assert.notEqual(f1, f3);
});

test('mq: a handler that throws is retried with backoff, then set aside as dead', async () => {
  let now = 1_000_000;
  const file = tempFile();
  const errors: { failures: number; dead: boolean }[] = [];
  const q = new SqliteMessageQueue(file, { now: () => now, maxFailures: 3, pollIntervalMs: 10, onHandlerError: (_e, i) => errors.push(i) });
  await q.enqueue('bad');
  let calls = 0;
  const ac = new AbortController();
  const run = q.listen(() => {
    calls++;
    throw new Error('boom');
  }, { signal: ac.signal });
  await until(() => calls === 1);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(calls, 1, 'not retried before its backoff');
  now += 1000;
  await until(() => calls === 2);
  now += 2000;
  await until(() => calls === 3);
  now += 3_600_000;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(calls, 3);
  assert.deepEqual(errors, [{ id: 1, failures: 1, dead: false }, { id: 1, failures: 2, dead: false }, { id: 1, failures: 3, dead: true }]);
  assert.equal((await q.getDepth()).queued, 0);
  ac.abort();
  await run;
  await q.close();
  const raw = new DatabaseSync(file, { readOnly: true });
  assert.equal((raw.prepare('SELECT COUNT(*) AS n FROM fedify_mq WHERE dead_at IS NOT NULL').get() as { n: number }).n, 1);
  raw.close();
});

test('mq: an idle listener polls at its interval instead of spinning', async () => {
  const file = tempFile();
  const q = new SqliteMessageQueue(file, { pollIntervalMs: 200 });
  const ac = new AbortController();
  const before = process.cpuUsage();
  const run = q.listen(() => {}, { signal: ac.signal });
  await new Promise((r) => setTimeout(r, 1000));
  const used = process.cpuUsage(before);
  ac.abort();
  await run;
  await q.close();
  assert.ok((used.user + used.system) / 1000 < 200, `an idle second costs little CPU (${(used.user + used.system) / 1000} ms)`);
});

test('mq: enqueue in the same process wakes a waiting listener at once', async () => {
  const file = tempFile();
  const a = new SqliteMessageQueue(file, { pollIntervalMs: 10_000 });
  const b = new SqliteMessageQueue(file, { pollIntervalMs: 10_000 });
  let at = 0;
  const ac = new AbortController();
  const run = b.listen(() => void (at = Date.now()), { signal: ac.signal });
  await new Promise((r) => setTimeout(r, 50));
  const t0 = Date.now();
  await a.enqueue('now');
  await until(() => at > 0, 2000);
  assert.ok(at - t0 < 200, `woken in ${at - t0} ms`);
  ac.abort();
  await run;
  await a.close();
  await b.close();
});

test('mq: bad options and a closed queue say what is wrong', async () => {
  assert.throws(() => new SqliteMessageQueue(tempFile(), { leaseMs: 5 }), /leaseMs/);
  const q = new SqliteMessageQueue(tempFile());
  await q.close();
  await assert.rejects(q.enqueue('x'), /đã đóng/);
  const open = new SqliteMessageQueue(tempFile());
  await assert.rejects(open.enqueue('x', { delay: { months: 1 } }), /năm hay tháng/);
  await open.close();
});
