/**
 * Implausible publication dates never reach an observatory time axis: a document dated
 * +275760-09-13 (the largest date JavaScript knows) or 0001-01-01 is kept in the store as given,
 * but the observatory counts it as `implausible` and gives it no day, so attention, emerging,
 * forecasts and alert checks stay bounded. Requested ranges are checked and bounded too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObserveCounts, dayOfIso, isoOfDay } from '../../src/observe/counts.ts';
import { attention } from '../../src/observe/attention.ts';
import { AlertStore } from '../../src/observe/alerts.ts';
import { boundRange, boundDay, bucketCount, DateRangeError, EARLIEST_DAY, latestDay, MAX_BUCKETS } from '../../src/observe/bounds.ts';
import { syntheticNews, fakeEngine } from '../../src/observe/test-fixtures.ts';
import type { TrendsSource } from '../../src/observe/attention.ts';

const HOSTILE_DATES = ['+275760-09-13T00:00:00Z', '0001-01-01', '1969-12-31T20:00:00Z', '9999-12-31T00:00:00Z'];

function withDir(fn: (dir: string) => void | Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tra-dates-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('implausible publication dates are counted as implausible and give no day', withDir((dir) => {
  const docs = syntheticNews('2025-06-02', 10, 5);
  const bad = HOSTILE_DATES.map((published, i) => ({ id: `bad${i}`, title: 'Giá vàng tăng vọt', summary: '', url: `https://example.vn/bad-${i}.html`, published, source: 'Báo A' }));
  const c = new ObserveCounts(dir);
  const r = c.add([...docs, ...bad].map((doc) => ({ doc })));
  assert.equal(r.implausible, HOSTILE_DATES.length);
  assert.equal(r.counted, docs.length);
  const range = c.dayRange()!;
  assert.equal(isoOfDay(range.first), '2025-06-02');
  assert.equal(isoOfDay(range.last), '2025-06-11');
  c.close();
}));

test('an alert check after an implausible last day catches up on a bounded number of days', withDir((dir) => {
  const docs = syntheticNews('2025-06-02', 10, 5);
  const c = new ObserveCounts(dir);
  c.add(docs.map((doc) => ({ doc })));
  const store = new AlertStore(dir);
  try {
    const a = store.add({ name: 'vàng', query: 'giá vàng', kind: 'threshold', value: 1000 });
    // As left by a table counted before dates were bounded: a last checked day in year 275760.
    (store as unknown as { db: { prepare(s: string): { run(...a: unknown[]): void } } }).db.prepare('UPDATE alerts SET last_checked_day=? WHERE id=?').run(100_000_000, a.id);
    const calls: { from?: string; to?: string }[] = [];
    const engine: TrendsSource = { trends: (req) => (calls.push(req), fakeEngine(docs).trends(req)) };
    const t0 = performance.now();
    // Even asked to check up to year 275760, it judges no day after tomorrow.
    store.check(engine, c, 100_000_050);
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(calls.length, 1);
    assert.ok(dayOfIso(calls[0].to!) <= latestDay());
    assert.ok(dayOfIso(calls[0].to!) - dayOfIso(calls[0].from!) <= 366 + 56);
    assert.ok(store.get(a.id)!.lastCheckedDay! <= latestDay());
  } finally {
    store.close();
    c.close();
  }
}));

test('attention refuses an engine axis longer than the bound instead of allocating it', withDir((dir) => {
  const c = new ObserveCounts(dir);
  // An engine that still dates a document in year 275760 answers with a huge axis; attention
  // refuses before building the day totals for it.
  const huge: TrendsSource = { trends: () => ({ total: 1, buckets: [{ start: '2025-01-01', count: 1 }, { start: '9999-12-31', count: 0 }] }) };
  const before = process.memoryUsage().heapUsed;
  assert.throws(() => attention(huge, c, { query: 'vàng' }), (e: Error) => e instanceof DateRangeError && e.field === 'interval' && /interval=week/.test(e.message));
  assert.ok(process.memoryUsage().heapUsed - before < 50_000_000);
  c.close();
}));

test('ranges: malformed dates, inverted and out-of-window ranges are refused; wide ones clamped', () => {
  const now = Date.parse('2026-12-07T02:00:00Z');
  assert.throws(() => boundRange({ from: '9999-99-99' }, 'api', now), (e: DateRangeError) => e.field === 'from' && /"from" phải là một ngày có thật/.test(e.message));
  assert.throws(() => boundRange({ to: '2025-02-30' }, 'cli', now), (e: DateRangeError) => e.field === 'to' && /^--to /.test(e.message));
  assert.throws(() => boundRange({ from: '2025-02-03', to: '2025-02-01' }, 'api', now), (e: DateRangeError) => e.field === 'from' && /đổi chỗ/.test(e.message));
  assert.throws(() => boundRange({ from: '0001-01-01', to: '0001-01-05' }, 'api', now), (e: DateRangeError) => e.field === 'to');
  assert.throws(() => boundRange({ from: '2030-01-01' }, 'api', now), (e: DateRangeError) => e.field === 'from');
  const r = boundRange({ from: '0001-01-01', to: '9999-12-31', interval: 'week' }, 'api', now);
  assert.deepEqual(r, { from: '1990-01-01', to: '2026-12-08', clamped: ['from', 'to'] });
  assert.throws(() => boundRange({ from: '0001-01-01', to: '9999-12-31', interval: 'day' }, 'api', now), (e: DateRangeError) => e.field === 'interval' && /interval=week/.test(e.message));
  assert.throws(() => boundRange({ from: '0001-01-01', to: '9999-12-31', interval: 'day' }, 'page', now), (e: DateRangeError) => /"Tuần" hoặc "Tháng"/.test(e.message));
  // The whole window fits by week and by month; by day, twenty years do.
  assert.ok(bucketCount(EARLIEST_DAY, latestDay(now), 'week') <= MAX_BUCKETS);
  assert.ok(bucketCount(EARLIEST_DAY, latestDay(now), 'month') <= MAX_BUCKETS);
  assert.ok(boundRange({ from: '2006-01-01', to: '2025-12-31', interval: 'day' }, 'api', now));
  assert.equal(bucketCount(dayOfIso('2025-01-30'), dayOfIso('2025-03-01'), 'month'), 3);
  assert.equal(bucketCount(dayOfIso('2025-09-01'), dayOfIso('2025-09-14'), 'week'), 2);
  assert.throws(() => boundDay('9999-99-99', 'date', 'page'), (e: DateRangeError) => e.field === 'date' && /"Ngày"/.test(e.message));
  // One day outside the window is a quiet day, not an error (the contract's `tra emerging`).
  assert.equal(isoOfDay(boundDay('2031-01-01')), '2031-01-01');
});
