/**
 * `tra export --data DIR --format warc|jsonl|csv [--limit N] [--out FILE] QUERY`: export what a
 * query finds (see src/archive/export.ts for the formats). The summary goes to stderr so stdout
 * can carry the export itself.
 */
import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { openEngine } from '../../engine/index.ts';
import { openArchiveDb } from '../../archive/db.ts';
import { exportHits, openOutput, type ExportFormat } from '../../archive/export.ts';

interface Opts {
  data: string;
  format: string;
  limit: string;
  out?: string;
  from?: string;
  to?: string;
  source: string[];
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function register(program: Command): void {
  program
    .command('export')
    .description('xuất kết quả của một truy vấn: WARC (bản lưu gốc), JSON Lines hoặc CSV')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .requiredOption('--format <fmt>', 'warc | jsonl | csv')
    .option('--limit <n>', 'số kết quả tối đa', '1000')
    .option('--out <file>', 'ghi vào tệp thay vì stdout')
    .option('--from <date>', 'từ ngày (ISO)')
    .option('--to <date>', 'đến ngày (ISO)')
    .option('--source <name>', 'chỉ lấy nguồn này (lặp lại được)', collect, [])
    .argument('<query...>', 'truy vấn')
    .action(async (words: string[], o: Opts) => {
      const format = o.format as ExportFormat;
      if (!['warc', 'jsonl', 'csv'].includes(format)) throw new UserError(`--format phải là warc, jsonl hoặc csv (nhận được "${o.format}")`);
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UserError(`--limit phải là số nguyên dương (nhận được "${o.limit}")`);
      if (!fs.existsSync(path.join(o.data, 'store.sqlite')) && !fs.existsSync(path.join(o.data, 'archive.sqlite'))) {
        throw new UserError(`${o.data}: chưa có dữ liệu; hãy chạy "tra crawl --data ${o.data} --once" hoặc "tra index" trước`);
      }
      if (format === 'warc' && !o.out && process.stdout.isTTY) throw new UserError('WARC là dữ liệu nhị phân: hãy dùng --out FILE hoặc chuyển hướng stdout vào tệp');
      const engine = await openEngine(o.data, { readOnly: true });
      const archivePath = path.join(o.data, 'archive.sqlite');
      const db = fs.existsSync(archivePath) ? openArchiveDb(o.data) : undefined;
      const out = openOutput(o.out);
      try {
        const res = engine.search({ query: words.join(' '), limit, from: o.from, to: o.to, sources: o.source.length ? o.source : undefined });
        const hits = res.hits.map((h) => ({
          id: h.id,
          score: h.score,
          doc: (engine.get(h.id) as Record<string, unknown> | undefined) ?? { title: h.title, url: h.url, published: h.published, source: h.source },
        }));
        const r = await exportHits(db, path.join(o.data, 'warc'), hits, format, out.write);
        const built = r.built ? ` (${r.built} tài liệu chưa từng được thu thập: ghi thành bản ghi resource + metadata dựng từ tài liệu đã lưu)` : '';
        process.stderr.write(`tra: đã xuất ${r.items} kết quả${r.records !== undefined ? `, ${r.records} bản ghi WARC${built}` : ''} (tổng khớp: ${res.total})\n`);
      } finally {
        out.close();
        db?.close();
        engine.close();
      }
    });
}
