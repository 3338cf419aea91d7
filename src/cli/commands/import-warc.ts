/**
 * `tra import-warc --data DIR FILE...` (contract: ../shared/CONTRACT.md): index the HTML responses
 * of WARC files made elsewhere. Last stdout line: `{"records": N, "articles": M}`.
 */
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { createProgress } from '../progress.ts';
import { importWarcFiles, ImportError } from '../../archive/import.ts';

export function register(program: Command): void {
  program
    .command('import-warc')
    .description('nhập các tệp WARC tạo bởi công cụ khác (Heritrix, browsertrix, wget…): trích xuất bài và đưa vào chỉ mục')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .argument('<files...>', 'tệp .warc hoặc .warc.gz')
    .action(async (files: string[], o: { data: string }) => {
      const progress = createProgress('nhập WARC');
      try {
        const r = await importWarcFiles(o.data, files, { onProgress: (n, f) => progress.update(n, undefined, f) });
        progress.done();
        for (const f of r.skipped) process.stderr.write(`tra: bỏ qua ${f}: tệp này đã được nhập trước đây\n`);
        process.stdout.write(JSON.stringify({ records: r.records, articles: r.articles }) + '\n');
      } catch (e) {
        progress.done();
        if (e instanceof ImportError) throw new UserError(e.message);
        throw e;
      }
    });
}
