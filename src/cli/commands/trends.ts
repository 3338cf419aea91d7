/**
 * `tra trends --data DIR [--interval day|week|month] [--from DATE] [--to DATE] --json QUERY`:
 * matching documents per day/week/month, zeros included (contract: ../shared/CONTRACT.md).
 */
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { openEngine, checkDataDir } from './search.ts';
import type { Interval } from '../../engine/index.ts';
import { boundRange, checkBuckets } from '../../observe/bounds.ts';
import { bounded } from './emerging.ts';

const collect = (v: string, prev: string[]) => [...prev, v];

export function register(program: Command): void {
  program
    .command('trends')
    .description('mức độ quan tâm theo thời gian: số tài liệu khớp truy vấn theo ngày/tuần/tháng')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--interval <i>', 'day, week hoặc month', 'day')
    .option('--from <date>', 'từ ngày (ISO)')
    .option('--to <date>', 'đến ngày (ISO)')
    .option('--source <name>', 'chỉ nguồn này (lặp lại được)', collect, [])
    .option('--json', 'in kết quả dạng JSON')
    .argument('<query...>', 'truy vấn, ví dụ "Hà Nội"')
    .action(async (words: string[], o: { data: string; interval: string; from?: string; to?: string; source: string[]; json?: boolean }) => {
      if (!['day', 'week', 'month'].includes(o.interval)) throw new UserError(`--interval phải là day, week hoặc month (got "${o.interval}")`);
      const interval = o.interval as Interval;
      // Real dates, in order, clamped into 1990 … tomorrow, few enough buckets (src/observe/bounds.ts).
      const range = bounded(() => boundRange({ from: o.from, to: o.to, interval }, 'cli'));
      checkDataDir(o.data);
      const query = words.join(' ');
      if (!/[\p{L}\p{N}]/u.test(query)) throw new UserError(`truy vấn "${query}" không có từ nào để đếm (only punctuation)`);
      const engine = await openEngine(o.data, { readOnly: true });
      try {
        const t0 = performance.now();
        const res = engine.trends({ query, interval, from: range.from, to: range.to, sources: o.source.length ? o.source : undefined });
        // An open range spans the data: a longer axis than an answer may hold is refused, not printed.
        bounded(() => checkBuckets(res.buckets.length, interval, 'cli'));
        const took = Math.round((performance.now() - t0) * 1000) / 1000;
        if (o.json) {
          process.stdout.write(JSON.stringify({ ...res, took_ms: took }) + '\n');
          return;
        }
        const max = Math.max(1, ...res.buckets.map((b) => b.count));
        const lines = [`"${query}": ${res.total.toLocaleString('vi-VN')} tài liệu · ${took} ms`];
        for (const b of res.buckets) lines.push(`${b.start} ${String(b.count).padStart(6)} ${'█'.repeat(Math.round((40 * b.count) / max))}`);
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        engine.close();
      }
    });
}
