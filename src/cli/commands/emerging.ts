/**
 * `tra emerging --data DIR --date YYYY-MM-DD [--limit K] [--json]`: the words and phrases whose
 * attention on that day rises furthest above their own baseline (contract: ../shared/CONTRACT.md).
 * Without --date (an extension), the last day with documents.
 * Catches the observatory's daily counts up with the store first (src/observe/sync.ts).
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { createProgress } from '../progress.ts';
import { openObservatory, STORE_FILE, type Observatory } from '../../observe/index.ts';
import { boundDay, DateRangeError } from '../../observe/bounds.ts';

/** Run a bounds check (src/observe/bounds.ts), turning its refusal into the one line the CLI prints. */
export function bounded<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof DateRangeError) throw new UserError(e.message);
    throw e;
  }
}

function intOpt(v: string | undefined, name: string, def: number, min: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError(`--${name} phải là số nguyên ≥ ${min} (got "${v}")`);
  return n;
}

/** Open a data directory's observatory, caught up with its store (progress on a terminal). */
export function openObs(dir: string): Observatory {
  if (!existsSync(join(dir, STORE_FILE))) {
    throw new UserError(`${dir}: chưa có dữ liệu (no data directory here); hãy chạy "tra index --data ${dir} FILE..." trước`);
  }
  const progress = createProgress('Đang đếm từ theo ngày');
  try {
    return openObservatory(dir, { onProgress: (done, total) => progress.update(done, total) });
  } finally {
    progress.done();
  }
}

export function register(program: Command): void {
  program
    .command('emerging')
    .description('vấn đề nổi lên trong một ngày: các từ, cụm từ tăng vọt so với mức nền của chính chúng')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--date <date>', 'ngày cần xem, YYYY-MM-DD (giờ Việt Nam); mặc định: ngày cuối có dữ liệu')
    .option('--limit <k>', 'số mục tối đa', '20')
    .option('--min-count <n>', 'số tài liệu tối thiểu trong ngày của một từ', '3')
    .option('--min-score <z>', 'điểm tối thiểu (số độ lệch chuẩn trên mức nền)', '4')
    .option('--json', 'in kết quả dạng JSON')
    .action((o: { data: string; date?: string; limit?: string; minCount?: string; minScore?: string; json?: boolean }) => {
      if (o.date !== undefined) {
        const date = o.date;
        bounded(() => boundDay(date, 'date', 'cli'));
      }
      const limit = intOpt(o.limit, 'limit', 20, 1);
      const minCount = intOpt(o.minCount, 'min-count', 3, 1);
      const minScore = Number(o.minScore ?? '4');
      if (!Number.isFinite(minScore)) throw new UserError(`--min-score phải là một số (got "${o.minScore}")`);
      const obs = openObs(o.data);
      try {
        const date = o.date ?? obs.range()?.last;
        if (date === undefined) throw new UserError(`${o.data}: chưa có tài liệu có ngày đăng nào; hãy chỉ rõ --date hoặc đưa vào tài liệu có trường "published"`);
        const t0 = performance.now();
        const res = obs.emerging(date, { limit, minCount, minScore });
        const took = Math.round(performance.now() - t0);
        if (o.json) {
          process.stdout.write(JSON.stringify(res) + '\n');
          return;
        }
        const range = obs.range();
        const lines: string[] = [];
        if (!range || date < range.first || date > range.last) {
          lines.push(`Không có tài liệu nào ngày ${date}` + (range ? ` (dữ liệu có từ ${range.first} đến ${range.last})` : ''));
        } else if (res.items.length === 0) {
          lines.push(`Ngày ${date}: không có từ nào nổi lên rõ rệt (thử --min-score thấp hơn)`);
        } else {
          lines.push(`Vấn đề nổi lên ngày ${date} (${took} ms):`);
          lines.push('  điểm   bài  nền    nhãn');
          for (const it of res.items) lines.push(`${it.score.toFixed(1).padStart(6)} ${String(it.count).padStart(5)} ${it.baseline.toFixed(1).padStart(5)}  ${it.label}`);
        }
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        obs.close();
      }
    });
}
