/**
 * Test support for the server's API and browser tests: a temporary data directory indexed from
 * the team's samples (samples/tin-mau.jsonl) plus a few hostile documents of our own, served by
 * the real server on a free loopback port.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEngine, type DocInput } from '../engine/index.ts';
import { buildServer, type ServerOptions } from './app.ts';
import { openEngineBackend, type EngineBackend } from './engine-backend.ts';
import type { FastifyInstance } from 'fastify';
import { openArchiveDb, transaction } from '../archive/db.ts';
import { recordArticle } from '../archive/articles.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SAMPLES = path.join(ROOT, 'samples', 'tin-mau.jsonl');

/** Documents that try to break the pages: markup in every field, a javascript: URL. */
export const HOSTILE: DocInput[] = [
  {
    id: 'doc-xss',
    title: '<script>alert("tiêu đề")</script> Giá vàng & chứng khoán',
    summary: 'Giá vàng <img src=x onerror=alert(1)> biến động mạnh.',
    text: 'Dòng một.\nDòng hai có <b>thẻ</b>.',
    url: 'javascript:alert(1)',
    published: '2025-09-09T10:00:00+07:00',
    source: 'Nguồn <i>Lạ</i>',
    category: 'Kinh doanh',
  },
];

/** Two captures of the first sample article: the headline and a figure were edited. */
export const EDITED_URL = 'https://tin-mau.example/mau-001';
export const EDITS = [
  { captured: Date.parse('2025-09-02T01:20:00Z'), title: 'Hà Nội khởi công tuyến đường sắt mới', text: 'Tuyến đường sắt số 5 dài 36 km được khởi công sáng nay.' },
  { captured: Date.parse('2025-09-02T05:45:00Z'), title: 'Hà Nội khởi công tuyến đường sắt đô thị mới', text: 'Tuyến đường sắt đô thị số 5 dài 38 km nối trung tâm Hà Nội với Hòa Lạc được khởi công sáng nay.' },
];

/** Record archived versions of a URL in DIR/archive.sqlite, as the crawler would. */
export function recordVersions(dir: string, url: string, versions: Array<{ captured: number; title: string; text: string }>): void {
  const db = openArchiveDb(dir);
  try {
    for (const v of versions) {
      transaction(db, () => recordArticle(db, { url, captured: v.captured, source: 'Báo Mẫu', extracted: { title: v.title, text: v.text, captions: [], isArticle: true } }));
    }
  } finally {
    db.close();
  }
}

export function sampleDocs(): DocInput[] {
  return readFileSync(SAMPLES, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as DocInput);
}

export async function makeDataDir(docs: DocInput[] = [...sampleDocs(), ...HOSTILE]): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-web-'));
  const engine = await openEngine(dir);
  try {
    await engine.add(docs);
  } finally {
    engine.close();
  }
  recordVersions(dir, EDITED_URL, EDITS);
  return dir;
}

export interface TestServer {
  app: FastifyInstance;
  backend: EngineBackend;
  dir: string;
  base: string;
  get(pathAndQuery: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** The real server over a fresh data directory, listening on 127.0.0.1 at a free port. */
export async function startTestServer(options: Partial<ServerOptions> = {}, dir?: string): Promise<TestServer> {
  const ownDir = dir === undefined;
  const d = dir ?? (await makeDataDir());
  const backend = await openEngineBackend(d);
  await backend.ready;
  const app = await buildServer({ logger: false, rateLimit: { max: 0, windowMs: 60_000 }, ...options, backend });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const base = `http://127.0.0.1:${port}`;
  return {
    app,
    backend,
    dir: d,
    base,
    get: (p, init) => fetch(base + p, init),
    close: async () => {
      await app.close();
      await backend.close();
      if (ownDir) rmSync(d, { recursive: true, force: true });
    },
  };
}
