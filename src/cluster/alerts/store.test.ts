/**
 * One suite for both alert stores: one machine's SQLite (src/observe/alerts.ts) and the cluster's
 * PostgreSQL (./store.ts) must answer the same checks with the same events, deliver the same way
 * and keep the same state. Then what only a shared store must do: two servers checking and
 * delivering at once record each episode once and send each event once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObserveCounts, dayOfIso } from '../../observe/counts.ts';
import { AlertStore, MAX_ATTEMPTS, DELIVERY_FAILED, verifySignature, backoffMs, type Alert, type AlertEvent, type AlertSpec, type DeliverOptions, type DeliveryReport } from '../../observe/alerts.ts';
import { syntheticNews, fakeEngine, webhookReceiver } from '../../observe/test-fixtures.ts';
import { PG_SKIP, testSchema, type TestSchema } from '../../../test/cluster/pg.ts';
import { PgAlertStore, type AsyncTrendsSource } from './store.ts';
import { openPool } from '../pg/connect.ts';

const START = '2025-06-02';
const day = (offset: number) => dayOfIso(START) + offset;
const FLOOD = 'Lũ quét ở Lào Cai cuốn trôi nhiều nhà dân';
const LOOPBACK = { allowPrivate: true };

/** What the suite needs of a store, as promises (SQLite's answers are wrapped). */
interface Store {
  add(spec: AlertSpec, now?: number): Promise<Alert>;
  get(id: number): Promise<Alert | undefined>;
  list(): Promise<Alert[]>;
  remove(id: number): Promise<boolean>;
  check(engine: AsyncTrendsSource, counts: ObserveCounts, untilDay: number, now?: number): Promise<AlertEvent[]>;
  event(id: number): Promise<AlertEvent | undefined>;
  lastEventId(): Promise<number>;
  eventsSince(id?: number, limit?: number): Promise<AlertEvent[]>;
  deliver(o?: DeliverOptions): Promise<DeliveryReport>;
}

interface Backend {
  name: string;
  skip: string | false;
  /** A fresh store, and a second handle on the same data (another process/server). */
  open(): Promise<{ store: Store; again(): Promise<Store>; done(): Promise<void> }>;
}

function sqliteStore(dir: string): Store {
  const s = new AlertStore(dir);
  return {
    add: async (spec, now) => s.add(spec, now),
    get: async (id) => s.get(id),
    list: async () => s.list(),
    remove: async (id) => s.remove(id),
    check: async (engine, counts, until, now) => s.check(engine as Parameters<AlertStore['check']>[0], counts, until, now),
    event: async (id) => s.event(id),
    lastEventId: async () => s.lastEventId(),
    eventsSince: async (id, limit) => s.eventsSince(id, limit),
    deliver: (o) => s.deliver(o),
  };
}

const BACKENDS: Backend[] = [
  {
    name: 'SQLite',
    skip: false,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'tra-alerts-both-'));
      return { store: sqliteStore(dir), again: async () => sqliteStore(dir), done: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'PostgreSQL',
    skip: PG_SKIP,
    async open() {
      const s: TestSchema = await testSchema();
      const pools = [s.pool];
      return {
        store: new PgAlertStore(s.pool),
        again: async () => {
          const p = openPool(s.url, { max: 4 });
          pools.push(p);
          return new PgAlertStore(p);
        },
        done: async () => {
          for (const p of pools.slice(1)) await p.end();
          await s.drop();
        },
      };
    },
  },
];

/** Counts of `docs` in a temp directory (the check's day totals). */
function countsOf(docs: ReturnType<typeof syntheticNews>): { counts: ObserveCounts; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tra-alerts-counts-'));
  const counts = new ObserveCounts(dir);
  counts.add(docs.map((doc) => ({ doc })));
  return { counts, done: () => (counts.close(), rmSync(dir, { recursive: true, force: true })) };
}

/** What an event looks like whatever the store (ids and creation times differ). */
const shape = (e: AlertEvent) => [e.type, e.day, e.count, e.expected, e.score ?? null, e.backtest === true, e.viaWebhook, e.delivered];

const results = new Map<string, unknown>();

