/**
 * `tra index --pg URL --blob PATH FILE...`, as a library call the CLI wires: the same JSON Lines
 * input as the single-machine `tra index` (same readers, same rules for bad lines: src/store/accept.ts),
 * written durably to PostgreSQL in batches (./write.ts), each batch with its index job. Returns
 * when every accepted document is committed (synchronous_commit on: on disk); the documents
 * become searchable once an indexer has published a segment holding them.
 *
 * The summary is the single-machine command's last line: {"indexed", "skipped", "ms"}, plus
 * "replaced_utf8" and "broken_files" when those happened, exactly as there. `indexed` counts
 * accepted documents, whether they changed or not (`written` and `unchanged` say which).
 *
 * Blob storage is opened (created when a directory) to check it is usable, though plain
 * documents need none: WARC records and segments go there, not JSON Lines.
 */
import { readJsonl, type JsonlStats } from '../../store/jsonl.ts';
import type { DocInput } from '../../store/document.ts';
import { openPool } from '../pg/connect.ts';
import { requireSchema } from '../pg/migrate.ts';
import { openBlobStore } from '../blob/open.ts';
import { acceptDocument } from '../../store/accept.ts';
import { writeBatch } from './write.ts';

export interface IndexIntoClusterOptions {
  pgUrl: string;
  blobPath: string;
  files: string[];
  /** Documents accepted so far (called after each committed batch). */
  onProgress?: (indexed: number) => void;
  /** One line per skipped line or broken file (default: stderr). */
  onMessage?: (line: string) => void;
  repairDates?: boolean;
  /** Documents per transaction (default 1,000) and JSON bytes per transaction (default 8 MB). */
  batchDocs?: number;
  batchBytes?: number;
}

export interface IndexSummary {
  indexed: number;
  skipped: number;
  ms: number;
  replaced_utf8?: number;
  broken_files?: number;
}

export interface IndexIntoClusterResult {
  /** The line `tra index` prints last. */
  summary: IndexSummary;
  /** New versions written, documents unchanged, transactions committed. */
  written: number;
  unchanged: number;
  batches: number;
}

export async function indexIntoCluster(o: IndexIntoClusterOptions): Promise<IndexIntoClusterResult> {
  const t0 = performance.now();
  const say = o.onMessage ?? ((line: string) => void process.stderr.write(line + '\n'));
  const maxDocs = o.batchDocs ?? 1000;
  const maxBytes = o.batchBytes ?? 8 << 20;
  await openBlobStore(o.blobPath);
  const pool = openPool(o.pgUrl, { max: 2, application: 'tra index' });
  let indexed = 0;
  let skipped = 0;
  let broken = 0;
  let written = 0;
  let unchanged = 0;
  let batches = 0;
  const stats: JsonlStats = { replaced: 0, replacedLines: 0 };
  try {
    await requireSchema(pool);
    // Last occurrence of an id wins, as a later line replaces an earlier one on one machine.
    let pending = new Map<string, DocInput>();
    let pendingBytes = 0;
    let pendingLines = 0;
    const flush = async (): Promise<void> => {
      if (!pending.size) return;
      const r = await writeBatch(pool, [...pending.values()]);
      written += r.written;
      unchanged += r.unchanged;
      batches++;
      indexed += pendingLines;
      pending = new Map();
      pendingBytes = 0;
      pendingLines = 0;
      o.onProgress?.(indexed);
    };
    for (const file of o.files) {
      const bad = (msg: string): void => {
        skipped++;
        say(msg);
      };
      const onBroken = (msg: string): void => {
        broken++;
        say(msg);
      };
      for await (const { line, value } of readJsonl(file, bad, { stats, onBroken })) {
        const a = acceptDocument(value, file, line, { repairDates: o.repairDates });
        if ('error' in a) {
          bad(a.error);
          continue;
        }
        pending.delete(a.doc.id);
        pending.set(a.doc.id, a.doc);
        pendingLines++;
        for (const k of ['title', 'summary', 'text'] as const) if (typeof a.doc[k] === 'string') pendingBytes += (a.doc[k] as string).length;
        if (pending.size >= maxDocs || pendingBytes >= maxBytes) await flush();
      }
    }
    await flush();
  } finally {
    await pool.end();
  }
  if (stats.replaced) say(`${stats.firstReplaced}: ${stats.replaced} chuỗi byte UTF-8 không hợp lệ trên ${stats.replacedLines} dòng đã được thay bằng U+FFFD (invalid UTF-8 replaced; first here)`);
  const summary: IndexSummary = { indexed, skipped, ms: Math.round(performance.now() - t0) };
  if (stats.replaced) summary.replaced_utf8 = stats.replaced;
  if (broken) summary.broken_files = broken;
  return { summary, written, unchanged, batches };
}
