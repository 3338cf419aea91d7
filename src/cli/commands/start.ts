/**
 * `tra start` (what `npm start` runs): serve the default data directory, `./data` (or --data,
 * or the TRA_DATA environment variable). When it has never held documents, the team's sample
 * articles (samples/tin-mau.jsonl) are indexed first so a newcomer has something to search.
 * They are marked `"sample": true`; `tra index` drops them once real documents come in.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openEngine, type DocInput } from '../../engine/index.ts';
import { readJsonl } from '../../store/jsonl.ts';
import { addServeOptions, serveDataDir, type ServeFlags } from './serve.ts';
import { UserError } from '../errors.ts';

const SAMPLES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'samples', 'tin-mau.jsonl');

async function documentsIn(dataDir: string): Promise<number> {
  if (!existsSync(path.join(dataDir, 'store.sqlite'))) return 0;
  let engine;
  try {
    engine = await openEngine(dataDir, { readOnly: true });
  } catch (err) {
    // The engine's own errors about the data directory say what to do next: one line, no stack.
    if (err instanceof Error && err.name === 'EngineError') throw new UserError(err.message);
    throw err;
  }
  try {
    return engine.stats().documents;
  } finally {
    engine.close();
  }
}

/** Index the sample articles into an empty data directory; returns how many. */
export async function seedSamples(dataDir: string, file = SAMPLES): Promise<number> {
  const engine = await openEngine(dataDir);
  try {
    async function* docs(): AsyncGenerator<DocInput> {
      for await (const { value } of readJsonl(file, (msg) => process.stderr.write(msg + '\n'))) {
        if (typeof value.id === 'string' && value.id) yield value as DocInput;
      }
    }
    return (await engine.add(docs())).indexed;
  } finally {
    engine.close();
  }
}

/**
 * What a newcomer reads after the samples went in: they are made up, and they leave on their own
 * once real documents are indexed (or at once, by `tra delete --samples`).
 */
export function firstRunMessage(dataDir: string, n: number): string {
  return `tra: thư mục ${dataDir} chưa có tài liệu; đã nạp ${n} bài mẫu từ samples/tin-mau.jsonl (tin giả lập của "Báo Mẫu", "Tin Nhanh", không phải tin thật).\n`
    + `tra: thêm tin thật bằng "npx tra index --data ${dataDir} FILE.jsonl" (mỗi dòng một tài liệu: xem "npx tra index --help") hoặc "npx tra crawl --data ${dataDir} --once"; khi đó các bài mẫu tự được xoá. Xoá ngay: "npx tra delete --data ${dataDir} --samples".\n`;
}

export function register(program: Command): void {
  addServeOptions(
    program
      .command('start')
      .description('chạy Tra trên thư mục dữ liệu mặc định ./data (lần đầu: nạp các bài mẫu để có cái mà tìm)')
      .option('--data <dir>', 'thư mục dữ liệu (mặc định ./data, hoặc biến TRA_DATA)'),
  ).action(async (o: ServeFlags & { data?: string }) => {
    const dataDir = path.resolve(o.data ?? process.env.TRA_DATA ?? 'data');
    // Only a data directory that never held documents gets the samples: one emptied on purpose
    // (tra delete) stays empty.
    const fresh = !existsSync(path.join(dataDir, 'store.sqlite'));
    if ((await documentsIn(dataDir)) === 0 && fresh) {
      const n = await seedSamples(dataDir);
      process.stderr.write(firstRunMessage(dataDir, n));
    }
    await serveDataDir(dataDir, o);
  });
}
