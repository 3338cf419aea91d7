/**
 * Moderation between two real `tra serve` processes on loopback (test/federation/tra-process.ts),
 * driven with masto 8.0.0 and the operator's pages:
 *
 * - a block of a remote account reaches its server as a Block (the follows both ways end there,
 *   and the blocked account sees `blocked_by`), an unblock as Undo(Block);
 * - a report forwarded to the remote server arrives there as a Flag, a report on its operator's page;
 * - a takedown of a local post federates as Delete; a takedown of a remote post removes it here only;
 * - a suspended server's posts are refused by the inbox and nothing is delivered to it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MastoHttpError, type mastodon } from 'masto';
import { addAccount, freePort, TraProcess, until } from '../federation/tra-process.ts';
import { CookieJar, csrfOf, form, signIn } from './support.ts';

const PASSWORD = 'mật-khẩu-thật-dài-1';
let root: string;
let A: TraProcess; // lan and the operator qa
let B: TraProcess; // bob and the operator qb
let lan: mastodon.rest.Client;
let bob: mastodon.rest.Client;
let bobOnA: mastodon.v1.Account;
let lanOnB: mastodon.v1.Account;

function sql<T>(dir: string, q: string, ...p: string[]): T[] {
  const db = new DatabaseSync(path.join(dir, 'social.sqlite'));
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    return db.prepare(q).all(...p) as T[];
  } finally {
    db.close();
  }
}

async function operator(p: TraProcess, username: string): Promise<{ jar: CookieJar; csrf: string }> {
  const jar = new CookieJar();
  await signIn(p.origin, jar, username, PASSWORD);
  const page = await jar.fetch(`${p.origin}/quan-tri/kiem-duyet`);
  assert.equal(page.status, 200);
  return { jar, csrf: csrfOf(await page.text()) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-mod-fed-'));
  const [pa, pb] = [await freePort(), await freePort()];
  A = new TraProcess(path.join(root, 'a'), pa);
  B = new TraProcess(path.join(root, 'b'), pb);
  const [ta, tb] = await Promise.all([addAccount(A.dir, 'lan'), addAccount(B.dir, 'bob')]);
  await Promise.all([addAccount(A.dir, 'qa'), addAccount(B.dir, 'qb')]);
  sql(A.dir, "UPDATE accounts SET role = 'admin' WHERE username = 'qa' RETURNING id");
  sql(B.dir, "UPDATE accounts SET role = 'admin' WHERE username = 'qb' RETURNING id");
  await Promise.all([A.start(), B.start()]);
  lan = A.client(ta.token);
  bob = B.client(tb.token);
  bobOnA = await lan.v1.accounts.lookup({ acct: `bob@${B.host}` });
  lanOnB = await bob.v1.accounts.lookup({ acct: `lan@${A.host}` });
  await lan.v1.accounts.$select(bobOnA.id).follow();
  await bob.v1.accounts.$select(lanOnB.id).follow();
  await until(async () => ((await lan.v1.accounts.relationships.fetch({ id: [bobOnA.id] }))[0].following ? true : undefined), 'lan follows bob');
  await until(async () => ((await bob.v1.accounts.relationships.fetch({ id: [lanOnB.id] }))[0].following ? true : undefined), 'bob follows lan');
});

after(async () => {
  await Promise.all([A?.stop(), B?.stop()]);
  if (process.env.TRA_KEEP !== '1') fs.rmSync(root, { recursive: true, force: true });
});

test('a block federates as Block (follows end on both servers, the blocked side sees blocked_by) and an unblock as Undo(Block)', async () => {
  const rel = await lan.v1.accounts.$select(bobOnA.id).block();
  assert.equal(rel.blocking, true);
  assert.equal(rel.following, false);
  const onB = await until(async () => {
    const [r] = await bob.v1.accounts.relationships.fetch({ id: [lanOnB.id] });
    return r.blockedBy && !r.following && !r.followedBy ? r : undefined;
  }, 'the Block recorded on B');
  assert.equal(onB.blockedBy, true);
  await lan.v1.accounts.$select(bobOnA.id).unblock();
  await until(async () => ((await bob.v1.accounts.relationships.fetch({ id: [lanOnB.id] }))[0].blockedBy ? undefined : true), 'the Undo(Block) on B');
  // Follow again for the tests below.
  await lan.v1.accounts.$select(bobOnA.id).follow();
  await bob.v1.accounts.$select(lanOnB.id).follow();
  await until(async () => ((await lan.v1.accounts.relationships.fetch({ id: [bobOnA.id] }))[0].following ? true : undefined), 'lan follows bob again');
  await until(async () => ((await bob.v1.accounts.relationships.fetch({ id: [lanOnB.id] }))[0].following ? true : undefined), 'bob follows lan again');
});

test('a forwarded report reaches the remote server as a Flag, on its operator\'s page', async () => {
  const post = await bob.v1.statuses.create({ status: 'Bài sẽ bị báo cáo từ máy chủ khác' });
  const arrived = await until(async () => (await lan.v1.timelines.home.list()).find((s) => s.uri === post.uri), 'the post on A');
  const report = await lan.v1.reports.create({ accountId: bobOnA.id, statusIds: [arrived.id], comment: 'Thông tin sai sự thật', category: 'other', forward: true });
  assert.equal(report.forwarded, true);
  const rows = await until(async () => {
    const r = sql<{ target: string; comment: string; status_ids: string; account_id: string | null }>(B.dir, "SELECT a.username AS target, r.comment, r.status_ids, r.account_id FROM reports r JOIN accounts a ON a.id = r.target_account_id");
    return r.length ? r : undefined;
  }, 'the Flag on B', 20_000);
  assert.equal(rows[0].target, 'bob');
  assert.match(rows[0].comment, /Thông tin sai sự thật/);
  assert.deepEqual(JSON.parse(rows[0].status_ids), [post.id]);
  assert.equal(rows[0].account_id, null, 'who reported stays on the reporter\'s server');
  const op = await operator(B, 'qb');
  assert.match(await (await op.jar.fetch(`${B.origin}/quan-tri/kiem-duyet`)).text(), /Thông tin sai sự thật/);
});

test('a takedown of a local post federates as Delete; of a remote post it removes it here only', async () => {
  const local = await bob.v1.statuses.create({ status: 'Bài của bob sẽ bị người vận hành B gỡ' });
  const onA = await until(async () => (await lan.v1.timelines.home.list()).find((s) => s.uri === local.uri), 'the post on A');
  const opB = await operator(B, 'qb');
  assert.equal((await opB.jar.fetch(`${B.origin}/quan-tri/kiem-duyet/go-bai`, form({ csrf: opB.csrf, status_id: local.id, note: 'Vi phạm quy tắc' }))).status, 200);
  await until(async () => ((await lan.v1.timelines.home.list()).some((s) => s.id === onA.id) ? undefined : true), 'the Delete on A');
  await assert.rejects(lan.v1.statuses.$select(onA.id).fetch(), (e: unknown) => e instanceof MastoHttpError && e.statusCode === 404);

  const remote = await bob.v1.statuses.create({ status: 'Bài của bob sẽ bị người vận hành A gỡ khỏi A' });
  const copy = await until(async () => (await lan.v1.timelines.home.list()).find((s) => s.uri === remote.uri), 'the second post on A');
  const opA = await operator(A, 'qa');
  const res = await opA.jar.fetch(`${A.origin}/quan-tri/kiem-duyet/go-bai`, form({ csrf: opA.csrf, status_id: copy.id, note: 'Không phù hợp ở máy chủ này' }));
  assert.equal(res.status, 200);
  await assert.rejects(lan.v1.statuses.$select(copy.id).fetch(), (e: unknown) => e instanceof MastoHttpError && e.statusCode === 404);
  await sleep(500);
  assert.equal((await bob.v1.statuses.$select(remote.id).fetch()).id, remote.id, 'still on its own server');
});

test('suspending a server: its posts are refused and nothing is delivered to it; lifting the policy resumes both', async () => {
  const opA = await operator(A, 'qa');
  const set = await opA.jar.fetch(`${A.origin}/quan-tri/kiem-duyet/may-chu`, form({ csrf: opA.csrf, domain: B.host, severity: 'suspend', public_comment: 'Thử nghiệm đình chỉ' }));
  assert.equal(set.status, 200);
  const listed = (await (await fetch(`${A.origin}/api/v1/instance/domain_blocks`)).json()) as Array<{ domain: string; severity: string }>;
  assert.deepEqual(listed.map((d) => [d.domain, d.severity]), [[B.host, 'suspend']]);

  const fromB = await bob.v1.statuses.create({ status: 'Bài gửi tới máy chủ đã đình chỉ mình' });
  const fromA = await lan.v1.statuses.create({ status: 'Bài không được gửi tới máy chủ bị đình chỉ' });
  await sleep(2500);
  assert.equal(sql(A.dir, 'SELECT 1 FROM statuses WHERE uri = ?', fromB.uri).length, 0, 'the inbox refused it');
  assert.ok(!(await bob.v1.timelines.home.list()).some((s) => s.uri === fromA.uri), 'not delivered to B');

  const lift = await opA.jar.fetch(`${A.origin}/quan-tri/kiem-duyet/may-chu`, form({ csrf: opA.csrf, domain: B.host, severity: 'none', public_comment: '' }));
  assert.equal(lift.status, 200);
  const later = await bob.v1.statuses.create({ status: 'Bài sau khi bỏ đình chỉ' });
  await until(async () => (await lan.v1.timelines.home.list()).find((s) => s.uri === later.uri), 'delivery resumes');
  const pub = await (await fetch(`${A.origin}/may-chu/chinh-sach`)).text();
  assert.match(pub, /Thử nghiệm đình chỉ/);
  assert.equal(A.stderr.includes('Error'), false, A.stderr);
});
