import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PG_SKIP, testSchema, type TestSchema } from '../../../test/cluster/pg.ts';
import { start, until, type Proc } from '../../../test/cluster/procs.ts';
import { tra } from '../../../test/hostile/run.ts';
import { openPool, type Pool } from '../pg/connect.ts';
import { claim, enqueue } from '../queue/queue.ts';
import { LeaseLost, ClusterError } from '../errors.ts';
import { writeBatch, observeJob, OBSERVE_JOB } from '../ingest/write.ts';
import { COUNTS_VERSION, ObserveCounts, type ObservedDoc } from '../../observe/counts.ts';
import { decodeDay, decodeSorted } from '../../observe/day-terms.ts';
import { syntheticNews } from '../../observe/test-fixtures.ts';
import { DocStore } from '../../store/store.ts';
import { syncFromStore, STORE_FILE } from '../../observe/sync.ts';
import type { DocInput } from '../../store/document.ts';
import { clusterStatistics } from '../roles/stats.ts';
import { countBatch, ensureCountsVersion, observeBatch, type ObserveResult } from './write.ts';
import { dayRowFrequencies, deleteInCluster } from './pg-fixture.ts';

const opts = { skip: PG_SKIP, timeout: 120_000 };

type Doc = DocInput & Record<string, unknown>;

/** What the counts say, by term text: comparable between one machine and the cluster. */
interface Figures {
  /** day → documents */
  days: Record<string, number>;
  /** day → term → documents */
  dayTerms: Record<string, Record<string, number>>;
  /** term → documents over everything */
  df: Record<string, number>;
  /** "source|day" → documents */
  sources: Record<string, number>;
}

function sorted<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function machineFigures(dir: string): Figures {
  const oc = new ObserveCounts(dir, { readOnly: true });
  try {
    const f: Figures = { days: {}, dayTerms: {}, df: {}, sources: {} };
    const range = oc.dayRange();
    if (range) {
      const totals = oc.totals(range.first, range.last);
      for (let d = range.first; d <= range.last; d++) {
        if (!totals[d - range.first]) continue;
        f.days[d] = totals[d - range.first];
        f.dayTerms[d] = sorted(Object.fromEntries(oc.termsOn(d, 1).map((t) => [t.term, t.n])));
      }
      for (const { source } of oc.sources()) {
        const s = oc.sourceTotals(source, range.first, range.last);
        for (let d = range.first; d <= range.last; d++) if (s[d - range.first]) f.sources[`${source}|${d}`] = s[d - range.first];
      }
    }
    for (const t of oc.topTerms(Number.MAX_SAFE_INTEGER)) if (t.df > 0) f.df[t.term] = t.df;
    return { days: f.days, dayTerms: f.dayTerms, df: sorted(f.df), sources: sorted(f.sources) };
  } finally {
    oc.close();
  }
}

async function clusterFigures(pool: Pool): Promise<Figures> {
  const f: Figures = { days: {}, dayTerms: {}, df: {}, sources: {} };
  const text = new Map<number, string>();
  for (const r of (await pool.query<{ id: number; term: string }>('SELECT id, term FROM observe_terms ORDER BY id')).rows) text.set(r.id, r.term);
  // Document frequencies are not kept in PostgreSQL: a term's is the sum of its day counts, as
  // the mirror derives it.
  for (const [id, n] of await dayRowFrequencies(pool)) if (n > 0) f.df[text.get(id)!] = n;
  for (const r of (await pool.query<{ day: number; docs: number; terms: Buffer }>('SELECT day, docs, terms FROM observe_days WHERE docs > 0 ORDER BY day')).rows) {
    f.days[r.day] = r.docs;
    const d = decodeDay(r.terms);
    const m: Record<string, number> = {};
    for (let i = 0; i < d.ids.length; i++) m[text.get(d.ids[i])!] = d.n[i];
    f.dayTerms[r.day] = sorted(m);
  }
  for (const r of (await pool.query<{ source: string; day: number; docs: number }>('SELECT source, day, docs FROM observe_source_days WHERE docs > 0')).rows) {
    f.sources[`${r.source}|${r.day}`] = r.docs;
  }
  return { days: f.days, dayTerms: f.dayTerms, df: sorted(f.df), sources: sorted(f.sources) };
}

