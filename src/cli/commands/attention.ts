/**
 * `tra attention --data DIR [--interval day|week|month] [--from D] [--to D] [--by-source]
 * [--top K] [--json] QUERY`: attention over time for a query, absolute and as a share of each
 * bucket's volume, overall and per source, with the words and phrases that characterise the
 * matching documents (src/observe/attention.ts).
 */
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { openEngine } from '../../engine/index.ts';
import type { Interval, KeyTerm } from '../../observe/index.ts';
import { bounded, openObs } from './emerging.ts';

import { boundRange } from '../../observe/bounds.ts';

export function register(program: Command): void {
  program
    .command('attention')
    .description('mức độ quan tâm theo thời gian: số bài khớp truy vấn và tỉ lệ trên tổng số bài, theo nguồn, kèm các từ nổi bật')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--interval <i>', 'day, week hoặc month', 'day')
    .option('--from <date>', 'từ ngày (YYYY-MM-DD)')
    .option('--to <date>', 'đến ngày (YYYY-MM-DD)')
    .option('--by-source', 'thêm một chuỗi cho mỗi nguồn')
    .option('--top <k>', 'số từ, cụm từ nổi bật của các bài khớp (0: không tính)', '10')
    .option('--json', 'in kết quả dạng JSON')
    .argument('<query...>', 'truy vấn, ví dụ "giá vàng"')
    .action(async (words: string[], o: { data: string; interval: string; from?: string; to?: string; bySource?: boolean; top: string; json?: boolean }) => {
      if (!['day', 'week', 'month'].includes(o.interval)) throw new UserError(`--interval phải là day, week hoặc month (got "${o.interval}")`);
      const interval = o.interval as Interval;
      const { from, to } = bounded(() => boundRange({ from: o.from, to: o.to, interval }, 'cli'));
      const top = Number(o.top);
      if (!Number.isInteger(top) || top < 0) throw new UserError(`--top phải là số nguyên không âm (got "${o.top}")`);
      const query = words.join(' ');
      if (!/[\p{L}\p{N}]/u.test(query)) throw new UserError(`truy vấn "${query}" không có từ nào để đếm (only punctuation)`);
      const obs = openObs(o.data);
      const engine = await openEngine(o.data, { readOnly: true });
      try {
        const res = bounded(() => obs.attention(engine, { query, interval, from, to, bySource: Boolean(o.bySource) }));
        let terms: KeyTerm[] | undefined;
        if (top > 0 && res.total > 0) {
          terms = obs.keyTermsOf(engine, { query, from, to, limit: top });
        }
        if (o.json) {
          process.stdout.write(JSON.stringify(terms ? { ...res, top_terms: terms } : res) + '\n');
          return;
        }
        const lines = [`"${query}": ${res.total.toLocaleString('vi-VN')} bài`];
        const max = Math.max(1e-9, ...res.buckets.map((b) => b.share));
        for (const b of res.buckets) lines.push(`${b.start} ${String(b.count).padStart(6)} / ${String(b.total).padStart(6)} ${(100 * b.share).toFixed(2).padStart(6)}% ${'█'.repeat(Math.round((40 * b.share) / max))}`);
        if (res.sources) {
          lines.push('theo nguồn:');
          for (const s of res.sources) lines.push(`  ${s.source}: ${s.total.toLocaleString('vi-VN')} bài`);
        }
        if (terms?.length) lines.push('từ nổi bật: ' + terms.map((t) => `${t.term} (${t.count})`).join(', '));
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        engine.close();
        obs.close();
      }
    });
}
