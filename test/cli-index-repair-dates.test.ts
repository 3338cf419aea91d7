import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TRA = path.resolve(import.meta.dirname, '..', 'bin', 'tra.js');

// A Tuổi Trẻ-style item whose `published` is the collector's fetch time; the URL carries the
// publisher's own timestamp (evening of 8 August, Vietnam time).
const ITEM = {
  id: 'tt1', title: 'Tin thử', source: 'Tuổi Trẻ',
  url: 'https://tuoitre.vn/tin-thu-20250808222406149.htm',
  published: '2025-08-09T09:26:47+07:00',
};

function run(dir: string, file: string, ...extra: string[]) {
  execFileSync(process.execPath, [TRA, 'index', '--data', dir, ...extra, file], { encoding: 'utf8' });
  return JSON.parse(execFileSync(process.execPath, [TRA, 'trends', '--data', dir, '--json', 'tin thử'], { encoding: 'utf8' }));
}

test('tra index --repair-dates dates a document by its repaired time and keeps the given one', async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'tra-repair-'));
  try {
    const file = path.join(tmp, 'in.jsonl');
    writeFileSync(file, JSON.stringify(ITEM) + '\n');
    const asGiven = run(path.join(tmp, 'plain'), file);
    assert.equal(asGiven.buckets[0].start, '2025-08-09');
    const repaired = run(path.join(tmp, 'repaired'), file, '--repair-dates');
    assert.equal(repaired.buckets[0].start, '2025-08-08');
    const { openEngine } = await import('../src/engine/index.ts');
    const engine = await openEngine(path.join(tmp, 'repaired'), { readOnly: true });
    try {
      const doc = engine.get('tt1') as Record<string, unknown>;
      assert.equal(doc.published_given, ITEM.published);
      assert.match(String(doc.published), /^2025-08-08T22:24:06/);
    } finally {
      engine.close();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('one dating rule: a document lands on the same day in trends, attention, the observatory and clusters, with and without --repair-dates, and a second repair changes nothing', async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'tra-dating-'));
  try {
    // A VnExpress item whose collector wrote UTC wall-clock time labelled +07:00 (read 8 h
    // later), and a Tuổi Trẻ item dated by its fetch time (its URL says the evening before).
    const docs = [
      { id: 'vx1', title: 'Kỳ lân xanh vượt biển', summary: 'Kỳ lân xanh đã vượt biển đêm qua.', source: 'VnExpress', url: 'https://vnexpress.net/ky-lan-xanh-vuot-bien-4900001.html', published: '2025-09-01T20:30:00+07:00', fetched: '2025-09-02T04:00:00+07:00' },
      { id: 'tt2', title: 'Kỳ lân xanh lên bờ', summary: 'Kỳ lân xanh lên bờ lúc nửa đêm.', source: 'Tuổi Trẻ', url: 'https://tuoitre.vn/ky-lan-xanh-len-bo-20250901233000123.htm', published: '2025-09-02T01:00:00+07:00' },
    ];
    const file = path.join(tmp, 'in.jsonl');
    writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
    const { openEngine } = await import('../src/engine/index.ts');
    const { openObservatory, dayOfIso } = await import('../src/observe/index.ts');
    const expected: Record<string, Record<string, string>> = {
      plain: { vx1: '2025-09-01', tt2: '2025-09-02' },
      repaired: { vx1: '2025-09-02', tt2: '2025-09-01' },
    };
    for (const mode of ['plain', 'repaired'] as const) {
      const dir = path.join(tmp, mode);
      execFileSync(process.execPath, [TRA, 'index', '--data', dir, ...(mode === 'repaired' ? ['--repair-dates'] : []), file], { encoding: 'utf8' });
      const engine = await openEngine(dir, { readOnly: true });
      const obs = openObservatory(dir);
      try {
        for (const d of docs) {
          const want = expected[mode][d.id];
          // trends (and attention and alerts, which read it) of a query only this document matches
          const only = d.id === 'vx1' ? 'vượt biển' : 'lên bờ';
          const tr = engine.trends({ query: only });
          assert.deepEqual(tr.buckets.filter((b) => b.count).map((b) => b.start), [want], `${mode} ${d.id} trends`);
          const at = obs.attention(engine, { query: only, interval: 'day' });
          assert.deepEqual(at.buckets.filter((b) => b.count).map((b) => b.start), [want], `${mode} ${d.id} attention`);
          // the observatory's daily counts (emerging issues, clusters and forecasts read these)
          const day = dayOfIso(want);
          assert.ok(obs.counts.seqsOn(day).length >= 1, `${mode} ${d.id} counted on ${want}`);
          const cl = obs.clusters(want, { days: 1, minSources: 1 });
          assert.ok(cl.documents >= 1, `${mode} ${d.id} clusters see it on ${want}`);
        }
        // Newest first follows the same times.
        const byDate = engine.search({ query: 'kỳ lân xanh', sort: 'date' }).hits.map((h) => h.id);
        assert.deepEqual(byDate, mode === 'plain' ? ['tt2', 'vx1'] : ['vx1', 'tt2']);
      } finally {
        obs.close();
        engine.close();
      }
    }
    // Re-indexing the repaired documents (as exported) with --repair-dates repairs nothing twice.
    const { openEngine: open2 } = await import('../src/engine/index.ts');
    const e = await open2(path.join(tmp, 'repaired'), { readOnly: true });
    const again = [e.get('vx1'), e.get('tt2')];
    e.close();
    const file2 = path.join(tmp, 'again.jsonl');
    writeFileSync(file2, again.map((d) => JSON.stringify(d)).join('\n') + '\n');
    execFileSync(process.execPath, [TRA, 'index', '--data', path.join(tmp, 'twice'), '--repair-dates', file2], { encoding: 'utf8' });
    const e2 = await open2(path.join(tmp, 'twice'), { readOnly: true });
    try {
      for (const d of again) {
        const doc = e2.get(String(d!.id)) as Record<string, unknown>;
        assert.equal(doc.published, d!.published, 'not moved again');
        assert.equal(doc.published_given, d!.published_given);
      }
    } finally {
      e2.close();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
