import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ObserveCounts, dayOfIso } from './counts.ts';
import { AlertStore, verifySignature, backoffMs, MAX_ATTEMPTS, toServerSentEvent, DELIVERY_FAILED } from './alerts.ts';
import { syntheticNews, fakeEngine, webhookReceiver } from './test-fixtures.ts';

const START = '2025-06-02';
const day = (offset: number) => dayOfIso(START) + offset;
const FLOOD = 'Lũ quét ở Lào Cai cuốn trôi nhiều nhà dân';
/** The receivers below listen on loopback: these tests run as an operator who allowed it. */
const LOOPBACK = { allowPrivate: true };

test('threshold alert: once per episode, signed webhook, retried after a failure, survives a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-alerts-'));
  const hook = await webhookReceiver([500]);
  try {
    const docs = syntheticNews(START, 40, 30, [
      { day: 30, docs: 12, title: FLOOD },
      { day: 31, docs: 9, title: FLOOD },
      { day: 37, docs: 8, title: FLOOD },
    ]);
    const counts = new ObserveCounts(dir);
    counts.add(docs.map((doc) => ({ doc })));
    const engine = fakeEngine(docs);
    let store = new AlertStore(dir);
    const a = store.add({ name: 'lũ Lào Cai', query: 'lũ quét', kind: 'threshold', value: 5, webhook: hook.url, secret: 's3cret' });
    const e = store.add({ name: 'lũ nổi lên', query: 'lũ quét', kind: 'emerging', value: 4 });
    assert.deepEqual(store.check(engine, counts, day(29)), []);
    const events = store.check(engine, counts, day(34));
    const mine = events.filter((x) => x.alert === a.id);
    assert.deepEqual(mine.map((x) => [x.type, x.day]), [['start', '2025-07-02'], ['end', '2025-07-04']]);
    assert.equal(mine[0].count, 12);
    const em = events.filter((x) => x.alert === e.id);
    assert.equal(em[0].type, 'start');
    assert.equal(em[0].day, '2025-07-02');
    assert.ok((em[0].score ?? 0) >= 4);
    // Checking the same days again records nothing new.
    assert.deepEqual(store.check(engine, counts, day(34)), []);

    // First delivery fails (HTTP 500) and is scheduled for later.
    const now = Date.parse('2025-07-05T00:00:00Z');
    assert.deepEqual(await store.deliver({ now, policy: LOOPBACK }), { delivered: 0, failed: 1, gaveUp: 0 });
    assert.deepEqual(await store.deliver({ now: now + 1000, policy: LOOPBACK }), { delivered: 0, failed: 0, gaveUp: 0 });
    // Restart: the pending event is still there and goes out when due.
    store.close();
    store = new AlertStore(dir);
    assert.equal(store.event(mine[0].id)?.delivered, false);
    assert.equal(store.event(mine[0].id)?.lastError, DELIVERY_FAILED);
    assert.deepEqual(await store.deliver({ now: now + backoffMs(1), policy: LOOPBACK }), { delivered: 1, failed: 0, gaveUp: 0 });
    assert.equal(store.event(mine[0].id)?.delivered, true);
    assert.equal(hook.got.length, 2);
    for (const r of hook.got) {
      assert.equal(r.headers['x-tra-event'], String(mine[0].id));
      assert.ok(verifySignature('s3cret', Number(r.headers['x-tra-timestamp']), r.body, String(r.headers['x-tra-signature'])));
      assert.ok(!verifySignature('wrong', Number(r.headers['x-tra-timestamp']), r.body, String(r.headers['x-tra-signature'])));
      const body = JSON.parse(r.body);
      assert.equal(body.type, 'start');
      assert.equal(body.day, '2025-07-02');
      assert.equal(body.query, 'lũ quét');
    }
    // Nothing more to send; 'end' events are not posted.
    assert.deepEqual(await store.deliver({ now: now + 3_600_000, policy: LOOPBACK }), { delivered: 0, failed: 0, gaveUp: 0 });
    // A new episode fires again.
    const laterAll = store.check(engine, counts, day(39));
    const later = laterAll.filter((x) => x.alert === a.id);
    assert.deepEqual(later.map((x) => [x.type, x.day]), [['start', '2025-07-09'], ['end', '2025-07-10']]);
    // What a server-sent events stream resumes from: everything after the last id it sent.
    const lastSeen = Math.max(...events.map((x) => x.id));
    assert.deepEqual(store.eventsSince(lastSeen).map((x) => x.id), laterAll.map((x) => x.id));
    assert.equal(store.eventsSince(0).length, events.length + laterAll.length);
    // As a server-sent event: id for Last-Event-ID, one data line, no delivery internals.
    const sse = toServerSentEvent(later[0]);
    assert.match(sse, new RegExp(`^id: ${later[0].id}\nevent: alert-start\ndata: [{].*[}]\n\n$`));
    const data = JSON.parse(sse.split('\n')[2].slice(6));
    assert.equal(data.day, '2025-07-09');
    assert.equal(data.delivered, undefined);
    store.close();
    counts.close();
  } finally {
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a webhook that never answers 2xx is given up after MAX_ATTEMPTS, and kept with its error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-alerts-'));
  const hook = await webhookReceiver(new Array(MAX_ATTEMPTS).fill(503));
  try {
    const docs = syntheticNews(START, 12, 20, [{ day: 11, docs: 9, title: FLOOD }]);
    const counts = new ObserveCounts(dir);
    counts.add(docs.map((doc) => ({ doc })));
    const store = new AlertStore(dir);
    store.add({ name: 'x', query: 'lũ quét', kind: 'threshold', value: 5, webhook: hook.url });
    store.check(fakeEngine(docs), counts, day(10));
    const [ev] = store.check(fakeEngine(docs), counts, day(11));
    let now = Date.parse('2025-06-14T00:00:00Z');
    let gaveUp = 0;
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const r = await store.deliver({ now, policy: LOOPBACK });
      gaveUp += r.gaveUp;
      now += 2 * 3_600_000;
    }
    assert.equal(gaveUp, 1);
    assert.equal(hook.got.length, MAX_ATTEMPTS);
    const kept = store.event(ev.id);
    assert.equal(kept?.attempts, MAX_ATTEMPTS);
    assert.equal(kept?.lastError, DELIVERY_FAILED);
    assert.deepEqual(await store.deliver({ now: now + 1e9, policy: LOOPBACK }), { delivered: 0, failed: 0, gaveUp: 0 });
    store.close();
    counts.close();
  } finally {
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a new alert backtests over the data it can see (history, never sent); later checks cover every day since', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-alerts-bt-'));
  const hook = await webhookReceiver([]);
  try {
    const docs = syntheticNews(START, 70, 30, [
      { day: 20, docs: 12, title: FLOOD },
      { day: 45, docs: 10, title: FLOOD },
      { day: 60, docs: 11, title: FLOOD },
    ]);
    const counts = new ObserveCounts(dir);
    counts.add(docs.map((doc) => ({ doc })));
    const engine = fakeEngine(docs);
    const store = new AlertStore(dir);
    const a = store.add({ name: 'lũ', query: 'lũ quét', kind: 'threshold', value: 5, webhook: hook.url });
    // Created "on day 50": the episodes of days 20 and 45 are history.
    const first = store.check(engine, counts, day(50));
    assert.deepEqual(first.filter((x) => x.type === 'start').map((x) => [x.day, x.backtest === true]), [['2025-06-22', true], ['2025-07-17', true]]);
    assert.ok(first.every((x) => x.delivered), 'backtest events are not sent');
    // A check a while later covers every day in between, and new episodes are sent.
    const later = store.check(engine, counts, day(69));
    assert.deepEqual(later.filter((x) => x.type === 'start').map((x) => [x.day, x.backtest === true, x.delivered]), [['2025-08-01', false, false]]);
    const rep = await store.deliver({ policy: LOOPBACK });
    assert.equal(rep.delivered, 1);
    assert.equal(hook.got.length, 1);
    assert.equal(store.get(a.id)?.lastCheckedDay, day(69));
    store.close();
    counts.close();
  } finally {
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an alerts table made before accounts gains the owner column on open; old alerts stay the operator\'s', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-alerts-owner-'));
  try {
    // The table as it was before the column existed.
    const old = new DatabaseSync(join(dir, 'alerts.sqlite'));
    old.exec(`CREATE TABLE alerts(id INTEGER PRIMARY KEY, name TEXT NOT NULL, query TEXT NOT NULL, kind TEXT NOT NULL, value REAL NOT NULL,
      webhook TEXT, secret TEXT, in_episode INTEGER NOT NULL DEFAULT 0, last_checked_day INTEGER, created TEXT NOT NULL);
      INSERT INTO alerts(name, query, kind, value, created) VALUES ('cũ', 'bão', 'threshold', 3, '2025-01-01T00:00:00.000Z');`);
    old.close();
    let store = new AlertStore(dir);
    assert.equal(store.get(1)?.owner, undefined, 'an alert from before accounts is the operator\'s');
    const mine = store.add({ name: 'của Lan', query: 'lũ', kind: 'emerging', value: 4, owner: '115000000000000001' });
    store.close();
    store = new AlertStore(dir);
    assert.equal(store.get(mine.id)?.owner, '115000000000000001', 'kept across a reopen');
    assert.deepEqual(store.list().map((a) => a.owner ?? null), [null, '115000000000000001']);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