/** The cluster's tables agree with each other: ids dense, day seqs = counted versions, keys = holders. */
async function checkConsistency(pool: Pool): Promise<void> {
  const ids = (await pool.query<{ id: number }>('SELECT id FROM observe_terms ORDER BY id')).rows.map((r) => r.id);
  assert.deepEqual(ids, ids.map((_, i) => i), 'term ids dense from 0');
  const counted = new Map<number, number[]>();
  for (const r of (await pool.query<{ seq: string; day: number }>('SELECT seq, day FROM observe_docs WHERE day IS NOT NULL')).rows) {
    const l = counted.get(r.day) ?? [];
    l.push(Number(r.seq));
    counted.set(r.day, l);
  }
  const days = (await pool.query<{ day: number; docs: number; seqs: Buffer }>('SELECT day, docs, seqs FROM observe_days')).rows;
  for (const r of days) {
    const want = (counted.get(r.day) ?? []).sort((a, b) => a - b);
    assert.deepEqual(decodeSorted(r.seqs), want, `seqs of day ${r.day}`);
    assert.equal(r.docs, want.length, `documents of day ${r.day}`);
  }
  for (const d of counted.keys()) assert.ok(days.some((r) => r.day === d), `day ${d} has a row`);
  const { rows: bad } = await pool.query(
    `SELECT k.key_hash FROM observe_keys k LEFT JOIN observe_docs d ON d.doc_id = k.doc_id AND d.key_hash = k.key_hash AND d.day IS NOT NULL
     WHERE d.doc_id IS NULL
     UNION ALL
     SELECT d.key_hash FROM observe_docs d LEFT JOIN observe_keys k ON k.key_hash = d.key_hash AND k.doc_id = d.doc_id
     WHERE d.day IS NOT NULL AND k.key_hash IS NULL`,
  );
  assert.deepEqual(bad, [], 'observe_keys names exactly the counted holders');
}

/** One machine counting the final documents afresh, in write order. */
function freshMachine(docs: Doc[]): { dir: string; figures: Figures } {
  const dir = mkdtempSync(join(tmpdir(), 'tra-observe-fresh-'));
  const oc = new ObserveCounts(dir);
  oc.add(docs.map((doc, i) => ({ doc: doc as ObservedDoc, seq: i + 1 })));
  oc.close();
  return { dir, figures: machineFigures(dir) };
}

/** The documents left after a history of writes and deletions, in one machine's store order. */
function finalDocs(steps: { put?: Doc[]; del?: string[] }[]): Doc[] {
  const m = new Map<string, Doc>();
  for (const s of steps) {
    for (const id of s.del ?? []) m.delete(id);
    for (const d of s.put ?? []) {
      m.delete(d.id);
      m.set(d.id, d);
    }
  }
  return [...m.values()];
}

/** Claim and run observe jobs until none is left (`reverse`: claim them all, run the last batch first). */
async function drain(pool: Pool, o: { reverse?: boolean } = {}): Promise<ObserveResult[]> {
  const out: ObserveResult[] = [];
  for (;;) {
    const jobs = await claim(pool, { owner: 'test', kinds: [OBSERVE_JOB], leaseMs: 60_000, limit: o.reverse ? 1000 : 1 });
    if (!jobs.length) return out;
    if (o.reverse) jobs.sort((a, b) => Number((b.payload as { batch: number }).batch) - Number((a.payload as { batch: number }).batch));
    for (const j of jobs) out.push(await observeBatch(pool, j));
  }
}

async function pendingObserveJobs(pool: Pool): Promise<number> {
  return Number((await pool.query<{ n: string }>("SELECT count(*) AS n FROM jobs WHERE kind = 'observe' AND state IN ('ready', 'running')")).rows[0].n);
}

