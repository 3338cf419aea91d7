/**
 * `tra clusters --data DIR --date D [--days N] [--min-sources K] [--limit K] [--json]`: stories
 * told by several outlets in the N days up to D, each with its first publisher and who followed
 * and when (src/observe/clusters.ts).
 */
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { isoOfDay } from '../../observe/index.ts';
import { boundDay } from '../../observe/bounds.ts';

import { bounded, openObs } from './emerging.ts';

function intOpt(v: string, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`--${name} phải là số nguyên từ ${min} đến ${max} (got "${v}")`);
  return n;
}

export function register(program: Command): void {
  program
    .command('clusters')
    .description('các câu chuyện được nhiều báo cùng đưa: ai đăng trước, ai đăng theo và sau bao lâu')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .requiredOption('--date <date>', 'ngày cuối, YYYY-MM-DD (giờ Việt Nam)')
    .option('--days <n>', 'số ngày tính đến ngày cuối (1-14)', '1')
    .option('--min-sources <k>', 'số nguồn tối thiểu của một câu chuyện', '2')
    .option('--limit <k>', 'số câu chuyện tối đa', '20')
    .option('--json', 'in kết quả dạng JSON')
    .action((o: { data: string; date: string; days: string; minSources: string; limit: string; json?: boolean }) => {
      const day = bounded(() => boundDay(o.date, 'date', 'cli'));
      const days = intOpt(o.days, 'days', 1, 14);
      const minSources = intOpt(o.minSources, 'min-sources', 1, 100);
      const limit = intOpt(o.limit, 'limit', 1, 10000);
      const obs = openObs(o.data);
      try {
        const res = obs.clusters(o.date, { days, minSources, limit });
        const stories = res.clusters;
        if (o.json) {
          process.stdout.write(JSON.stringify(res) + '\n');
          return;
        }
        const lines = [`${stories.length} câu chuyện từ ${res.documents} bài (${isoOfDay(day - days + 1)} → ${o.date}):`];
        for (const c of stories) {
          lines.push(`\n[${c.size} bài, ${c.sources.length} nguồn] ${c.label}`);
          lines.push(`  đầu tiên: ${c.first.source} lúc ${c.first.published.slice(0, 16).replace('T', ' ')}`);
          for (const f of c.followers) lines.push(`  +${f.delayMinutes} phút ${f.source}${f.nearDuplicate ? ' (gần trùng)' : ''}: ${f.title}`);
        }
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        obs.close();
      }
    });
}
