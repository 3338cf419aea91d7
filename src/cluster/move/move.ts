/**
 * Moving a single-machine data directory into a cluster (`tra cluster import`) and back
 * (`tra cluster export`). Both are idempotent and can be interrupted and run again:
 *
 * - **import** reads the directory's store (DIR/store.sqlite, read-only: a running `tra serve` may
 *   keep it open) in write order and writes its documents through the cluster's ingest
 *   (../ingest/write.ts: 1,000 a transaction, each with its index job). A document already in the
 *   cluster with the same content is skipped by its hash, so a second run writes nothing. Write
 *   order is kept, so equal scores rank the same in the cluster as on the machine.
 * - **export** reads the cluster's current documents in version order (keyset pages, no long
 *   transaction) and adds them to the directory's engine (created when missing); a document the
 *   directory already holds unchanged is skipped.
 *
 * What moves: the documents (current versions). What does not, yet: earlier versions and the
 * archive (captures, WARC files) — docs/SCALE.md says why and what comes next.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from '../pg/connect.ts';
import { writeBatch } from '../ingest/write.ts';
import { ClusterError } from '../errors.ts';
import { DocStore } from '../../store/store.ts';
import type { DocInput } from '../../store/document.ts';

export interface MoveReport {
  /** Documents read from the source. */
  documents: number;
  /** Written to the destination (new or changed). */
  written: number;
  /** Already there with the same content. */
  unchanged: number;
  ms: number;
}

const BATCH = 1000;

export async function importDataDir(pool: Pool, dataDir: string, onProgress?: (done: number, total: number) => void): Promise<MoveReport> {
  const t0 = Date.now();
  const file = path.join(dataDir, 'store.sqlite');
  if (!existsSync(file)) throw new ClusterError(`${dataDir}: không phải thư mục dữ liệu của Tra (thiếu store.sqlite) — hãy chỉ đúng thư mục đã dùng với tra index --data`);
  const store = new DocStore(file, { readOnly: true });
  const report: MoveReport = { documents: 0, written: 0, unchanged: 0, ms: 0 };
  try {
    const total = store.count();
    let batch: DocInput[] = [];
    const flush = async () => {
      if (!batch.length) return;
      // A later write of an id replaces an earlier one within a batch, as in tra index.
      const r = await writeBatch(pool, [...new Map(batch.map((d) => [d.id, d])).values()]);
      report.written += r.written;
      report.unchanged += r.unchanged;
      batch = [];
      onProgress?.(report.documents, total);
    };
    for (const { doc } of store.docsAfter(0)) {
      batch.push(doc as DocInput);
      report.documents++;
      if (batch.length >= BATCH) await flush();
    }
    await flush();
  } finally {
    store.close();
  }
  report.ms = Date.now() - t0;
  return report;
}

export async function exportToDataDir(pool: Pool, dataDir: string, onProgress?: (done: number, total: number) => void): Promise<MoveReport> {
  const t0 = Date.now();
  const { openEngine } = await import('../../engine/index.ts');
  const engine = await openEngine(dataDir);
  const report: MoveReport = { documents: 0, written: 0, unchanged: 0, ms: 0 };
  try {
    const total = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM documents WHERE NOT deleted')).rows[0].n);
    let after = 0;
    for (;;) {
      const { rows } = await pool.query<{ id: string; seq: string; body: Record<string, unknown> | null }>(
        `SELECT d.id, d.current_seq AS seq, v.body FROM documents d JOIN document_versions v ON v.seq = d.current_seq
         WHERE NOT d.deleted AND d.current_seq > $1 ORDER BY d.current_seq LIMIT $2`,
        [after, BATCH],
      );
      if (!rows.length) break;
      after = Number(rows[rows.length - 1].seq);
      const changed: DocInput[] = [];
      for (const r of rows) {
        if (!r.body) continue;
        report.documents++;
        const doc = { id: r.id, ...r.body } as DocInput;
        const have = engine.get(r.id);
        if (have && JSON.stringify(have) === JSON.stringify(doc)) report.unchanged++;
        else changed.push(doc);
      }
      if (changed.length) report.written += (await engine.add(changed)).indexed;
      onProgress?.(report.documents, total);
    }
  } finally {
    engine.close();
  }
  report.ms = Date.now() - t0;
  return report;
}