// The fixture: generated news over twelve days, an article under two ids (.html and .htm of one
// VnExpress article), undated and implausibly dated documents, a document without url or source;
// then replacements (one moved to another day with a new title, one with a new text, one that
// gains a date, one that loses it, the waiting duplicate rewritten) and deletions.
function fixture(): { steps: { put?: Doc[]; del?: string[] }[] } {
  const base = syntheticNews('2025-06-02', 12, 10).map((d, i) => ({ ...d, text: `Bài ${i}: ${d.title.toLowerCase()} theo phóng viên tại chỗ.` })) as Doc[];
  const vne = (id: string, ext: string, hour: number, title: string): Doc => ({
    id, title, summary: 'Bão số 3 đổ bộ vào Quảng Ninh với gió giật mạnh.', url: `https://vnexpress.net/bao-so-3-do-bo-quang-ninh-4801234.${ext}`,
    published: `2025-06-05T${String(hour).padStart(2, '0')}:00:00+07:00`, source: 'VnExpress',
  });
  const d1 = vne('vne-1', 'html', 8, 'Bão số 3 đổ bộ Quảng Ninh');
  const d2 = vne('vne-1-amp', 'htm', 9, 'Bão số 3 đổ bộ Quảng Ninh, sơ tán dân');
  const undated: Doc = { id: 'undated-1', title: 'Tin chưa có ngày đăng về lũ quét', source: 'Báo C', url: 'https://c.example.vn/lu-quet.html' };
  const implausible: Doc = { id: 'implausible-1', title: 'Tin ngày sai về động đất', published: '1970-01-02', source: 'Báo C' };
  const bare: Doc = { id: 'no-url', title: 'Hội nghị xúc tiến đầu tư miền Trung', published: '2025-06-07T10:00:00+07:00' };
  const half = Math.floor(base.length / 2);
  const b1 = [...base.slice(0, half), d1, undated];
  const b2 = [...base.slice(half), d2, implausible, bare];
  const b3: Doc[] = [
    { ...base[3], title: 'Cháy lớn tại khu công nghiệp Bình Dương', published: '2025-06-12T15:00:00+07:00' },
    { ...base[10], text: 'Nội dung đã được cập nhật: giá vàng miếng lập đỉnh mới.' },
    { ...undated, published: '2025-06-08T07:30:00+07:00' },
    { ...d2, title: 'Bão số 3 đổ bộ Quảng Ninh, hàng nghìn dân sơ tán' },
  ];
  const b4: Doc[] = [{ ...base[30], published: undefined, title: base[30].title + ' (đính chính)' }];
  return { steps: [{ put: b1 }, { put: b2 }, { put: b3 }, { put: b4, del: [base[20].id, 'implausible-1'] }] };
}

/** One machine the way `tra index` keeps it: a store, its observatory caught up after every step. */
function oneMachine(steps: { put?: Doc[]; del?: string[] }[]): { dir: string; figures: Figures } {
  const dir = mkdtempSync(join(tmpdir(), 'tra-observe-one-'));
  for (const s of steps) {
    const store = new DocStore(join(dir, STORE_FILE));
    if (s.del?.length) store.deleteIds(s.del);
    if (s.put?.length) store.putBatch(s.put.map((d) => JSON.parse(JSON.stringify(d))));
    store.close();
    syncFromStore(dir);
  }
  return { dir, figures: machineFigures(dir) };
}

/** The same steps in the cluster: each a batch (deletions a batch of their own). */
async function writeSteps(pool: Pool, steps: { put?: Doc[]; del?: string[] }[], after?: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (s.del?.length) await deleteInCluster(pool, s.del);
    if (s.put?.length) await writeBatch(pool, s.put.map((d) => JSON.parse(JSON.stringify(d))));
    await after?.(i);
  }
}

