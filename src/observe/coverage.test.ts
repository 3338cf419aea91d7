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

test('forgetting a replaced or deleted row recounts its day from the rows still there', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-forget-'));
  try {
    const c = new ObserveCounts(dir);
    const docs = [
      { id: 'a', title: 'Bão Kalmaegi đổ bộ Gia Lai', source: 'vnexpress.net', url: 'https://vnexpress.net/a.html', published: day('2025-11-06') },
      { id: 'b', title: 'Động đất ở Cebu', source: 'tuoitre.vn', url: 'https://tuoitre.vn/b.htm', published: day('2025-11-06', 10) },
      { id: 'c', title: 'Bão Kalmaegi suy yếu', source: 'thanhnien.vn', url: 'https://thanhnien.vn/c.htm', published: day('2025-11-06', 11) },
    ];
    c.add(docs.map((doc, i) => ({ doc, seq: i + 1 })), 3);
    const d = dayOfIso('2025-11-06');
    assert.equal(c.documentFrequency('cebu'), 1);
    const days = c.forget(new Set([2]), (seqs) => seqs.map((seq) => ({ seq, doc: docs[seq - 1] })));
    assert.equal(days, 1);
    assert.equal(c.documents(), 2);
    assert.equal(c.documentFrequency('cebu'), 0);
    assert.equal(c.series('kalmaegi', d, d)[0], 2);
    assert.deepEqual(c.seqsOn(d), [1, 3]);
    assert.deepEqual(c.sources().map((s) => s.source).sort(), ['thanhnien.vn', 'vnexpress.net']);
    // The same article may be counted again (its key is free).
    const r = c.add([{ doc: { ...docs[1], title: 'Động đất ở Cebu: 70 người chết' }, seq: 4 }], 4);
    assert.equal(r.counted, 1);
    assert.equal(c.documentFrequency('cebu'), 1);
    c.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
