/**
 * Measures federation delivery to a loopback peer, and the raw queue.
 *
 *   node test/federation/measure-delivery.ts [POSTS=300]
 *
 * 1. Two instances on loopback; alice (on A) follows bob (on B); bob sends POSTS Create(Note) to
 *    his followers as fast as `send` returns. Reported: how long `send` takes (p50/p99), the time
 *    from send to arrival in alice's SocialInbox (p50/p99/max), and posts delivered per second.
 * 2. The queue alone: enqueue N messages one commit each, then drain them with one listener.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as A from '../../src/social/federation/activities.ts';
import { SqliteMessageQueue } from '../../src/social/federation/message-queue.ts';
import { startInstance } from './instance.ts';
import { eventually } from './memory-social.ts';

const posts = Number(process.argv[2] ?? 300);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-fed-measure-'));

const a = await startInstance(path.join(dir, 'a.sqlite'));
const b = await startInstance(path.join(dir, 'b.sqlite'));
a.social.addAccount('alice');
b.social.addAccount('bob');
const bob = { id: `${b.origin}/users/bob`, inbox: `${b.origin}/users/bob/inbox`, sharedInbox: `${b.origin}/inbox` };
await a.fed.outbox.send('alice', A.follow(a.fed.context(), 'alice', 'f1', new URL(bob.id)), [bob]);
await eventually(() => a.social.of('followAccepted').length === 1, 'follow accepted');

// Warm-up: one post, so key fetches and signature-spec discovery are not in the figures.
const sentAt = new Map<string, number>();
const sendTimes: number[] = [];
async function post(id: string): Promise<void> {
  const p = b.social.addPost({ id, username: 'bob', type: 'Note', contentHtml: `<p>Bài số ${id}: chuyển đổi số</p>`, published: new Date(), visibility: 'public' });
  const t0 = performance.now();
  sentAt.set(`${b.origin}/users/bob/statuses/${id}`, t0);
  await b.fed.outbox.send('bob', A.createPost(b.fed.context(), p), 'followers');
  sendTimes.push(performance.now() - t0);
}
await post('warm');
await eventually(() => a.social.of('postCreated').length === 1, 'warm-up post');
sendTimes.length = 0;
const arrivedAt = new Map<string, number>();
const origCreated = a.social.postCreated.bind(a.social);
a.social.postCreated = (e) => {
  arrivedAt.set(e.post.id, performance.now());
  origCreated(e);
};

const start = performance.now();
for (let i = 0; i < posts; i++) await post(String(i));
await eventually(() => arrivedAt.size >= posts, 'all posts delivered', 300_000);
const total = (performance.now() - start) / 1000;
const lat = [...arrivedAt].map(([id, t]) => t - sentAt.get(id)!);
console.log(`delivery to a loopback peer: ${posts} posts in ${total.toFixed(2)} s = ${(posts / total).toFixed(0)} posts/s`);
console.log(`  send() p50 ${pct(sendTimes, 50).toFixed(1)} ms, p99 ${pct(sendTimes, 99).toFixed(1)} ms`);
console.log(`  send → arrival p50 ${pct(lat, 50).toFixed(0)} ms, p99 ${pct(lat, 99).toFixed(0)} ms, max ${Math.max(...lat).toFixed(0)} ms`);

// One post at a time (an idle system): send → arrival.
const single: number[] = [];
for (let i = 0; i < 20; i++) {
  const id = `single-${i}`;
  await post(id);
  await eventually(() => arrivedAt.has(`${b.origin}/users/bob/statuses/${id}`), 'single post', 10_000);
  single.push(arrivedAt.get(`${b.origin}/users/bob/statuses/${id}`)! - sentAt.get(`${b.origin}/users/bob/statuses/${id}`)!);
}
console.log(`  one post at a time: send → arrival p50 ${pct(single, 50).toFixed(0)} ms, max ${Math.max(...single).toFixed(0)} ms`);
await a.stop();
await b.stop();

const n = 2000;
const q = new SqliteMessageQueue(path.join(dir, 'q.sqlite'));
let t = performance.now();
for (let i = 0; i < n; i++) await q.enqueue({ type: 'outbox', activityId: `https://x.example/a/${i}`, inbox: 'https://y.example/inbox', attempt: 0, pad: 'x'.repeat(2000) });
const enq = (performance.now() - t) / 1000;
let got = 0;
const ac = new AbortController();
t = performance.now();
const run = q.listen(() => void got++, { signal: ac.signal });
await eventually(() => got >= n, 'drain', 120_000);
const drain = (performance.now() - t) / 1000;
ac.abort();
await run;
await q.close();
console.log(`queue: enqueue ${n} (2 KB each, one commit each) ${(n / enq).toFixed(0)}/s; drain with one listener ${(n / drain).toFixed(0)}/s`);
fs.rmSync(dir, { recursive: true, force: true });
