/**
 * `tra delete --data DIR ID...`, `tra delete --data DIR --query Q [--yes]` and
 * `tra delete --data DIR --samples`: remove documents from the store and the index.
 *
 * By id nothing is asked: the ids say exactly what goes. By query the command first says how
 * many documents match (and shows a few), then asks; `--yes` answers for scripts. When standard
 * input is not a terminal nobody can answer, so without `--yes` it refuses instead of guessing.
 * `--samples` removes the demonstration articles of samples/tin-mau.jsonl that `tra start` puts
 * into an empty data directory (they carry `"sample": true`); `tra index` does the same on its
 * own once real documents arrive.
 *
 * The last stdout line is `{"deleted": N}` (plus `"missing"` when some ids were not there).
 *
 * Only the store and the index change: an archived (crawled) article keeps its versions and WARC
 * captures in the archive, and comes back to the index only if a later crawl captures a new
 * version of it.
 */
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { UserError } from '../errors.ts';
import { checkDataDir, openEngine } from './search.ts';
import { catchUpObservatory } from '../observe-catch-up.ts';
import type { Engine, SearchRequest } from '../../engine/index.ts';
import { dropSamples } from '../../store/document.ts';

/** Whether a typed answer means yes (Vietnamese or English, with or without marks). */
export function isYes(answer: string): boolean {
  return /^(c|co|có|y|yes|đồng ý|dong y|ok)$/iu.test(answer.trim().normalize('NFC'));
}

interface Opts {
  data: string;
  query?: string;
  source: string[];
  from?: string;
  to?: string;
  samples?: boolean;
  yes?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** Every id matching a query and the filters (newest first), with the first few titles to show. */
function matching(engine: Engine, req: Omit<SearchRequest, 'limit'>): { ids: string[]; preview: string[]; warnings: string[]; some: boolean } {
  const base = { ...req, sort: 'date' as const, snippets: false };
  const first = engine.search({ ...base, limit: 5 });
  const preview = first.hits.map((h) => `  ${h.id}  ${h.published?.slice(0, 10) ?? '          '}  ${h.source ?? ''}${h.source ? ' — ' : ''}${h.title ?? ''}`);
  if (first.total === 0) return { ids: [], preview, warnings: first.warnings ?? [], some: first.match === 'some' };
  const all = engine.search({ ...base, limit: first.total, stored: false } as SearchRequest);
  return { ids: all.hits.map((h) => h.id).filter(Boolean), preview, warnings: first.warnings ?? [], some: first.match === 'some' };
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return isYes(await rl.question(question));
  } finally {
    rl.close();
  }
}

