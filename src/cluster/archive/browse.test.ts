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
import { openEngine } from '../../engine/index.ts';
import { DocStore } from '../../store/store.ts';
import { SourceCatalog } from '../../server/source-catalog.ts';
import type { DocInput } from '../../store/document.ts';
import { clusterSources } from './sources.ts';
import { clusterBrowse } from './browse.ts';

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

    const engine = await openEngine(dir);
    try {
      await engine.add(first);
      await engine.add(later);
      await engine.delete([gone]);
    } finally {
      engine.close();
    }
    const store = new DocStore(join(dir, 'store.sqlite'), { readOnly: true });
    const catalog = SourceCatalog.build([...store.docsAfter(0)].map((r) => r.doc));
    store.close();

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
