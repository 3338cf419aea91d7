import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renameAliases, shapeWarnings, idAliasHint, sampleIds, dropSamples, SAMPLES_FILE, JSONL_HELP } from './document.ts';

test('renameAliases moves an RSS item\'s link, description and pubDate under the contract names', () => {
  const doc: Record<string, unknown> = { id: 'a', title: 'Tin', link: 'https://vnexpress.net/a-1.html', description: 'Tóm tắt', pubDate: 'Mon, 01 Sep 2025 08:00:00 +0700' };
  const used = renameAliases(doc);
  assert.deepEqual(used, [['summary', 'description'], ['url', 'link'], ['published', 'pubDate']]);
  assert.deepEqual(doc, { id: 'a', title: 'Tin', url: 'https://vnexpress.net/a-1.html', summary: 'Tóm tắt', published: 'Mon, 01 Sep 2025 08:00:00 +0700' });
});

test('renameAliases leaves a document that already has the contract name as given', () => {
  const doc: Record<string, unknown> = { id: 'a', url: 'https://a.vn/1', link: 'https://a.vn/khac', date: 5 };
  assert.deepEqual(renameAliases(doc), []);
  assert.deepEqual(doc, { id: 'a', url: 'https://a.vn/1', link: 'https://a.vn/khac', date: 5 }, 'non-string alias values are not moved');
});

test('shapeWarnings names a document with nothing to search and a link under an unknown name', () => {
  const w = shapeWarnings({ id: 'a', noi_dung: 'x', web: 'https://a.vn/1' });
  assert.deepEqual(w.map((x) => x.kind), ['unsearchable', 'link-elsewhere']);
  assert.match(w[0].message, /"noi_dung", "web"/);
  assert.match(w[1].message, /"web".*"url"/);
  assert.deepEqual(shapeWarnings({ id: 'a', title: 'Tin' }), [], 'a title without a link is fine: many corpora have none');
});

test('idAliasHint points a BEIR-style "_id" line at the "id" field', () => {
  assert.match(idAliasHint({ _id: 'd1', text: 'x' })!, /"_id".*"id"/);
  assert.equal(idAliasHint({ text: 'x' }), undefined);
});

test('the JSON Lines help lists every accepted alias and --repair-dates', () => {
  for (const name of ['link', 'description', 'pubDate', 'date', 'summary', '--repair-dates']) assert.ok(JSONL_HELP.includes(name), name);
});

test('the shipped samples are all marked as samples', async () => {
  const ids = await sampleIds();
  assert.equal(ids.length, 20);
  assert.ok(ids.every((id) => /^mau-\d{3}$/.test(id)));
  assert.ok(SAMPLES_FILE.endsWith(path.join('samples', 'tin-mau.jsonl')));
});

test('dropSamples removes stored samples only, not a user document that shares an id', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-samples-'));
  try {
    const file = path.join(dir, 's.jsonl');
    writeFileSync(file, '{"id":"m1","sample":true}\n{"id":"m2","sample":true}\n{"id":"m3","sample":true}\n');
    const docs = new Map<string, Record<string, unknown>>([['m1', { id: 'm1', sample: true }], ['m2', { id: 'm2', title: 'của người dùng' }]]);
    const deleted: string[] = [];
    const n = await dropSamples({ get: (id) => docs.get(id), delete: async (ids) => (deleted.push(...ids), ids.length) }, file);
    assert.equal(n, 1);
    assert.deepEqual(deleted, ['m1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
