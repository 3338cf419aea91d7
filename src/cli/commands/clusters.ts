/**
 * `tra clusters --data DIR --date D [--days N] [--min-sources K] [--limit K] [--json]`: stories
 * told by several outlets in the N days up to D, each with its first publisher and who followed
 * and when (src/observe/clusters.ts).
 */
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { clusterStories, openDayDocs, dayOfIso, isoOfDay, type ClusterDoc } from '../../observe/index.ts';
import { repairPublished, parseTime } from '../../ingest/timestamps.ts';
import { openCounts } from './emerging.ts';

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
      const day = dayOfIso(o.date);
      if (!Number.isFinite(day) || isoOfDay(day) !== o.date) throw new UserError(`--date: ngày không hợp lệ "${o.date}" (expected YYYY-MM-DD)`);
      const days = intOpt(o.days, 'days', 1, 14);
      const minSources = intOpt(o.minSources, 'min-sources', 1, 100);
      const limit = intOpt(o.limit, 'limit', 1, 10000);
      const counts = openCounts(o.data);
      const dayDocs = openDayDocs(o.data, counts);
      try {
        const docs: ClusterDoc[] = [];
        for (let d = day - days + 1; d <= day; d++) {
          for (const x of dayDocs?.docsOn(d) ?? []) {
            const url = typeof x.url === 'string' ? x.url : typeof x.link === 'string' ? x.link : undefined;
            docs.push({ id: x.id, title: x.title, summary: x.summary, source: x.source, url, time: parseTime(repairPublished(x).published) });
          }
        }
        const dfCache = new Map<string, number>();
        const df = (t: string) => {
          let v = dfCache.get(t);
          if (v === undefined) dfCache.set(t, (v = counts.documentFrequency(t)));
          return v;
        };
        // Outlets of one publisher (VnExpress and its section feeds) count as one source.
        const outlet = (s: string) => s.replace(/\s+-\s+.*$/, '');
        const stories = clusterStories(docs, { df, documents: counts.documents() })
          .filter((c) => new Set(c.sources.map(outlet)).size >= minSources)
          .slice(0, limit);
        if (o.json) {
          process.stdout.write(JSON.stringify({ date: o.date, days, documents: docs.length, clusters: stories }) + '\n');
          return;
        }
        const lines = [`${stories.length} câu chuyện từ ${docs.length} bài (${isoOfDay(day - days + 1)} → ${o.date}):`];
        for (const c of stories) {
          lines.push(`\n[${c.size} bài, ${c.sources.length} nguồn] ${c.label}`);
          lines.push(`  đầu tiên: ${c.first.source} lúc ${c.first.published.slice(0, 16).replace('T', ' ')}`);
          for (const f of c.followers) lines.push(`  +${f.delayMinutes} phút ${f.source}${f.nearDuplicate ? ' (gần trùng)' : ''}: ${f.title}`);
        }
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        dayDocs?.close();
        counts.close();
      }
    });
}
