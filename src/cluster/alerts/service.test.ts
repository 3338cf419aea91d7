import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObserveCounts } from '../../observe/counts.ts';
import { syntheticNews, fakeEngine } from '../../observe/test-fixtures.ts';
import { PG_SKIP, testSchema } from '../../../test/cluster/pg.ts';
import { openPool } from '../pg/connect.ts';
import { clusterAlertsService } from './service.ts';

const FLOOD = 'Lũ quét ở Lào Cai cuốn trôi nhiều nhà dân';

test('cluster alerts: a check judges up to the mirrored counts\' last day, and every server\'s event stream hears of it', { skip: PG_SKIP }, async () => {
  const s = await testSchema();
  const dir = mkdtempSync(join(tmpdir(), 'tra-cluster-alerts-'));
  const empty = mkdtempSync(join(tmpdir(), 'tra-cluster-alerts-none-'));
  const pool2 = openPool(s.url, { max: 2 });
  const docs = syntheticNews('2025-06-02', 40, 30, [{ day: 30, docs: 12, title: FLOOD }]);
  const counts = new ObserveCounts(dir);
  counts.add(docs.map((doc) => ({ doc })));
  counts.close();
  const engine = fakeEngine(docs);
  const trends = async (req: { query: string; interval: 'day'; from: string; to: string }) => engine.trends(req);
  const one = clusterAlertsService({ pool: s.pool, pgUrl: s.url, trends, countsDir: dir, intervalMs: 0 });
  const two = clusterAlertsService({ pool: pool2, pgUrl: s.url, trends, countsDir: dir, intervalMs: 0 });
  const none = clusterAlertsService({ pool: pool2, pgUrl: s.url, trends, countsDir: empty, intervalMs: 0 });
  try {
    // Not mirrored yet: nothing judged, nothing recorded.
    await one.add({ name: 'lũ', query: 'lũ quét', kind: 'threshold', value: 5 });
    assert.deepEqual((await none.check()).date, null);
    assert.equal(await one.lastEventId(), 0);

    let heard = 0;
    const unsubscribe = two.onEvents(() => heard++);
    // The LISTEN connection is opened in the background: wait until it is there.
    for (let i = 0; i < 100; i++) {
      const { rows } = await s.pool.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN tra_alert_events%'");
      if (rows[0].n >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const r = await one.check();
    assert.equal(r.date, '2025-07-11', 'the last day of the mirrored counts');
    const starts = r.events.filter((e) => e.type === 'start');
    assert.deepEqual(starts.map((e) => e.day), ['2025-07-02']);
    assert.equal(starts[0].backtest, true, 'a new alert\'s past is history');
    for (let i = 0; i < 100 && heard === 0; i++) await new Promise((res) => setTimeout(res, 50));
    assert.ok(heard >= 1, 'the other server heard of the events through NOTIFY');
    unsubscribe();
    // The other server sees the same alerts and events; a second check adds nothing.
    assert.deepEqual((await two.list()).map((a) => [a.name, a.signed]), [['lũ', false]]);
    assert.deepEqual((await two.eventsSince(0, 10)).map((e) => e.id), r.events.map((e) => e.id));
    assert.deepEqual((await two.check()).events, []);
  } finally {
    await one.close();
    await two.close();
    await none.close();
    await pool2.end();
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  }
});
