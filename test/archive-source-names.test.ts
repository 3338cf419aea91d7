/**
 * One outlet, one name: a crawled article is filed under the name the site declares
 * (og:site_name) rather than its host, the host stays apart in `host`, and `tra sources name`
 * renames what is already archived and indexed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSite, type Site } from './fixtures/site/server.ts';
import { tra as run } from './hostile/run.ts';

const tra = (...args: string[]) => run(args);

let site: Site;
let dir: string;
before(async () => {
  site = await startSite({ crawlDelaySeconds: 0.01, slowMs: 20 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-names-cli-'));
});
after(async () => {
  await site.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function sourcesOf(query: string, filter?: string): Promise<Array<{ source?: string }>> {
  const r = await tra('search', '--data', dir, '--json', '--limit', '50', ...(filter ? ['--source', filter] : []), query);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { hits: Array<{ source?: string }> }).hits;
}

test('a crawled article carries the site\'s declared name, the host apart; tra sources name renames it', async () => {
  const host = new URL(site.main).host;
  const c = await tra('crawl', '--data', dir, '--once', '--source', `${site.main}/rss/tin-moi.rss`, '--delay-ms', '5');
  assert.equal(c.code, 0, c.stderr);
  const hits = await sourcesOf('bão số 9');
  assert.ok(hits.length > 0);
  assert.deepEqual([...new Set(hits.map((h) => h.source))], ['Báo Tin Nhanh'], 'og:site_name of the fixture pages, not the host');

  const { openEngine } = await import('../src/engine/index.ts');
  const engine = await openEngine(dir, { readOnly: true });
  try {
    const id = (JSON.parse((await tra('search', '--data', dir, '--json', 'bão số 9')).stdout) as { hits: Array<{ id: string }> }).hits[0].id;
    assert.equal(engine.get(id)?.host, host);
  } finally {
    engine.close();
  }

  // One article removed from the index stays removed through a rename.
  const all = (JSON.parse((await tra('search', '--data', dir, '--json', '--limit', '100', 'bão số 9')).stdout) as { hits: Array<{ id: string }> }).hits;
  assert.equal((await tra('delete', '--data', dir, all[all.length - 1].id)).code, 0);

  const n = await tra('sources', 'name', '--data', dir, '--json', host, 'Tin', 'Nhanh');
  assert.equal(n.code, 0, n.stderr);
  const res = JSON.parse(n.stdout) as { host: string; name: string; renamed: number; indexed: number };
  assert.equal(res.name, 'Tin Nhanh');
  assert.ok(res.renamed > 1 && res.indexed === res.renamed - 1, n.stdout);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'sources.json'), 'utf8')), { names: { [host]: 'Tin Nhanh' } });
  assert.equal((await sourcesOf('bão số 9', 'Tin Nhanh')).length, hits.length - 1, 'the same articles, under the operator\'s name, the deleted one not back');
  assert.equal((await sourcesOf('bão số 9', 'Báo Tin Nhanh')).length, 0);

  const list = await tra('sources', 'name', '--data', dir);
  assert.match(list.stdout, new RegExp(`^${host.replace(/\./g, '\\.')} +Tin Nhanh\n$`));
});

test('tra sources name: a broken sources.json and a non-host are one line each, the file untouched', async () => {
  const d = path.join(dir, 'hong');
  fs.mkdirSync(d);
  const file = path.join(d, 'sources.json');
  fs.writeFileSync(file, '{"names": {"a.vn": "A",}}');
  const r = await tra('sources', 'name', '--data', d, 'b.vn', 'B');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^tra: .*sources\.json:1: không phải JSON hợp lệ.*\n$/);
  assert.equal(fs.readFileSync(file, 'utf8'), '{"names": {"a.vn": "A",}}');
  const bad = await tra('sources', 'name', '--data', d, 'Báo Mới', 'X');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /^tra: "Báo Mới" không phải tên miền.*\n$/);
});