for (const b of BACKENDS) {
  test(`${b.name}: once per episode, signed webhook retried after a failure, resumable event stream`, { skip: b.skip }, async () => {
    const docs = syntheticNews(START, 40, 30, [
      { day: 30, docs: 12, title: FLOOD },
      { day: 31, docs: 9, title: FLOOD },
      { day: 37, docs: 8, title: FLOOD },
    ]);
    const c = countsOf(docs);
    const engine = fakeEngine(docs);
    const hook = await webhookReceiver([500]);
    const h = await b.open();
    try {
      const store = h.store;
      const a = await store.add({ name: 'lũ Lào Cai', query: 'lũ quét', kind: 'threshold', value: 5, webhook: hook.url, secret: 's3cret' });
      const e = await store.add({ name: 'lũ nổi lên', query: 'lũ quét', kind: 'emerging', value: 4 });
      assert.deepEqual((await store.check(engine, c.counts, day(29))).filter((x) => !x.backtest), []);
      const events = await store.check(engine, c.counts, day(34));
      const mine = events.filter((x) => x.alert === a.id);
      assert.deepEqual(mine.map((x) => [x.type, x.day]), [['start', '2025-07-02'], ['end', '2025-07-04']]);
      assert.equal(mine[0].count, 12);
      const em = events.filter((x) => x.alert === e.id);
      assert.equal(em[0].type, 'start');
      assert.ok((em[0].score ?? 0) >= 4);
      assert.deepEqual(await store.check(engine, c.counts, day(34)), [], 'the same days again record nothing');

      const now = Date.parse('2025-07-05T00:00:00Z');
      assert.deepEqual(await store.deliver({ now, policy: LOOPBACK }), { delivered: 0, failed: 1, gaveUp: 0 });
      assert.deepEqual(await store.deliver({ now: now + 1000, policy: LOOPBACK }), { delivered: 0, failed: 0, gaveUp: 0 });
      // Another handle (a restart, another server) sees the waiting event and sends it when due.
      const other = await h.again();
      assert.equal((await other.event(mine[0].id))?.lastError, DELIVERY_FAILED);
      assert.deepEqual(await other.deliver({ now: now + backoffMs(1), policy: LOOPBACK }), { delivered: 1, failed: 0, gaveUp: 0 });
      assert.equal((await store.event(mine[0].id))?.delivered, true);
      assert.equal(hook.got.length, 2);
      for (const r of hook.got) {
        assert.equal(r.headers['x-tra-event'], String(mine[0].id));
        assert.ok(verifySignature('s3cret', Number(r.headers['x-tra-timestamp']), r.body, String(r.headers['x-tra-signature'])));
      }
      const laterAll = await store.check(engine, c.counts, day(39));
      const lastSeen = Math.max(...events.map((x) => x.id));
      assert.deepEqual((await store.eventsSince(lastSeen)).map((x) => x.id), laterAll.map((x) => x.id));
      assert.equal(await store.lastEventId(), Math.max(...laterAll.map((x) => x.id)));
      assert.equal((await store.get(a.id))?.lastCheckedDay, day(39));
      assert.equal(await store.remove(e.id), true);
      assert.equal(await store.remove(e.id), false);
      assert.deepEqual((await store.list()).map((x) => x.name), ['lũ Lào Cai']);
      results.set(`${b.name}:episodes`, [...events, ...laterAll].map(shape));
    } finally {
      await h.done();
      await hook.close();
      c.done();
    }
  });

  test(`${b.name}: a webhook that never answers 2xx is given up after MAX_ATTEMPTS and kept with its error`, { skip: b.skip }, async () => {
    const docs = syntheticNews(START, 12, 20, [{ day: 11, docs: 9, title: FLOOD }]);
    const c = countsOf(docs);
    const hook = await webhookReceiver(new Array(MAX_ATTEMPTS).fill(503));
    const h = await b.open();
    try {
      const store = h.store;
      await store.add({ name: 'x', query: 'lũ quét', kind: 'threshold', value: 5, webhook: hook.url });
      await store.check(fakeEngine(docs), c.counts, day(10));
      const [ev] = await store.check(fakeEngine(docs), c.counts, day(11));
      let now = Date.parse('2025-06-14T00:00:00Z');
      let gaveUp = 0;
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        gaveUp += (await store.deliver({ now, policy: LOOPBACK })).gaveUp;
        now += 2 * 3_600_000;
      }
      assert.equal(gaveUp, 1);
      assert.equal(hook.got.length, MAX_ATTEMPTS);
      const kept = await store.event(ev.id);
      assert.equal(kept?.attempts, MAX_ATTEMPTS);
      assert.equal(kept?.lastError, DELIVERY_FAILED);
      assert.deepEqual(await store.deliver({ now: now + 1e9, policy: LOOPBACK }), { delivered: 0, failed: 0, gaveUp: 0 });
    } finally {
      await h.done();
      await hook.close();
      c.done();
    }
  });

  test(`${b.name}: a new alert backtests the data it can see (never sent); later checks cover every day since`, { skip: b.skip }, async () => {
    const docs = syntheticNews(START, 70, 30, [
      { day: 20, docs: 12, title: FLOOD },
      { day: 45, docs: 10, title: FLOOD },
      { day: 60, docs: 11, title: FLOOD },
    ]);
    const c = countsOf(docs);
    const hook = await webhookReceiver([]);
    const h = await b.open();
    try {
      const store = h.store;
      await store.add({ name: 'lũ', query: 'lũ quét', kind: 'threshold', value: 5, webhook: hook.url });
      const first = await store.check(fakeEngine(docs), c.counts, day(50));
      assert.deepEqual(first.filter((x) => x.type === 'start').map((x) => [x.day, x.backtest === true]), [['2025-06-22', true], ['2025-07-17', true]]);
      assert.ok(first.every((x) => x.delivered), 'backtest events are not sent');
      const later = await store.check(fakeEngine(docs), c.counts, day(69));
      assert.deepEqual(later.filter((x) => x.type === 'start').map((x) => [x.day, x.backtest === true, x.delivered]), [['2025-08-01', false, false]]);
      assert.equal((await store.deliver({ policy: LOOPBACK })).delivered, 1);
      assert.equal(hook.got.length, 1);
      results.set(`${b.name}:backtest`, [...first, ...later].map(shape));
    } finally {
      await h.done();
      await hook.close();
      c.done();
    }
  });
}

