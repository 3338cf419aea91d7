import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PG_SKIP, testSchema } from '../../../test/cluster/pg.ts';
import { tra, lastJson } from '../../../test/hostile/run.ts';
import { indexIntoCluster } from './index-into-cluster.ts';
import { INDEX_JOB, type IndexJobPayload } from './write.ts';
import { claim } from '../queue/queue.ts';

const opts = { skip: PG_SKIP, timeout: 120_000 };

const LINES = [
  JSON.stringify({ id: 'a', title: 'Chuyển đổi số', text: 'Hà Nội đẩy mạnh chuyển đổi số', published: '2025-09-02T08:15:00+07:00', source: 'VnExpress' }),
  '{not json',
  JSON.stringify({ title: 'không có id' }),
  JSON.stringify({ id: 7, title: 'id là số', published: '2025-09-03' }),
  JSON.stringify({ id: 'lone\ud800', title: 'id hỏng' }),
  JSON.stringify({ id: 'b', headline: 'Tên trường khác', content: 'nội dung \u0000 có NUL và \ud800 lẻ', link: 'https://x.example/b' }),
  '',
  JSON.stringify({ id: 'a', title: 'Chuyển đổi số (cập nhật)', text: 'bản thứ hai', published: '2025-09-02T09:00:00+07:00' }),
  '[1, 2]',
  JSON.stringify({ id: 'c', title: 'giờ không đọc được', published: 'hôm qua', extra: { nested: [1, 2] } }),
];

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tra-ingest-'));
}

test('indexIntoCluster prints the same summary numbers as the single-machine tra index', opts, async () => {
  const s = await testSchema();
  const dir = tempDir();
  try {
    const file = path.join(dir, 'docs.jsonl');
    fs.writeFileSync(file, LINES.join('\n') + '\n');
    const messages: string[] = [];
    const r = await indexIntoCluster({ pgUrl: s.url, blobPath: path.join(dir, 'blob'), files: [file], onMessage: (m) => messages.push(m) });
    const single = await tra(['index', '--data', path.join(dir, 'single'), file], {}, 60_000);
    assert.equal(single.code, 0, single.stderr);
    const one = lastJson(single.stdout);
    assert.deepEqual({ indexed: r.summary.indexed, skipped: r.summary.skipped }, { indexed: one.indexed, skipped: one.skipped });
    assert.deepEqual(Object.keys(r.summary).sort(), ['indexed', 'ms', 'skipped']);
    assert.equal(messages.length, r.summary.skipped);
    assert.ok(messages.some((m) => m.startsWith(`${file}:2: `)), 'bad lines named by file and line');
    // What PostgreSQL holds: one current version per id, every version kept, bodies as given.
    const docs = await s.pool.query('SELECT d.id, v.body, v.published_at FROM documents d JOIN document_versions v ON v.seq = d.current_seq ORDER BY d.id');
    assert.deepEqual(docs.rows.map((x) => x.id), ['7', 'a', 'b', 'c']);
    const a = docs.rows.find((x) => x.id === 'a');
    assert.equal(a.body.title, 'Chuyển đổi số (cập nhật)', 'the later line replaces the earlier');
    assert.equal(a.published_at.toISOString(), '2025-09-02T02:00:00.000Z');
    const b = docs.rows.find((x) => x.id === 'b');
    assert.equal(b.body.title, 'Tên trường khác', 'aliases moved under the contract names');
    assert.equal(b.body.url, 'https://x.example/b');
    assert.equal(b.body.text, 'nội dung \u0000 có NUL và \ud800 lẻ', 'stored as given, NUL and lone surrogate included (json keeps the text)');
    assert.equal(docs.rows.find((x) => x.id === '7').published_at.toISOString(), '2025-09-02T17:00:00.000Z', 'a bare date is midnight in Vietnam');
    assert.equal(docs.rows.find((x) => x.id === 'c').published_at, null);
    assert.deepEqual(docs.rows.find((x) => x.id === 'c').body.extra, { nested: [1, 2] });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await s.drop();
  }
});