export function register(program: Command): void {
  program
    .command('delete')
    .description('xoá tài liệu khỏi kho và chỉ mục: theo id, theo truy vấn (hỏi lại trước khi xoá) hoặc các bài mẫu')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--query <q>', 'xoá mọi tài liệu khớp truy vấn này (in số lượng và hỏi lại)')
    .option('--source <name>', 'cùng --query: chỉ tài liệu của nguồn này (lặp lại được)', collect, [])
    .option('--from <date>', 'cùng --query: từ ngày (ISO)')
    .option('--to <date>', 'cùng --query: đến ngày (ISO)')
    .option('--samples', 'xoá các bài mẫu (samples/tin-mau.jsonl) mà "tra start" đã nạp')
    .option('-y, --yes', 'không hỏi lại (bắt buộc khi stdin không phải terminal)')
    .argument('[ids...]', 'id của các tài liệu cần xoá')
    .addHelpText('after', `
Ví dụ:
  tra delete --data ./data mau-001 mau-002         xoá hai tài liệu theo id
  tra delete --data ./data --query "giá vàng"       in số tài liệu khớp, hỏi rồi mới xoá
  tra delete --data ./data --query "bão" --source "Tin Nhanh" --yes
  tra delete --data ./data --samples               xoá 20 bài mẫu của "tra start"`)
    .action(async (ids: string[], o: Opts) => {
      const modes = [ids.length > 0, o.query !== undefined, Boolean(o.samples)].filter(Boolean).length;
      if (modes === 0) throw new UserError('hãy cho biết xoá gì: các ID, --query "TRUY VẤN" hoặc --samples (xem "tra delete --help")');
      if (modes > 1) throw new UserError('chỉ dùng một cách chọn mỗi lần: các ID, --query hoặc --samples');
      if (!o.query && (o.source.length || o.from || o.to)) throw new UserError('--source, --from và --to chỉ dùng cùng --query');
      if (o.query !== undefined && !o.query.trim()) throw new UserError('--query trống: hãy viết truy vấn, ví dụ --query "giá vàng"');
      for (const [flag, v] of [['from', o.from], ['to', o.to]] as const) {
        if (v !== undefined && (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(Date.parse(v.length === 10 ? v + 'T00:00:00Z' : v)))) {
          throw new UserError(`--${flag}: ngày không hợp lệ "${v}" (cần ngày ISO, ví dụ 2025-08-09)`);
        }
      }
      checkDataDir(o.data);
      const engine = await openEngine(o.data);
      let deleted = 0;
      try {
        if (o.samples) {
          const n = (deleted = await dropSamples(engine));
          process.stderr.write(n ? `tra: đã xoá ${n} bài mẫu khỏi ${o.data}\n` : `tra: ${o.data} không có bài mẫu nào\n`);
          process.stdout.write(JSON.stringify({ deleted: n }) + '\n');
          return;
        }
        if (ids.length) {
          const unique = [...new Set(ids)];
          const missing = unique.filter((id) => !engine.get(id));
          const n = (deleted = await engine.delete(unique.filter((id) => !missing.includes(id))));
          const summary: Record<string, number> = { deleted: n };
          if (missing.length) {
            summary.missing = missing.length;
            process.stderr.write(`tra: ${o.data}: không có tài liệu với id ${missing.slice(0, 5).map((id) => `"${id}"`).join(', ')}${missing.length > 5 ? ` và ${missing.length - 5} id khác` : ''}; kiểm tra lại id (xem bằng "tra search --data ${o.data} --json …")\n`);
            process.exitCode = 1;
          }
          process.stdout.write(JSON.stringify(summary) + '\n');
          return;
        }
        const found = matching(engine, { query: o.query!, from: o.from, to: o.to, sources: o.source.length ? o.source : undefined });
        for (const w of found.warnings) process.stderr.write(`tra: truy vấn: ${w}\n`);
        if (!found.ids.length) {
          process.stderr.write(`tra: không có tài liệu nào khớp "${o.query}"; không xoá gì\n`);
          process.stdout.write(JSON.stringify({ deleted: 0 }) + '\n');
          return;
        }
        const what = `${found.ids.length} tài liệu khớp "${o.query}"${o.source.length ? ` (nguồn ${o.source.join(', ')})` : ''}${found.some ? ' — truy vấn dài: chỉ cần khớp một số từ' : ''}`;
        if (!o.yes) {
          if (!process.stdin.isTTY) {
            throw new UserError(`${what}; không xoá vì không hỏi lại được (stdin không phải terminal): thêm --yes để xoá`);
          }
          process.stderr.write(`${what}, ví dụ:\n${found.preview.join('\n')}\n`);
          if (!(await ask(`Xoá ${found.ids.length} tài liệu này? [c/K] `))) {
            process.stderr.write('tra: không xoá gì\n');
            process.stdout.write(JSON.stringify({ deleted: 0 }) + '\n');
            return;
          }
        }
        const n = (deleted = await engine.delete(found.ids));
        process.stderr.write(`tra: đã xoá ${n} tài liệu (${what})\n`);
        process.stdout.write(JSON.stringify({ deleted: n }) + '\n');
      } finally {
        engine.close();
        // The observatory stops counting what was deleted (its day counts are rebuilt).
        if (deleted > 0) catchUpObservatory(o.data);
      }
    });
}