test('the cluster counts what one machine counts: days, terms by day, document frequencies, sources', opts, async () => {
  const s = await testSchema();
  const dirs: string[] = [];
  try {
    const { steps } = fixture();
    const one = oneMachine(steps);
    dirs.push(one.dir);
    const fresh = freshMachine(finalDocs(steps));
    dirs.push(fresh.dir);
    // The fixture is one where counting as documents come and counting the final documents agree.
    assert.deepEqual(one.figures, fresh.figures);
    const t0 = performance.now();
    const results: ObserveResult[] = [];
    // Observed after the first two steps, then the rest at once.
    await writeSteps(s.pool, steps, async (i) => {
      if (i === 0 || i === 1) results.push(...(await drain(s.pool)));
    });
    results.push(...(await drain(s.pool)));
    const ms = performance.now() - t0;
    const cluster = await clusterFigures(s.pool);
    assert.deepEqual(cluster.days, one.figures.days);
    assert.deepEqual(cluster.sources, one.figures.sources);
    assert.deepEqual(cluster.df, one.figures.df);
    assert.deepEqual(cluster.dayTerms, one.figures.dayTerms);
    await checkConsistency(s.pool);
    assert.equal(Number((await s.pool.query('SELECT count(*) AS n FROM observe_terms WHERE df <> 0')).rows[0].n), 0, 'observe_terms.df is not maintained');
    assert.equal(await pendingObserveJobs(s.pool), 0);
    const batches = Number((await s.pool.query('SELECT count(DISTINCT batch) AS n FROM document_versions')).rows[0].n);
    assert.equal(Number((await s.pool.query('SELECT count(*) AS n FROM observe_batches')).rows[0].n), batches);
    // What each run did: the duplicate, the undated and implausible ones, the deletions.
    const sum = (k: keyof ObserveResult) => results.reduce((a, r) => a + Number(r[k]), 0);
    assert.equal(sum('deleted'), 2);
    assert.equal(sum('duplicates'), 2, 'the .htm copy of the VnExpress article, twice');
    assert.equal(sum('undated'), 3, 'no date, an implausible one, and the one that lost its date');
    assert.equal(sum('stale'), 0);
    const meta = Object.fromEntries((await s.pool.query<{ key: string; value: string }>('SELECT key, value FROM observe_meta')).rows.map((r) => [r.key, r.value]));
    assert.deepEqual(meta, { version: String(COUNTS_VERSION), epoch: '1' });
    const versions = Number((await s.pool.query('SELECT count(*) AS n FROM document_versions')).rows[0].n);
    console.log(`# observed ${versions} versions in ${results.length} batches: ${(ms / versions * 1000).toFixed(0)} ms per 1,000 versions (writes included); under the lock ${sum('heldMs')} ms in all`);
  } finally {
    await s.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('an observe job run again (its completion lost, or its lease) counts nothing twice', opts, async () => {
  const s = await testSchema();
  try {
    const docs = syntheticNews('2025-06-02', 3, 6) as Doc[];
    await writeBatch(s.pool, docs);
    // First claim: its lease runs out before it commits; the completion is refused and nothing lands.
    const [stalled] = await claim(s.pool, { owner: 'stalled', kinds: [OBSERVE_JOB], leaseMs: 300 });
    await assert.rejects(observeBatch(s.pool, stalled, { underLock: () => sleep(500) }), LeaseLost);
    assert.equal(Number((await s.pool.query('SELECT count(*) AS n FROM observe_batches')).rows[0].n), 0);
    assert.equal(Number((await s.pool.query('SELECT count(*) AS n FROM observe_terms')).rows[0].n), 0);
    assert.equal(Number((await s.pool.query('SELECT count(*) AS n FROM observe_days')).rows[0].n), 0);
    // Reclaimed: counted once.
    const [again] = await claim(s.pool, { owner: 'other', kinds: [OBSERVE_JOB], leaseMs: 60_000 });
    assert.equal(again.id, stalled.id);
    const first = await observeBatch(s.pool, again);
    assert.equal(first.added, docs.length);
    const once = await clusterFigures(s.pool);
    const changeOnce = Number((await s.pool.query("SELECT last_value FROM observe_change_seq")).rows[0].last_value);
    // The same batch again, as a job enqueued a second time: nothing added, nothing rewritten.
    await enqueue(s.pool, observeJob({ batch: first.batch }));
    const [twice] = await claim(s.pool, { owner: 'other', kinds: [OBSERVE_JOB], leaseMs: 60_000 });
    const second = await observeBatch(s.pool, twice);
    assert.equal(second.already, true);
    assert.equal(second.added, 0);
    assert.deepEqual(await clusterFigures(s.pool), once);
    assert.equal(Number((await s.pool.query("SELECT last_value FROM observe_change_seq")).rows[0].last_value), changeOnce, 'no row rewritten');
    assert.equal(await pendingObserveJobs(s.pool), 0, 'the second job completed');
    const dir = freshMachine(docs);
    try {
      assert.deepEqual(once, dir.figures);
    } finally {
      rmSync(dir.dir, { recursive: true, force: true });
    }
  } finally {
    await s.drop();
  }
});

test('batches observed concurrently by separate pools give the counts of one machine, without deadlock', opts, async () => {
  const s = await testSchema();
  const pools = [0, 1, 2].map(() => openPool(s.url, { max: 3, statementTimeoutMs: 20_000 }));
  const dirs: string[] = [];
  try {
    // Six batches whose documents overlap: each rewrites documents of the batches before it,
    // and two share an article key.
    const base = syntheticNews('2025-07-01', 8, 8) as Doc[];
    const steps: { put?: Doc[] }[] = [];
    for (let b = 0; b < 6; b++) {
      const put: Doc[] = [];
      for (let i = b; i < base.length; i += 3) put.push({ ...base[i], summary: `Phiên bản ${b} của bài ${i}: cập nhật số ${b * 7}.`, published: base[(i + b) % base.length].published });
      if (b === 2) put.push({ id: 'copy-of-0', title: 'Bản sao', url: base[0].url, published: base[0].published, source: 'Báo Z' });
      steps.push({ put });
    }
    await writeSteps(s.pool, steps);
    // Every pool claims and runs jobs at once, each holding its job under the lock a little while.
    const jobs = await claim(s.pool, { owner: 'all', kinds: [OBSERVE_JOB], leaseMs: 60_000, limit: 100 });
    assert.equal(jobs.length, 6);
    const order = [5, 0, 3, 1, 4, 2].map((i) => jobs[i]);
    await Promise.all(pools.map(async (p, k) => {
      for (let i = k; i < order.length; i += pools.length) await observeBatch(p, order[i], { underLock: () => sleep(20) });
    }));
    const fresh = freshMachine(finalDocs(steps));
    dirs.push(fresh.dir);
    assert.deepEqual(await clusterFigures(s.pool), fresh.figures);
    await checkConsistency(s.pool);
  } finally {
    await Promise.all(pools.map((p) => p.end()));
    await s.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('a newer version observed before an older one stays counted; an earlier copy of an article takes its key back', opts, async () => {
  const s = await testSchema();
  const dirs: string[] = [];
  try {
    const a1: Doc = { id: 'a', title: 'Lũ lớn ở Hà Giang', published: '2025-08-01T08:00:00+07:00', source: 'Báo A', url: 'https://a.example.vn/lu-ha-giang.html' };
    const a2: Doc = { ...a1, title: 'Lũ quét ở Hà Giang, nhiều nhà bị cuốn trôi', published: '2025-08-03T08:00:00+07:00' };
    const p: Doc = { id: 'p', title: 'Khai mạc hội chợ thương mại', published: '2025-08-02T09:00:00+07:00', source: 'Báo B', url: 'https://b.example.vn/hoi-cho.html' };
    const q: Doc = { id: 'q', title: 'Hội chợ thương mại khai mạc sáng nay', published: '2025-08-02T10:00:00+07:00', source: 'Báo B', url: 'https://b.example.vn/hoi-cho.html' };
    const steps = [{ put: [a1, p] }, { put: [a2, q] }];
    await writeSteps(s.pool, steps);
    const results = await drain(s.pool, { reverse: true });
    assert.equal(results[0].batch > results[1].batch, true, 'the later batch ran first');
    assert.equal(results[1].stale, 1, 'the older version of a is skipped');
    const fresh = freshMachine(finalDocs(steps));
    dirs.push(fresh.dir);
    assert.deepEqual(await clusterFigures(s.pool), fresh.figures);
    assert.equal((await s.pool.query("SELECT doc_id FROM observe_keys k JOIN observe_docs d USING (doc_id) WHERE d.doc_id IN ('p', 'q')")).rows[0].doc_id, 'p', 'p, written first, holds the key');
    await checkConsistency(s.pool);
  } finally {
    await s.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('when the document holding an article key goes, the copy waiting for it is counted, as one machine counting afresh', opts, async () => {
  const s = await testSchema();
  const dirs: string[] = [];
  try {
    const url = 'https://vnexpress.net/gia-vang-lap-dinh-4809999.html';
    const h: Doc = { id: 'h', title: 'Giá vàng lập đỉnh', url, published: '2025-09-01T08:00:00+07:00', source: 'VnExpress' };
    const w: Doc = { id: 'w', title: 'Giá vàng lập đỉnh mới trong phiên sáng', url: url.replace('.html', '.htm'), published: '2025-09-02T08:00:00+07:00', source: 'VnExpress AMP' };
    const k: Doc = { id: 'k', title: 'Một bản khác của tin giá vàng', url, published: '2025-09-03T08:00:00+07:00', source: 'Báo K' };
    // h holds the key, w and k wait; h is deleted: w (written before k) takes it; then w moves
    // to another article: k takes it.
    const steps: { put?: Doc[]; del?: string[] }[] = [{ put: [h, w, k] }, { del: ['h'] }, { put: [{ ...w, url: 'https://vnexpress.net/tin-khac-4801111.html' }] }];
    for (let i = 0; i < steps.length; i++) {
      await writeSteps(s.pool, [steps[i]]);
      await drain(s.pool);
      const fresh = freshMachine(finalDocs(steps.slice(0, i + 1)));
      dirs.push(fresh.dir);
      assert.deepEqual(await clusterFigures(s.pool), fresh.figures, `after step ${i}`);
      await checkConsistency(s.pool);
    }
    const holder = (await s.pool.query('SELECT doc_id FROM observe_keys k JOIN observe_docs d USING (doc_id) WHERE d.doc_id IN ($1, $2) ORDER BY doc_id', ['k', 'w'])).rows.map((r) => r.doc_id);
    assert.deepEqual(holder, ['k', 'w'], 'each holds a key of its own');
  } finally {
    await s.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('counts of an older version of the rules are rebuilt under a new epoch; a newer version is refused', opts, async () => {
  const s = await testSchema();
  const dirs: string[] = [];
  try {
    const docs = syntheticNews('2025-06-02', 6, 6) as Doc[];
    const third = Math.ceil(docs.length / 3);
    await writeBatch(s.pool, docs.slice(0, third));
    await writeBatch(s.pool, docs.slice(third, 2 * third));
    await drain(s.pool);
    const before = Number((await s.pool.query('SELECT max(change) AS c FROM observe_days')).rows[0].c);
    // Written by an older tra: a term with another text under id 0 shows the rows are not reused.
    await s.pool.query("UPDATE observe_meta SET value = $1 WHERE key = 'version'", [String(COUNTS_VERSION - 1)]);
    await s.pool.query("UPDATE observe_terms SET term = 'từ của phiên bản cũ' WHERE id = 0");
    await writeBatch(s.pool, docs.slice(2 * third));
    const [job] = await claim(s.pool, { owner: 't', kinds: [OBSERVE_JOB], leaseMs: 60_000 });
    const r = await observeBatch(s.pool, job);
    assert.equal(r.rebuilt, true);
    const meta = Object.fromEntries((await s.pool.query<{ key: string; value: string }>('SELECT key, value FROM observe_meta')).rows.map((x) => [x.key, x.value]));
    assert.deepEqual(meta, { version: String(COUNTS_VERSION), epoch: '2' });
    assert.equal(await pendingObserveJobs(s.pool), 2, 'the two batches counted before are enqueued again');
    assert.ok(Number((await s.pool.query('SELECT min(change) AS c FROM observe_days')).rows[0].c) > before, 'change numbers go on rising');
    await drain(s.pool);
    const fresh = freshMachine(docs);
    dirs.push(fresh.dir);
    assert.deepEqual(await clusterFigures(s.pool), fresh.figures);
    await checkConsistency(s.pool);
    // Counts of a newer tra: refused in one line, nothing changed.
    await s.pool.query("UPDATE observe_meta SET value = $1 WHERE key = 'version'", [String(COUNTS_VERSION + 1)]);
    await enqueue(s.pool, observeJob({ batch: r.batch }));
    const [late] = await claim(s.pool, { owner: 't', kinds: [OBSERVE_JOB], leaseMs: 60_000 });
    await assert.rejects(observeBatch(s.pool, late), (e) => e instanceof ClusterError && /nâng cấp tra indexer/.test(e.message) && !e.message.includes('\n'));
    await assert.rejects(ensureCountsVersion(s.pool), /nâng cấp tra indexer/);
    // An indexer starting over counts of an older version rebuilds them even when no batch comes.
    await s.pool.query("UPDATE observe_meta SET value = $1 WHERE key = 'version'", [String(COUNTS_VERSION - 1)]);
    await s.pool.query('DELETE FROM jobs');
    assert.equal(await ensureCountsVersion(s.pool), true);
    assert.equal((await s.pool.query("SELECT value FROM observe_meta WHERE key = 'epoch'")).rows[0].value, '3');
    assert.equal(await pendingObserveJobs(s.pool), 3);
    assert.equal(Number((await s.pool.query('SELECT count(*) AS n FROM observe_days')).rows[0].n), 0);
    await drain(s.pool);
    assert.deepEqual(await clusterFigures(s.pool), fresh.figures);
  } finally {
    await s.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('term ids read before the lock are not used when the counts were rebuilt meanwhile', opts, async () => {
  const s = await testSchema();
  const dirs: string[] = [];
  try {
    const docs = syntheticNews('2025-06-02', 4, 6) as Doc[];
    const other: Doc = { id: 'other', title: 'Hội thảo khoa học về trí tuệ nhân tạo và dữ liệu lớn', published: '2025-06-03T09:00:00+07:00', source: 'Báo K' };
    const half = Math.ceil(docs.length / 2);
    const a = await writeBatch(s.pool, docs.slice(0, half));
    await countBatch(s.pool, { batch: a.job!.batch }, undefined);
    // The second batch shares most terms with the first; while it counts without the lock, an
    // indexer of this version rebuilds counts another made (fresh ids from 0, in another order).
    const b = await writeBatch(s.pool, docs.slice(half));
    const r = await countBatch(s.pool, { batch: b.job!.batch }, undefined, {
      beforeLock: async () => {
        await s.pool.query("UPDATE observe_meta SET value = $1 WHERE key = 'version'", [String(COUNTS_VERSION - 1)]);
        assert.equal(await ensureCountsVersion(s.pool), true);
        await s.pool.query("DELETE FROM jobs WHERE payload->>'batch' = $1", [String(b.job!.batch)]);
        // Other terms first, so the first batch's terms get other ids than before.
        const c = await writeBatch(s.pool, [other]);
        await countBatch(s.pool, { batch: c.job!.batch }, undefined);
        await countBatch(s.pool, { batch: a.job!.batch }, undefined);
      },
    });
    assert.equal(r.added, docs.length - half);
    const fresh = freshMachine([...docs.slice(0, half), other, ...docs.slice(half)]);
    dirs.push(fresh.dir);
    assert.deepEqual(await clusterFigures(s.pool), fresh.figures);
    await checkConsistency(s.pool);
  } finally {
    await s.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('term ids interned once are not asked of PostgreSQL again by this process; another epoch does not use them', opts, async () => {
  const s = await testSchema();
  const dirs: string[] = [];
  try {
    const docs = syntheticNews('2025-06-02', 4, 8) as Doc[];
    const half = Math.ceil(docs.length / 2);
    const a = await writeBatch(s.pool, docs.slice(0, half));
    const r1 = await countBatch(s.pool, { batch: a.job!.batch }, undefined);
    assert.equal(r1.termsCached, 0);
    assert.ok(r1.termsLooked > 0 && r1.newTerms === r1.termsLooked, JSON.stringify(r1));
    // The same kind of news again: its common terms come from the cache, only the others are asked.
    const b = await writeBatch(s.pool, docs.slice(half));
    const r2 = await countBatch(s.pool, { batch: b.job!.batch }, undefined);
    assert.ok(r2.termsCached > 0, JSON.stringify(r2));
    assert.equal(r2.termsLooked, r2.newTerms, 'only terms this process has not seen are looked up');
    const fresh = freshMachine(docs);
    dirs.push(fresh.dir);
    assert.deepEqual(await clusterFigures(s.pool), fresh.figures);
    // A rebuild (another epoch) renumbers the terms: the cached ids are not used.
    await s.pool.query("UPDATE observe_meta SET value = $1 WHERE key = 'version'", [String(COUNTS_VERSION - 1)]);
    await s.pool.query('DELETE FROM jobs');
    assert.equal(await ensureCountsVersion(s.pool), true);
    await s.pool.query("DELETE FROM jobs WHERE payload->>'batch' = $1", [String(b.job!.batch)]);
    const r3 = await countBatch(s.pool, { batch: b.job!.batch }, undefined);
    assert.equal(r3.termsCached, 0, 'nothing cached under the old epoch is used');
    await drain(s.pool);
    assert.deepEqual(await clusterFigures(s.pool), fresh.figures);
    await checkConsistency(s.pool);
  } finally {
    await s.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('a source with a NUL and a text with lone surrogates are counted, not a batch failing forever', opts, async () => {
  const s = await testSchema();
  try {
    const r = await writeBatch(s.pool, [
      { id: 'x', title: 'Mưa\ud800 lớn ở Huế', source: 'Báo\u0000 Huế', published: '2025-10-27T08:00:00+07:00' },
      { id: 'y', title: 'Mưa lớn ở Huế, nước lên nhanh', source: 'Báo Huế', published: '2025-10-27T09:00:00+07:00' },
    ] as Doc[]);
    const c = await countBatch(s.pool, { batch: r.job!.batch }, undefined);
    assert.equal(c.added, 2);
    const src = (await s.pool.query('SELECT source, docs FROM observe_source_days ORDER BY source')).rows;
    assert.deepEqual(src.map((x) => [x.source, x.docs]), [['Báo Huế', 2]]);
    assert.equal((await clusterFigures(s.pool)).df['huế'], 2);
  } finally {
    await s.drop();
  }
});

test('a batch without a job (a tool) is counted once too', opts, async () => {
  const s = await testSchema();
  try {
    const r = await writeBatch(s.pool, syntheticNews('2025-06-02', 2, 4) as Doc[]);
    const a = await countBatch(s.pool, { batch: r.job!.batch }, undefined);
    const b = await countBatch(s.pool, { batch: r.job!.batch }, undefined);
    assert.equal(a.added, r.written);
    assert.equal(b.already, true);
  } finally {
    await s.drop();
  }
});

test('tra index --pg then tra indexer: every batch observed, the same counts as tra index --data', { ...opts, timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-observe-e2e-'));
  let s: TestSchema | undefined;
  let indexer: Proc | undefined;
  try {
    s = await testSchema();
    // 2,500 documents: three ingest batches (1,000 a batch).
    const docs = syntheticNews('2025-05-01', 40, 70).slice(0, 2500);
    assert.equal(docs.length, 2500);
    const file = join(dir, 'tin.jsonl');
    writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
    const [one, cluster] = await Promise.all([
      tra(['index', '--data', join(dir, 'one'), file], {}, 180_000),
      tra(['index', '--pg', s.url, '--blob', join(dir, 'blob'), file], {}, 180_000),
    ]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(cluster.code, 0, cluster.stderr);
    const waiting = await clusterStatistics(s.pool);
    assert.equal(waiting.observe_jobs_pending, 3);
    assert.ok(waiting.observe_lag_seconds > 0);
    indexer = start(['indexer', '--pg', s.url, '--blob', join(dir, 'blob')]);
    await until('no observe job left', async () => (await pendingObserveJobs(s!.pool)) === 0, 180_000, 500);
    const batches = (await s.pool.query('SELECT DISTINCT batch FROM document_versions ORDER BY batch')).rows.map((r) => Number(r.batch));
    const observed = (await s.pool.query('SELECT batch FROM observe_batches ORDER BY batch')).rows.map((r) => Number(r.batch));
    assert.deepEqual(observed, batches);
    const done = await clusterStatistics(s.pool);
    assert.deepEqual([done.observe_jobs_pending, done.observe_jobs_failed, done.observe_lag_seconds], [0, 0, 0]);
    assert.deepEqual(await clusterFigures(s.pool), machineFigures(join(dir, 'one')));
    await checkConsistency(s.pool);
    await until('a log line per observe job', async () => (indexer!.out + indexer!.err).split('\n').filter((l) => /observe batch \d+: 1000 versions|observe batch \d+: 500 versions/.test(l)).length === 3, 10_000);
    for (const l of (indexer.out + indexer.err).split('\n').filter((x) => /observe batch/.test(x))) console.log(`# ${l}`);
  } finally {
    await indexer?.kill();
    await s?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
