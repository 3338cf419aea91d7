import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ObserveCounts, dayOfIso, isoOfDay } from './counts.ts';
import { forecastSeries } from './forecast.ts';

function day(iso: string, h = 9): string {
  return `${iso}T${String(h).padStart(2, '0')}:00:00+07:00`;
}

test('collection coverage: a stray page or an old re-listed item does not move the last or first day; days without collection are gaps', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-coverage-'));
  try {
    const c = new ObserveCounts(dir);
    const docs: { doc: Record<string, unknown>; seq: number }[] = [];
    let seq = 0;
    const start = dayOfIso('2025-09-01');
    for (let d = 0; d < 90; d++) {
      if (d >= 40 && d < 50) continue; // the collector was down for ten days
      const n = d === 60 ? 2 : 20; // one day of a trickle (a partial collection)
      for (let k = 0; k < n; k++) docs.push({ doc: { id: `d${d}-${k}`, title: `tin ${k} ngày ${d}`, published: day(isoOfDay(start + d), k % 20) }, seq: ++seq });
    }
    docs.push({ doc: { id: 'stray', title: 'trang lạc', published: day(isoOfDay(start + 120)) }, seq: ++seq });
    docs.push({ doc: { id: 'old', title: 'bài cũ', published: day('2024-12-09') }, seq: ++seq });
    c.add(docs, seq);
    const r = c.normalRange()!;
    assert.equal(isoOfDay(r.first), '2025-09-01', 'the re-listed 2024 item is not the start');
    assert.equal(isoOfDay(r.last), isoOfDay(start + 89), 'the stray page is not the last day');
    assert.deepEqual(c.dayRange(), { first: dayOfIso('2024-12-09'), last: start + 120 });
    const cov = c.coverage(start, start + 89);
    for (let d = 0; d < 90; d++) assert.equal(cov[d], d >= 40 && d < 50 ? 0 : d === 60 ? 0 : 1, `day ${d}`);
    c.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('forecasts treat days without collection as unknown, not as days without news', () => {
  const y: number[] = [];
  for (let d = 0; d < 120; d++) y.push(d % 7 === 6 ? 6 : 10);
  const gaps = y.slice();
  for (let d = 100; d < 120; d++) gaps[d] = NaN; // the last weeks not collected
  const zeros = y.slice();
  for (let d = 100; d < 120; d++) zeros[d] = 0;
  const withGaps = forecastSeries(gaps, { horizon: 7 });
  const withZeros = forecastSeries(zeros, { horizon: 7 });
  const mean = (f: typeof withGaps) => f.points.reduce((s, p) => s + p.mean, 0) / f.points.length;
  assert.ok(mean(withGaps) > 8, `gaps keep the level: ${mean(withGaps)}`);
  assert.ok(mean(withZeros) < 3, `zeros would drag it down: ${mean(withZeros)}`);
});
