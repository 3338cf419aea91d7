/** `tra reindex --data DIR`: drop the index and rebuild it from the store (the system of record). */
import type { Command } from 'commander';
import { openEngine, checkDataDir } from './search.ts';
import { createProgress } from '../progress.ts';

export function register(program: Command): void {
  program
    .command('reindex')
    .description('dựng lại toàn bộ chỉ mục từ kho tài liệu (rebuild the index from the store)')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .action(async (o: { data: string }) => {
      checkDataDir(o.data);
      const t0 = performance.now();
      const engine = await openEngine(o.data);
      const progress = createProgress('Đang dựng lại chỉ mục');
      try {
        const { indexed } = await engine.reindex({ onProgress: (n) => progress.update(n) });
        progress.done();
        process.stdout.write(JSON.stringify({ indexed, ms: Math.round(performance.now() - t0) }) + '\n');
      } finally {
        progress.done();
        engine.close();
      }
    });
}
