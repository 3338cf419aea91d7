// Document frequencies are not kept in PostgreSQL: the writer leaves observe_terms.df alone and
// the mirror derives each term's frequency from the day rows it copies (the difference between a
// day row's new pairs and the local row's old ones). Here the real writer counts rounds of
// documents whose day rows go up and down (texts rewritten, documents moved to another day,
// deleted, a day emptied and filled again) and the mirror copies after some of them: its
// frequencies must be the sums over its own day rows, and one machine's for the same documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { PG_SKIP, testSchema } from '../../../test/cluster/pg.ts';
import type { Pool } from '../pg/connect.ts';
import { writeBatch } from '../ingest/write.ts';
import { dayNumber, ObserveCounts, OBSERVE_FILE, type ObservedDoc } from '../../observe/counts.ts';
import { decodeDay } from '../../observe/day-terms.ts';
import { syntheticNews, type FixtureDoc } from '../../observe/test-fixtures.ts';
import { syncMirror } from './mirror.ts';
import { countBatch } from './write.ts';
import { dayRowFrequencies, deleteInCluster } from './pg-fixture.ts';

const DAY_MS = 86_400_000;
const dayOf = (d: FixtureDoc) => dayNumber(Date.parse(d.published));
const moved = (d: FixtureDoc, days: number): FixtureDoc => ({ ...d, published: new Date(Date.parse(d.published) + days * DAY_MS).toISOString() });

/** The mirror's frequencies by term text (every term of its dictionary, 0 included). */
function mirrorDf(dir: string): Map<string, number> {
  const counts = new ObserveCounts(dir, { readOnly: true });
  try {
    return new Map(counts.topTerms(Number.MAX_SAFE_INTEGER).map((t) => [t.term, t.df]));
  } finally {
    counts.close();
  }
}

/** The sum of each term's counts over the mirror's own day rows, by term text. */
function mirrorDaySums(dir: string): Map<string, number> {
  const counts = new ObserveCounts(dir, { readOnly: true });
  const text = new Map(counts.topTerms(Number.MAX_SAFE_INTEGER).map((t) => [t.id, t.term]));
  counts.close();
  const db = new DatabaseSync(join(dir, OBSERVE_FILE), { readOnly: true });
  const sums = new Map<string, number>();
  try {
    for (const r of db.prepare('SELECT terms FROM days').all() as { terms: Uint8Array }[]) {
      const d = decodeDay(r.terms);
      for (let i = 0; i < d.ids.length; i++) {
        const t = text.get(d.ids[i]);
        assert.ok(t !== undefined, `a local day names term ${d.ids[i]}, missing from the dictionary`);
        sums.set(t, (sums.get(t) ?? 0) + d.n[i]);
      }
    }
  } finally {
    db.close();
  }
  return sums;
}

