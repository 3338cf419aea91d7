/** `tra stats --data DIR [--json]`: documents, segments, terms and bytes on disk (contract: ../shared/CONTRACT.md). */
import type { Command } from 'commander';
import { openEngine, checkDataDir } from './search.ts';

export function register(program: Command): void {
  program
    .command('stats')
    .description('thống kê kho và chỉ mục: số tài liệu, phân đoạn (segments), từ khoá, dung lượng')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--json', 'in kết quả dạng JSON')
    .action(async (o: { data: string; json?: boolean }) => {
      checkDataDir(o.data);
      const engine = await openEngine(o.data, { readOnly: true });
      try {
        const s = engine.stats();
        if (o.json) {
          process.stdout.write(JSON.stringify(s) + '\n');
          return;
        }
        const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
        process.stdout.write(
          [
            `tài liệu        : ${s.documents.toLocaleString('vi-VN')}${s.deleted ? ` (+${s.deleted.toLocaleString('vi-VN')} đã xoá, chờ gộp)` : ''}`,
            `phân đoạn       : ${s.segments}`,
            `từ khoá (terms) : ${s.terms.toLocaleString('vi-VN')}`,
            `dung lượng      : ${mb(s.bytes)} (kho ${mb(s.store_bytes)}, chỉ mục ${mb(s.index_bytes)})`,
          ].join('\n') + '\n',
        );
      } finally {
        engine.close();
      }
    });
}
