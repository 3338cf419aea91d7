import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObserveCounts, dayOfIso, keyHash } from '../../observe/counts.ts';
import { termsOf } from '../../observe/terms.ts';
import { articleKey, countVersion } from './count.ts';

test('a version is dated, keyed and split into terms as one machine counts it', () => {
  const body = { title: 'Bão số 3 đổ bộ Quảng Ninh', summary: 'Gió mạnh cấp 12.', url: 'https://vnexpress.net/bao-so-3-4801234.htm', published: '2025-06-05T08:00:00+07:00', source: 'VnExpress' };
  const v = countVersion({ seq: '17', doc_id: 'a', body });
  assert.equal(v.seq, 17);
  assert.equal(v.day, dayOfIso('2025-06-05'));
  assert.equal(v.keyHash, keyHash('vnexpress.net/4801234'), '.htm and .html share the article key');
  assert.equal(v.source, 'VnExpress');
  // One machine, counting the same document, finds the same terms on the same day.
  const dir = mkdtempSync(join(tmpdir(), 'tra-count-'));
  try {
    const oc = new ObserveCounts(dir);
    assert.equal(oc.add([{ doc: { id: 'a', ...body } }]).counted, 1);
    const day = oc.termsOn(v.day!, 1).map((t) => t.term).sort();
    assert.deepEqual([...v.terms].sort(), day);
    assert.ok(v.terms.includes('quảng ninh'));
    oc.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no plausible date, or no body, means no day and no key', () => {
  const undated = countVersion({ seq: 1, doc_id: 'u', body: { title: 'Tin không ngày' } });
  assert.deepEqual([undated.day, undated.uncounted, undated.keyHash, undated.terms.length], [null, 'undated', null, 0]);
  const old = countVersion({ seq: 2, doc_id: 'o', body: { title: 'Tin quá cũ', published: '1970-01-02' } });
  assert.deepEqual([old.day, old.uncounted], [null, 'implausible']);
  const future = countVersion({ seq: 3, doc_id: 'f', body: { title: 'Tin tương lai', published: '2030-01-01T00:00:00Z' } }, Date.parse('2026-01-01T00:00:00Z'));
  assert.deepEqual([future.day, future.uncounted], [null, 'implausible']);
  const gone = countVersion({ seq: 4, doc_id: 'g', body: null });
  assert.deepEqual([gone.day, gone.uncounted], [null, 'deleted']);
});

test('the article key is the canonical url, else the link, else the id', () => {
  assert.equal(articleKey({ id: 'x', url: 'https://tuoitre.vn/a-b-20250605123456789.htm' }), 'tuoitre.vn/20250605123456789');
  assert.equal(articleKey({ id: 'x', url: '', link: 'https://example.vn/tin-1.html' }), 'example.vn/tin-1.html');
  assert.equal(articleKey({ id: 'x' }), 'id:x');
  const v = countVersion({ seq: 5, doc_id: 'x', body: { title: 'Không có địa chỉ', published: '2025-06-05' } });
  assert.equal(v.keyHash, keyHash('id:x'));
  assert.equal(v.source, null);
});

test('text with NUL and lone surrogates gives the terms one machine counts, all storable in PostgreSQL', () => {
  const title = 'nội\ud800dung bão\u0000lũ quả\ud83d ngọt x\udc00y';
  const v = countVersion({ seq: 6, doc_id: 'n', body: { title, published: '2025-06-05' } });
  assert.deepEqual(v.terms, [...termsOf(title)]);
  assert.ok(v.terms.length >= 4);
  for (const t of v.terms) assert.ok(t.isWellFormed() && !t.includes('\u0000'), JSON.stringify(t));
});
