/**
 * Delivery between two real `tra serve` processes on loopback, through the Mastodon API:
 * `node_modules/.bin/node test/federation/measure-serve.ts [N]` (default 100).
 *
 * lan (server A) follows bob (server B); bob posts N statuses as fast as the API takes them; the
 * arrival of each in lan's home timeline is timed (the home timeline is polled every 20 ms).
 * Prints p50/p99/max of post → arrival, the end-to-end throughput, and the same for single posts
 * sent one at a time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addAccount, freePort, TraProcess, until } from './tra-process.ts';

const N = Number(process.argv[2] ?? 100);
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-measure-'));
const A = new TraProcess(path.join(root, 'a'), await freePort());
const B = new TraProcess(path.join(root, 'b'), await freePort());
try {
  const [ta, tb] = await Promise.all([addAccount(A.dir, 'lan'), addAccount(B.dir, 'bob')]);
  await Promise.all([A.start(), B.start()]);
  const lan = A.client(ta.token);
  const bob = B.client(tb.token);
  const bobOnA = await lan.v1.accounts.lookup({ acct: `bob@${B.host}` });
  await lan.v1.accounts.$select(bobOnA.id).follow();
  await until(async () => ((await lan.v1.accounts.relationships.fetch({ id: [bobOnA.id] }))[0].following ? true : undefined), 'Accept');

  const sentAt = new Map<string, number>();
  const arrived = new Map<string, number>();
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      for (const s of await lan.v1.timelines.home.list({ limit: 40 })) if (!arrived.has(s.uri) && sentAt.has(s.uri)) arrived.set(s.uri, Date.now());
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  // A burst: N posts as fast as the API takes them.
  const t0 = Date.now();
  for (let i = 0; i < N; i++) {
    const before = Date.now();
    const st = await bob.v1.statuses.create({ status: `Đo giao bài số ${i}` });
    sentAt.set(st.uri, before);
  }
  await until(async () => (arrived.size >= N ? true : undefined), 'every post of the burst', 600_000);
  const burstMs = Date.now() - t0;
  const burst = [...sentAt].map(([u, t]) => arrived.get(u)! - t).sort((x, y) => x - y);

  // One at a time.
  const single: number[] = [];
  for (let i = 0; i < 20; i++) {
    const before = Date.now();
    const st = await bob.v1.statuses.create({ status: `Đo một bài số ${i}` });
    sentAt.set(st.uri, before);
    await until(async () => (arrived.has(st.uri) ? true : undefined), 'the single post', 60_000);
    single.push(arrived.get(st.uri)! - before);
  }
  single.sort((x, y) => x - y);
  watching = false;
  await watcher;
  console.log(JSON.stringify({
    posts: N,
    burst: { ms: burstMs, posts_per_s: Math.round((N / burstMs) * 10000) / 10, p50: pct(burst, 50), p99: pct(burst, 99), max: burst.at(-1) },
    one_at_a_time: { n: single.length, p50: pct(single, 50), p99: pct(single, 99), max: single.at(-1) },
    load: os.loadavg().map((x) => Math.round(x * 10) / 10),
  }));
} finally {
  await Promise.all([A.stop(), B.stop()]);
  fs.rmSync(root, { recursive: true, force: true });
}
