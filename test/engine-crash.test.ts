/**
 * Crash safety of `tra index`: a real child process is killed with SIGKILL at random moments,
 * repeatedly, on the same data directory. After each kill the directory must open, the index
 * must agree with the store (every stored document findable, nothing else), and every batch a
 * finished command reported must still be there. Small segments (TRA_INDEX_MEM_MB) and runs of
 * five batches (the indexer stores and analyses in batches of 1,000) make flushes, deletions and
 * merges happen inside the kill window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEngine } from '../src/engine/index.ts';
import { DocStore } from '../src/store/store.ts';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
/** Documents per run: five batches, so that the builder flushes a segment mid-run. */
const N = 4200;
const WORDS = ['mưa', 'nắng', 'bão', 'lũ', 'gió', 'sông', 'núi', 'biển', 'đường', 'phố', 'làng', 'chợ', 'trường', 'học', 'giá', 'xăng'];

function makeFile(dir: string, round: number, n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    // Every third document of a later round replaces one of the previous round.
    const id = round > 0 && i % 3 === 0 ? `r${round - 1}-${i}` : `r${round}-${i}`;
    const words = Array.from({ length: 30 }, (_, k) => WORDS[(i * 7 + k * 3 + round) % WORDS.length]).join(' ');
    lines.push(JSON.stringify({ id, title: `tin k${round}x${i}`, text: words, published: '2025-08-09T10:00:00+07:00' }));
  }
  const f = path.join(dir, `in${round}.jsonl`);
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

function runIndex(dataDir: string, file: string, killAfterMs: number | undefined): Promise<{ done: boolean; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/tra.js'), 'index', '--data', dataDir, file], {
      env: { ...process.env, TRA_INDEX_MEM_MB: '0.15' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal === 'SIGKILL') resolve({ done: false, stdout });
      else if (code === 0) resolve({ done: true, stdout });
      else reject(new Error(`tra index failed (${code}): ${stderr}`));
    });
  });
}

test('kill -9 during tra index never loses reported work and leaves index = store', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-crash-'));
  const data = path.join(dir, 'data');
  try {
    const reported = new Set<string>();
    let kills = 0;
    // Round 0 runs to the end and measures how long a run takes on this machine; later rounds
    // (but every third) are killed at a random moment inside that span, so the kill lands
    // mid-run however fast or slow the machine is.
    let runMs = 0;
    for (let round = 0; round < 7; round++) {
      const file = makeFile(dir, round, N);
      const kill = round === 0 || round % 3 === 2 ? undefined : Math.floor(runMs * (0.1 + 0.8 * Math.random()));
      const t0 = performance.now();
      const r = await runIndex(data, file, kill);
      if (round === 0) runMs = performance.now() - t0;
      if (r.done) {
        const last = JSON.parse(r.stdout.trim().split('\n').pop()!) as { indexed: number };
        assert.equal(last.indexed, N);
        for (let i = 0; i < N; i++) reported.add(round > 0 && i % 3 === 0 ? `r${round - 1}-${i}` : `r${round}-${i}`);
      } else kills++;

      // The directory opens (catching up on whatever the store holds) and agrees with the store.
      const engine = await openEngine(data);
      const store = new DocStore(path.join(data, 'store.sqlite'), { readOnly: true });
      const stored: { seq: number; id: string; title: string }[] = [];
      for (const { seq, doc } of store.docsAfter(0)) stored.push({ seq, id: doc.id, title: String(doc.title) });
      assert.equal(engine.stats().documents, stored.length, `round ${round}: index documents = store rows`);
      if (round === 0) assert.ok(engine.stats().segments >= 2, 'a segment was flushed mid-run');
      for (const id of reported) assert.ok(engine.get(id), `round ${round}: reported document ${id} lost`);
      // Every stored document is found by its unique title word, and only it.
      for (let i = 0; i < stored.length; i += 37) {
        const s = stored[i];
        const word = s.title.split(' ')[1];
        const res = engine.search({ query: word, limit: 5 });
        assert.deepEqual(res.hits.map((h) => h.id), [s.id], `round ${round}: ${word}`);
      }
      store.close();
      engine.close();
    }
    assert.ok(kills >= 1, 'at least one run was killed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