test('both stores record the same events for the same checks', { skip: PG_SKIP }, () => {
  for (const k of ['episodes', 'backtest']) {
    const a = results.get(`SQLite:${k}`);
    const b = results.get(`PostgreSQL:${k}`);
    assert.ok(a && b, `both suites ran (${k})`);
    assert.deepEqual(b, a);
  }
});

test('PostgreSQL: two servers checking and delivering at once record each episode once and send each event once', { skip: PG_SKIP }, async () => {
  const docs = syntheticNews(START, 40, 30, [
    { day: 30, docs: 12, title: FLOOD },
    { day: 37, docs: 8, title: FLOOD },
  ]);
  const c = countsOf(docs);
  const hook = await webhookReceiver([]);
  const h = await BACKENDS[1].open();
  try {
    const one = h.store;
    const two = await h.again();
    for (let i = 0; i < 6; i++) await one.add({ name: `a${i}`, query: 'lũ quét', kind: 'threshold', value: 5, webhook: hook.url });
    const engine = fakeEngine(docs);
    await one.check(engine, c.counts, day(20));
    const [x, y] = await Promise.all([one.check(engine, c.counts, day(39)), two.check(engine, c.counts, day(39))]);
    const starts = [...x, ...y].filter((e) => e.type === 'start');
    // Six alerts, two episodes each (days 30 and 37), whichever server recorded them.
    assert.equal(starts.length, 12);
    assert.equal(new Set(starts.map((e) => `${e.alert}:${e.day}`)).size, 12);
    const ids = (await one.eventsSince(0)).map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((p, q) => p - q));
    const [r1, r2] = await Promise.all([one.deliver({ policy: LOOPBACK }), two.deliver({ policy: LOOPBACK })]);
    assert.equal(r1.delivered + r2.delivered, 12);
    assert.equal(hook.got.length, 12);
    assert.equal(new Set(hook.got.map((r) => r.headers['x-tra-event'])).size, 12);
  } finally {
    await h.done();
    await hook.close();
    c.done();
  }
});
