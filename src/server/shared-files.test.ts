import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { SharedFiles, processSharedFiles, type SharedFilesLink } from './shared-files.ts';
import { setSegmentFileReader } from '../engine/segment-files.ts';
import { openEngine } from '../engine/index.ts';
import { openEngineBackend } from './engine-backend.ts';

const MODULE = new URL('./shared-files.ts', import.meta.url).href;
const READER = new URL('../engine/segment-files.ts', import.meta.url).href;

type Read = { shared: boolean; text?: string; code?: string };

/** A worker that reads `files` through `link` (waiting `waitMs` for an answer) and posts what it got. */
async function readInWorker(link: SharedFilesLink, files: string[], waitMs?: number): Promise<Read[]> {
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    (async () => {
      const { useSharedFiles } = await import(${JSON.stringify(MODULE)});
      const { readSegmentFile } = await import(${JSON.stringify(READER)});
      useSharedFiles(workerData.link, workerData.waitMs);
      const out = [];
      for (const f of workerData.files) {
        try {
          const b = readSegmentFile(f);
          out.push({ shared: b.buffer instanceof SharedArrayBuffer, text: Buffer.from(b).toString() });
        } catch (e) {
          out.push({ shared: false, code: e.code });
        }
      }
      parentPort.postMessage(out);
    })();`;
  const w = new Worker(code, { eval: true, workerData: { link, files, waitMs }, transferList: [link.port] });
  try {
    const [out] = (await once(w, 'message')) as [Read[]];
    return out;
  } finally {
    await w.terminate();
  }
}

/** Through a new link of `sf`, closed afterwards. */
async function readShared(sf: SharedFiles, files: string[]): Promise<Read[]> {
  const { link, close } = sf.link();
  try {
    return await readInWorker(link, files);
  } finally {
    close();
  }
}

/** A temporary directory (removed after the test) holding `a.tseg` with `text`. */
function tempFile(t: { after: (fn: () => void) => void }, text: string): { dir: string; a: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-shared-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const a = path.join(dir, 'a.tseg');
  writeFileSync(a, text);
  return { dir, a };
}

test('shared segment files: read once, the same bytes to every worker, a removed file fails as ENOENT', async (t) => {
  const { dir, a } = tempFile(t, 'segment A');
  const sf = new SharedFiles();
  t.after(() => sf.close());
  const first = await readShared(sf, [a, a, path.join(dir, 'missing.tseg')]);
  const second = await readShared(sf, [a]);
  assert.deepEqual(first, [{ shared: true, text: 'segment A' }, { shared: true, text: 'segment A' }, { shared: false, code: 'ENOENT' }]);
  assert.deepEqual(second, [{ shared: true, text: 'segment A' }]);
  assert.equal(sf.reads, 1, 'one read for two workers and three requests');
  // A file written again under the same name is read again; a removed one is forgotten.
  writeFileSync(a, 'segment A, rewritten');
  assert.equal(Buffer.from(sf.read(a)).toString(), 'segment A, rewritten');
  assert.equal(sf.reads, 2);
  rmSync(a);
  writeFileSync(path.join(dir, 'b.tseg'), 'B');
  sf.read(path.join(dir, 'b.tseg'));
  assert.equal(sf.size, 1);
});

test('shared segment files: a worker whose main thread does not answer reads its own copy', async (t) => {
  const { a } = tempFile(t, 'own copy');
  const sf = new SharedFiles();
  const { link, close } = sf.link();
  close(); // nobody answers on this link
  const [got] = await readInWorker(link, [a], 200);
  assert.deepEqual(got, { shared: false, text: 'own copy' });
});

test('tra serve holds each segment once for its main thread and every search worker', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-shared-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const w = await openEngine(dir);
  // One segment per addition.
  for (let b = 0; b < 3; b++) {
    await w.add(Array.from({ length: 100 }, (_, j) => ({ id: `d${b * 100 + j}`, title: `Tin số ${j} về bão và lũ`, summary: `mưa lớn ở vùng ${j % 7}`, published: '2025-10-02T08:00:00+07:00' })));
  }
  w.close();
  const segs = readdirSync(path.join(dir, 'index')).filter((f) => f.endsWith('.tseg'));
  assert.ok(segs.length >= 2, `several segments (${segs.length})`);
  const sf = processSharedFiles();
  const [reads0, served0] = [sf.reads, sf.served];
  const backend = await openEngineBackend(dir, { workers: 2 });
  t.after(async () => {
    await backend.close();
    setSegmentFileReader(undefined);
  });
  const answers = await Promise.all(Array.from({ length: 8 }, () => backend.search({ query: 'bão', limit: 3 })));
  for (const r of answers) assert.equal(r.total, 300);
  // The main thread read each segment once; both workers asked for every one of them.
  assert.equal(sf.reads - reads0, segs.length);
  assert.equal(sf.served - served0, 2 * segs.length);
  assert.equal(sf.size, segs.length);
});
