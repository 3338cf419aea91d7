/**
 * `tra restore --data DIR [--json] TEXT`: restore the diacritics of text typed without them,
 * with a model trained on the documents indexed in DIR (contract: ../shared/CONTRACT.md).
 */
import type { Command } from 'commander';
import { openEngine, checkDataDir } from './search.ts';

export function register(program: Command): void {
  program
    .command('restore')
    .description('khôi phục dấu cho văn bản gõ không dấu, học từ các tài liệu đã lập chỉ mục')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--json', 'in kết quả dạng JSON')
    .argument('<text...>', 'văn bản không dấu, ví dụ "chuyen doi so"')
    .action(async (words: string[], o: { data: string; json?: boolean }) => {
      checkDataDir(o.data);
      const input = words.join(' ');
      const engine = await openEngine(o.data, { readOnly: true });
      try {
        const restored = engine.restore(input);
        process.stdout.write((o.json ? JSON.stringify({ input, restored }) : restored) + '\n');
      } finally {
        engine.close();
      }
    });
}
