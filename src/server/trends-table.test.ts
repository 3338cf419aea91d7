import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignSeries, toCsv } from './trends-table.ts';

test('series with different spans share one calendar, zeros filled', () => {
  const t = alignSeries([
    { query: 'a', interval: 'day', total: 3, buckets: [{ start: '2025-09-01', count: 1 }, { start: '2025-09-02', count: 2 }] },
    { query: 'b', interval: 'day', total: 1, buckets: [{ start: '2025-09-04', count: 1 }] },
  ], 'day');
  assert.deepEqual(t.starts, ['2025-09-01', '2025-09-02', '2025-09-03', '2025-09-04']);
  assert.deepEqual(t.counts, [[1, 2, 0, 0], [0, 0, 0, 1]]);
  assert.deepEqual(t.totals, [3, 1]);
});

test('months step by calendar month', () => {
  const t = alignSeries([
    { query: 'a', interval: 'month', total: 2, buckets: [{ start: '2025-11-01', count: 1 }] },
    { query: 'b', interval: 'month', total: 1, buckets: [{ start: '2026-02-01', count: 1 }] },
  ], 'month');
  assert.deepEqual(t.starts, ['2025-11-01', '2025-12-01', '2026-01-01', '2026-02-01']);
});

test('CSV has a header per query, quotes what needs it and defuses formulas', () => {
  const t = alignSeries([
    { query: 'giá "vàng", SJC', interval: 'day', total: 1, buckets: [{ start: '2025-09-01', count: 1 }] },
    { query: '=cmd', interval: 'day', total: 0, buckets: [] },
  ], 'day');
  assert.equal(toCsv(t), 'ngày bắt đầu,"giá ""vàng"", SJC",\'=cmd\r\n2025-09-01,1,0\r\n');
});

test('CSV of shares marks each query column as percent', () => {
  const t = alignSeries([{ query: 'giá vàng', interval: 'week', total: 1, buckets: [{ start: '2025-09-01', count: 1 }] }], 'week');
  t.counts = [[12.5]];
  assert.equal(toCsv(t, 'percent'), 'ngày bắt đầu,giá vàng (%)\r\n2025-09-01,12.5\r\n');
});
