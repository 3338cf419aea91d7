/**
 * `tra forecast --data DIR [--days N] [--json] QUERY`: the next N days (default 7) of attention for
 * a query after the last day of data, with 80% and 95% prediction intervals
 * (src/observe/forecast.ts; backtest: bench/observe-forecast.ts).
 */
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { openEngine } from '../../engine/index.ts';
import { openObs } from './emerging.ts';

export function register(program: Command): void {
  program
    .command('forecast')
    .description('dự báo mức độ quan tâm những ngày tới cho một truy vấn, kèm khoảng dự báo')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--days <n>', 'số ngày dự báo (1-28)', '7')
    .option('--json', 'in kết quả dạng JSON')
    .argument('<query...>', 'truy vấn, ví dụ "giá vàng"')
    .action(async (words: string[], o: { data: string; days: string; json?: boolean }) => {
      const days = Number(o.days);
      if (!Number.isInteger(days) || days < 1 || days > 28) throw new UserError(`--days phải là số nguyên từ 1 đến 28 (got "${o.days}")`);
      const query = words.join(' ');
      if (!/[\p{L}\p{N}]/u.test(query)) throw new UserError(`truy vấn "${query}" không có từ nào để đếm (only punctuation)`);
      const obs = openObs(o.data);
      const engine = await openEngine(o.data, { readOnly: true });
      try {
        const out = obs.forecast(engine, query, days);
        if (!out) throw new UserError(`${o.data}: chưa có tài liệu có ngày đăng nào để dự báo; hãy chạy "tra index" với tài liệu có trường "published"`);
        if (o.json) {
          process.stdout.write(JSON.stringify(out) + '\n');
          return;
        }
        const lines = [`"${query}": dự báo ${days} ngày sau ${out.last_day} (số bài mỗi ngày, khoảng 80% và 95%)`];
        for (const p of out.forecast) lines.push(`${p.date} ${p.mean.toFixed(1).padStart(7)}  [${p.lo80}–${p.hi80}]  [${p.lo95}–${p.hi95}]`);
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        engine.close();
        obs.close();
      }
    });
}
