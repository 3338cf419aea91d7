// A source's latest articles in cluster mode equal one machine's (the server's catalogue over the
// engine's store) for the same documents: newest first, ties by id, replaced and deleted
// documents out, the count from the list of sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PG_SKIP, testSchema } from '../../../test/cluster/pg.ts';
import { writeBatch } from '../ingest/write.ts';
import type { DocInput } from '../../store/document.ts';
import { oneMachineCatalog } from './test-fixtures.ts';
import { clusterSources } from './sources.ts';
import { clusterBrowse } from './browse.ts';
import { migrate } from '../pg/migrate.ts';
import { MIGRATIONS } from '../pg/migrations.ts';

function docs(): DocInput[] {
  const out: DocInput[] = [];
  for (let i = 0; i < 40; i++) {
    const source = ['Tuổi Trẻ', 'VnExpress', 'Tuổi Trẻ', 'Dân Trí'][i % 4];
    // Several documents share a time (ties by id); a few have no usable date.
    const day = String(1 + (i % 9)).padStart(2, '0');
    const d: DocInput = { id: `https://bao.vn/${String(i).padStart(2, '0')}`, title: `Tin ${i}`, text: `Nội dung ${i}.`, source, url: `https://bao.vn/${i}.htm` };
    if (i % 13 !== 5) d.published = `2025-09-${day}T0${i % 3}:00:00+07:00`;
    out.push(d);
  }
  out.push({ id: 'title-number', title: 42 as unknown as string, text: 'x', source: 'Dân Trí', published: '2025-09-20T08:00:00+07:00' });
  return out;
}

test("browse: a source's latest articles are one machine's, page by page", { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tra-cluster-browse-'));
  const s = await testSchema();
  try {
    const first = docs();
    // Later: two move to another outlet (their old versions must not show), one gets a new date, one is deleted.
    const later = [{ ...first[0], source: 'Người Lao Động' }, { ...first[2], published: '2025-10-01T09:00:00+07:00' }, { ...first[4], source: 'Người Lao Động' }];
    const gone = first[6].id;

    const catalog = await oneMachineCatalog(dir, [first, later], [gone]);

    await writeBatch(s.pool, first);
    await writeBatch(s.pool, later);
    await s.pool.query('UPDATE documents SET deleted = true WHERE id = $1', [gone]);
    const browse = clusterBrowse(s.pool, clusterSources(s.pool, { warm: false }));

    const strip = (r: { total: number; hits: object[] }) => ({ total: r.total, hits: r.hits });
    for (const sources of [['Tuổi Trẻ'], ['Dân Trí'], ['Người Lao Động'], ['Không có'], ['Tuổi Trẻ', 'Dân Trí']]) {
      for (const [offset, limit] of [[0, 100], [0, 5], [5, 5], [17, 3], [60, 5]]) {
        const want = strip(catalog.latest(sources, offset, limit));
        const got = strip(await browse({ sources, offset, limit }));
        if (sources.length > 1) {
          // One machine merges several outlets by time only (ties in no stated order): compare as sets of equal times.
          assert.equal(got.total, want.total);
          assert.deepEqual(got.hits.map((h) => (h as { published?: string }).published ?? null), want.hits.map((h) => (h as { published?: string }).published ?? null));
        } else {
          assert.deepEqual(got, want, `${sources.join(',')} from ${offset}, ${limit}`);
        }
      }
    }
    const tt = await browse({ sources: ['Tuổi Trẻ'], offset: 0, limit: 3 });
    assert.equal(tt.hits[0].id, first[2].id, 'the version dated later comes first');
    assert.ok(!tt.hits.some((h) => h.id === first[0].id), 'a document moved to another outlet is not listed under its old one');
  } finally {
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sources and browse: a body PostgreSQL cannot read as text is ingested, counted and listed; migration 8 fills the column', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const s = await testSchema({ migrated: false });
  try {
    // Versions written before migration 8 (no source column): filled by it, except unreadable bodies.
    await migrate(s.pool, MIGRATIONS.filter((m) => m.version < 8));
    const old = [
      ['a', { title: 'Cũ A', source: 'Báo Cũ', published: '2025-09-01T08:00:00+07:00' }],
      ['b', { title: 'Cũ B', source: 'Báo Cũ', text: 'có \u0000 bên trong' }],
      ['c', { title: 'Cũ C', source: 7 }],
      ['d', { title: 'Cũ D', source: '' }],
    ] as const;
    for (const [i, [id, body]] of old.entries()) {
      await s.pool.query('INSERT INTO documents (id, current_seq, content_hash) VALUES ($1, $2, $3)', [id, i + 1, Buffer.from([i])]);
      await s.pool.query('INSERT INTO document_versions (seq, doc_id, content_hash, body, published_at, batch) VALUES ($1, $2, $3, $4::json, $5, 1)', [i + 1, id, Buffer.from([i]), JSON.stringify(body), 'published' in body ? body.published : null]);
    }
    await s.pool.query("SELECT setval('document_version_seq', 10)");
    await migrate(s.pool);
    const filled = (await s.pool.query<{ doc_id: string; source: string | null }>('SELECT doc_id, source FROM document_versions ORDER BY seq')).rows;
    assert.deepEqual(filled.map((r) => [r.doc_id, r.source]), [['a', 'Báo Cũ'], ['b', null], ['c', null], ['d', null]]);

    // Written now: NUL and a lone surrogate in the source and the text.
    await writeBatch(s.pool, [{ id: 'e', title: 'Mới E', source: 'Báo\u0000 Mới\ud800', text: 'x\u0000y\udc00', published: '2025-09-02T08:00:00+07:00' }]);
    const sources = clusterSources(s.pool, { warm: false });
    assert.deepEqual(await sources(), [{ value: 'Báo Cũ', count: 1 }, { value: 'Báo Mới\ufffd', count: 1 }]);
    const browse = clusterBrowse(s.pool, sources);
    assert.deepEqual((await browse({ sources: ['Báo Mới\ufffd'], offset: 0, limit: 5 })).hits, [{ id: 'e', score: 0 }], 'listed by id, its fields unreadable');
    assert.deepEqual((await browse({ sources: ['Báo Cũ'], offset: 0, limit: 5 })).hits, [{ id: 'a', score: 0, title: 'Cũ A', published: '2025-09-01T08:00:00+07:00' }]);
  } finally {
    await s.drop();
  }
});