test('every written version has an index job naming its batch, and re-indexing the same input writes nothing', opts, async () => {
  const s = await testSchema();
  const dir = tempDir();
  try {
    const file = path.join(dir, 'many.jsonl.gz');
    const docs = Array.from({ length: 2500 }, (_, i) => JSON.stringify({ id: `d${i}`, title: `Bài số ${i}`, text: `nội dung ${i}`, published: `2025-0${1 + (i % 9)}-1${i % 10}T10:00:00+07:00` }));
    fs.writeFileSync(file, gzipSync(docs.join('\n') + '\n'));
    const seen: number[] = [];
    const first = await indexIntoCluster({ pgUrl: s.url, blobPath: path.join(dir, 'blob'), files: [file], batchDocs: 1000, onProgress: (n) => seen.push(n), onMessage: () => undefined });
    assert.equal(first.summary.indexed, 2500);
    assert.equal(first.written, 2500);
    assert.equal(first.batches, 3);
    assert.deepEqual(seen, [1000, 2000, 2500]);
    const jobs = await claim(s.pool, { owner: 'test', kinds: [INDEX_JOB], leaseMs: 10_000, limit: 10 });
    assert.equal(jobs.length, 3);
    let covered = 0;
    for (const j of jobs) {
      const p = j.payload as IndexJobPayload;
      const { rows } = await s.pool.query('SELECT count(*)::int AS n, min(seq) AS lo, max(seq) AS hi FROM document_versions WHERE batch = $1', [p.batch]);
      assert.equal(rows[0].n, p.versions);
      assert.equal(Number(rows[0].lo), p.first_seq);
      assert.equal(Number(rows[0].hi), p.last_seq);
      covered += p.versions;
    }
    assert.equal(covered, 2500, 'every version in exactly one job');
    const again = await indexIntoCluster({ pgUrl: s.url, blobPath: path.join(dir, 'blob'), files: [file], onMessage: () => undefined });
    assert.deepEqual([again.summary.indexed, again.written, again.unchanged], [2500, 0, 2500]);
    // The first run's jobs: its index jobs claimed above, its observe jobs waiting; none more.
    assert.deepEqual((await s.pool.query("SELECT kind, state, count(*)::int AS n FROM jobs GROUP BY kind, state ORDER BY kind")).rows, [{ kind: 'index', state: 'running', n: 3 }, { kind: 'observe', state: 'ready', n: 3 }], 'no job for nothing');
    assert.equal((await s.pool.query('SELECT count(*)::int AS n FROM document_versions')).rows[0].n, 2500);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await s.drop();
  }
});

test('a document changed and changed back keeps all three versions, the last one current', opts, async () => {
  const s = await testSchema();
  const dir = tempDir();
  try {
    const write = (name: string, title: string) => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, JSON.stringify({ id: 'x', title }) + '\n');
      return f;
    };
    const blobPath = path.join(dir, 'blob');
    for (const [n, t] of [['1.jsonl', 'A'], ['2.jsonl', 'B'], ['3.jsonl', 'A'], ['4.jsonl', 'A']]) {
      await indexIntoCluster({ pgUrl: s.url, blobPath, files: [write(n, t)], onMessage: () => undefined });
    }
    const { rows } = await s.pool.query("SELECT v.body->>'title' AS title, v.seq = d.current_seq AS current FROM document_versions v JOIN documents d ON d.id = v.doc_id ORDER BY v.seq");
    assert.deepEqual(rows, [
      { title: 'A', current: false },
      { title: 'B', current: false },
      { title: 'A', current: true },
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await s.drop();
  }
});

test('two ingests of overlapping documents at once neither deadlock nor leave two current versions', opts, async () => {
  const s = await testSchema();
  const dir = tempDir();
  try {
    const mk = (name: string, tag: string, order: number[]) => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, order.map((i) => JSON.stringify({ id: `d${i}`, title: `${tag} ${i}` })).join('\n') + '\n');
      return f;
    };
    const ids = Array.from({ length: 600 }, (_, i) => i);
    const f1 = mk('up.jsonl', 'một', ids);
    const f2 = mk('down.jsonl', 'hai', [...ids].reverse());
    const blobPath = path.join(dir, 'blob');
    const [r1, r2] = await Promise.all([
      indexIntoCluster({ pgUrl: s.url, blobPath, files: [f1], batchDocs: 100, onMessage: () => undefined }),
      indexIntoCluster({ pgUrl: s.url, blobPath, files: [f2], batchDocs: 100, onMessage: () => undefined }),
    ]);
    assert.equal(r1.summary.indexed + r2.summary.indexed, 1200);
    const { rows } = await s.pool.query(
      'SELECT count(*)::int AS docs, count(*) FILTER (WHERE v.doc_id = d.id)::int AS linked FROM documents d JOIN document_versions v ON v.seq = d.current_seq',
    );
    assert.deepEqual(rows[0], { docs: 600, linked: 600 });
    assert.equal((await s.pool.query('SELECT count(*)::int AS n FROM document_versions')).rows[0].n, r1.written + r2.written);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await s.drop();
  }
});

test('indexIntoCluster on a database without the schema says to run tra migrate', opts, async () => {
  const s = await testSchema({ migrated: false });
  const dir = tempDir();
  try {
    const f = path.join(dir, 'x.jsonl');
    fs.writeFileSync(f, '{"id":"1"}\n');
    await assert.rejects(indexIntoCluster({ pgUrl: s.url, blobPath: path.join(dir, 'blob'), files: [f] }), /tra migrate/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await s.drop();
  }
});