/** One machine counting `docs` afresh, in write order: its frequencies above 0, by term text. */
function oneMachineDf(docs: FixtureDoc[]): Map<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'tra-df-one-'));
  try {
    const oc = new ObserveCounts(dir);
    oc.add(docs.map((doc, i) => ({ doc: doc as ObservedDoc, seq: i + 1 })));
    const df = new Map(oc.topTerms(Number.MAX_SAFE_INTEGER).filter((t) => t.df > 0).map((t) => [t.term, t.df]));
    oc.close();
    return df;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const positive = (m: Map<string, number>) => new Map([...m].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

test('the mirror derives document frequencies from the day rows: after rounds up and down, the sums of its days and one machine\'s', { skip: PG_SKIP, timeout: 120_000 }, async () => {
  const s = await testSchema();
  const dir = mkdtempSync(join(tmpdir(), 'tra-df-mirror-'));
  const fresh = mkdtempSync(join(tmpdir(), 'tra-df-fresh-'));
  // The documents as one machine's store holds them, in write order (a rewrite goes last).
  const final = new Map<string, FixtureDoc>();
  const put = async (docs: FixtureDoc[]) => {
    const r = await writeBatch(s.pool, docs);
    await countBatch(s.pool, { batch: r.job!.batch }, undefined);
    for (const d of docs) {
      final.delete(d.id);
      final.set(d.id, d);
    }
  };
  const del = async (ids: string[]) => {
    await countBatch(s.pool, { batch: await deleteInCluster(s.pool, ids) }, undefined);
    for (const id of ids) final.delete(id);
  };
  let before = new Map<string, number>();
  let wentDown = 0;
  const check = async (what: string, pool: Pool) => {
    const r = await syncMirror(pool, dir, { pageSize: { terms: 7, days: 2 } });
    // The first copy is made from nothing, every later one incrementally.
    assert.ok(r.changed && r.restarted === (what === 'round 1'), `${what}: copied ${r.restarted ? 'afresh' : 'incrementally'}`);
    const df = mirrorDf(dir);
    const sums = mirrorDaySums(dir);
    for (const [t, n] of df) assert.equal(n, sums.get(t) ?? 0, `${what}: df of "${t}" is the sum over the mirror's day rows`);
    assert.deepEqual(positive(df), oneMachineDf([...final.values()]), `${what}: one machine's frequencies`);
    // And what PostgreSQL's day rows sum to (its own df column is not kept: all 0).
    const text = new Map((await pool.query<{ id: number; term: string }>('SELECT id, term FROM observe_terms')).rows.map((x) => [x.id, x.term]));
    assert.deepEqual(positive(new Map([...(await dayRowFrequencies(pool))].map(([id, n]) => [text.get(id)!, n]))), positive(df), `${what}: PostgreSQL's day rows`);
    assert.equal(Number((await pool.query('SELECT count(*) AS n FROM observe_terms WHERE df <> 0')).rows[0].n), 0);
    for (const [t, n] of before) if ((df.get(t) ?? 0) < n) wentDown++;
    before = df;
  };
  try {
    const base = syntheticNews('2025-06-02', 5, 6).map((d, i) => ({ ...d, text: `Bài số ${i} của phóng viên tại chỗ.` }));
    const days = [...new Set(base.map(dayOf))].sort((a, b) => a - b);
    const on = (day: number) => base.filter((d) => dayOf(d) === day);
    const [d0, d1, d2, , d4] = days;
    assert.ok(on(d1).length >= 4 && on(d4).length >= 2, 'the fixture has documents on the days used');
    // 1. Everything.
    await put(base);
    await check('round 1', s.pool);

    // 2. Day d1's pairs go up and down: texts rewritten (terms gained, terms lost), and a
    //    document moved from d2 to d1.
    const day1 = on(d1);
    await put([
      ...day1.slice(0, 2).map((d) => ({ ...d, text: 'Giá vàng miếng tăng mạnh, giá vàng nhẫn theo sau.' })),
      ...day1.slice(2, 4).map((d) => ({ ...d, title: 'Tin ngắn', text: '' })),
      moved(on(d2)[0], d1 - d2),
    ]);
    await check('round 2', s.pool);

    // 3. Day d4 falls to 0: half its documents deleted, the others moved to d0.
    const day4 = on(d4);
    const half = Math.ceil(day4.length / 2);
    await del(day4.slice(0, half).map((d) => d.id));
    await put(day4.slice(half).map((d) => moved(d, d0 - d4)));
    await check('round 3', s.pool);
    assert.equal((await s.pool.query<{ docs: number }>('SELECT docs FROM observe_days WHERE day = $1', [d4])).rows[0].docs, 0);
    {
      const counts = new ObserveCounts(dir, { readOnly: true });
      assert.equal(counts.dayRange()!.last < d4, true, 'the emptied day is gone from the mirror');
      counts.close();
    }

    // 4 and 5, copied together: d4 filled again by new documents, then some of them rewritten
    //    and one deleted; a day's row changes twice between two copies.
    const fresh4 = day4.map((d, i) => ({ ...d, id: `moi-${i}`, url: `https://example.vn/moi-${i}.html`, title: 'Động đất ở Kon Tum', text: `Tin động đất số ${i}.` }));
    await put(fresh4);
    await put(fresh4.slice(0, 2).map((d) => ({ ...d, title: 'Dư chấn động đất ở Kon Tum', text: 'Người dân sơ tán.' })));
    await del([fresh4[fresh4.length - 1].id]);
    await check('rounds 4 and 5', s.pool);

    // 6. A recurring topic rewritten everywhere: its terms fall on every day.
    await put([...final.values()].filter((d) => d.title.startsWith('Giá vàng')).map((d) => ({ ...d, title: 'Thị trường vàng đi ngang' })));
    await check('round 6', s.pool);

    assert.ok(wentDown > 0, 'some frequencies went down between copies');
    assert.ok([...before.values()].some((n) => n === 0), 'a term no longer counted anywhere has frequency 0');
    // A copy made from nothing now has the same frequencies as the one kept up round by round.
    await syncMirror(s.pool, fresh);
    assert.deepEqual(mirrorDf(fresh), before);
  } finally {
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(fresh, { recursive: true, force: true });
  }
});
