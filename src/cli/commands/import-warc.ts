/**
 * `tra import-warc --data DIR FILE...` (contract: ../shared/CONTRACT.md): index the HTML responses
 * of WARC files made elsewhere. Last stdout line: `{"records": N, "articles": M}`.
 */
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { createProgress } from '../progress.ts';
import { importWarcFiles, ImportError } from '../../archive/import.ts';
import { catchUpObservatory } from '../observe-catch-up.ts';

export function register(program: Command): void {
  program
    .command('import-warc')
    .description('nhập các tệp WARC tạo bởi công cụ khác (Heritrix, browsertrix, wget…): trích xuất bài và đưa vào chỉ mục')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .argument('<files...>', 'tệp .warc hoặc .warc.gz')
    .action(async (files: string[], o: { data: string }) => {
      const progress = createProgress('nhập WARC');
      try {
        const r = await importWarcFiles(o.data, files, {
          onProgress: (n, f) => progress.update(n, undefined, f),
          onBad: (line) => {
            progress.done();
            process.stderr.write(`tra: ${line}\n`);
          },
        });
        progress.done();
        if (r.articles > 0) catchUpObservatory(o.data);
        for (const f of r.skipped) process.stderr.write(`tra: bỏ qua ${f}: tệp này đã được nhập trước đây\n`);
        if (r.replacedText) process.stderr.write(`tra: ${r.replacedText} trang có byte không hợp lệ trong bảng mã của nó (đã thay bằng U+FFFD)\n`);
        const out: Record<string, number> = { records: r.records, articles: r.articles };
        if (r.problems) out.problems = r.problems;
        if (r.replacedText) out.replaced_text = r.replacedText;
        if (r.plainExtracted) out.plain_extracted = r.plainExtracted;
        if (r.cutText) out.cut_text = r.cutText;
        process.stdout.write(JSON.stringify(out) + '\n');
        if (r.truncated.length) {
          // What was read is kept; the command still fails, as the file was not whole.
          throw new UserError(`${r.truncated.join(', ')}: tệp bị cụt, đã giữ các bản ghi đọc được trước chỗ cụt; hãy chép lại tệp đầy đủ rồi nhập lại (tệp đã nhập được nhận ra theo nội dung, nên tệp mới sẽ được nhập)`);
        }
      } catch (e) {
        progress.done();
        if (e instanceof ImportError) throw new UserError(e.message);
        if (e instanceof Error && e.name === 'EngineError') throw new UserError(e.message);
        throw e;
      }
    });
}
