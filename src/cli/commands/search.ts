/**
 * `tra search --data DIR [--limit K] [--json] QUERY` and `tra search --data DIR --batch FILE`
 * (contract: ../shared/CONTRACT.md), plus filters (--from, --to, --source, --category), --sort,
 * --offset, --explain and --facets.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { openEngine as open, EngineError, type Engine, type OpenOptions, type SearchRequest, type SearchResponse } from '../../engine/index.ts';
import { openLines } from '../../store/jsonl.ts';

interface Opts {
  data: string;
  limit: string;
  offset?: string;
  json?: boolean;
  batch?: string;
  from?: string;
  to?: string;
  source: string[];
  category: string[];
  sort?: string;
  explain?: boolean;
  facets?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** Open a data directory for a CLI command: engine errors become one-line user errors. */
export async function openEngine(dir: string, opts?: OpenOptions): Promise<Engine> {
  try {
    return await open(dir, opts);
  } catch (e) {
    if (e instanceof EngineError) throw new UserError(e.message);
    throw e;
  }
}

export function checkDataDir(dir: string): void {
  if (!existsSync(path.join(dir, 'store.sqlite'))) {
    throw new UserError(`${dir}: chưa có dữ liệu (no data directory here); hãy chạy "tra index --data ${dir} FILE..." trước`);
  }
}

function intOpt(v: string | undefined, name: string, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`--${name} phải là số nguyên không âm (got "${v}")`);
  return n;
}

function dateOpt(v: string | undefined, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(Date.parse(v.length === 10 ? v + 'T00:00:00Z' : v))) {
    throw new UserError(`--${name}: ngày không hợp lệ "${v}" (expected an ISO date such as 2025-08-09)`);
  }
  return v;
}

function baseRequest(o: Opts): Omit<SearchRequest, 'query'> {
  const sort = o.sort ?? 'relevance';
  if (sort !== 'relevance' && sort !== 'date') throw new UserError(`--sort phải là "relevance" hoặc "date" (got "${sort}")`);
  return {
    limit: intOpt(o.limit, 'limit', 10),
    offset: intOpt(o.offset, 'offset', 0),
    from: dateOpt(o.from, 'from'),
    to: dateOpt(o.to, 'to'),
    sources: o.source.length ? o.source : undefined,
    categories: o.category.length ? o.category : undefined,
    sort,
    explain: o.explain,
    facets: o.facets,
  };
}

async function runBatch(engine: Engine, file: string, base: Omit<SearchRequest, 'query'>): Promise<void> {
  if (!existsSync(file)) throw new UserError(`${file}: không tìm thấy tệp truy vấn (queries file not found)`);
  let n = 0;
  let out: string[] = [];
  for await (const raw of openLines(file)) {
    n++;
    if (raw.trim() === '') continue;
    let q: { id?: unknown; query?: unknown };
    try {
      q = JSON.parse(raw) as typeof q;
    } catch (e) {
      process.stderr.write(`${file}:${n}: dòng không phải JSON hợp lệ (invalid JSON: ${(e as Error).message})\n`);
      continue;
    }
    if (q === null || typeof q !== 'object' || typeof q.query !== 'string' || (typeof q.id !== 'string' && typeof q.id !== 'number')) {
      process.stderr.write(`${file}:${n}: cần {"id": string, "query": string} (expected id and query)\n`);
      continue;
    }
    const res = engine.search({ ...base, query: q.query, snippets: false, stored: false } as SearchRequest);
    out.push(JSON.stringify({ id: q.id, took_ms: res.took_ms, hits: res.hits.map((h) => (h.explain ? { id: h.id, score: h.score, explain: h.explain } : { id: h.id, score: h.score })) }));
    if (out.length >= 256) {
      process.stdout.write(out.join('\n') + '\n');
      out = [];
    }
  }
  if (out.length) process.stdout.write(out.join('\n') + '\n');
}

function mark(text: string, hl: [number, number][] | undefined, tty: boolean): string {
  if (!hl || hl.length === 0) return text;
  const [open, close] = tty ? ['\x1b[1m', '\x1b[22m'] : ['«', '»'];
  let s = '';
  let p = 0;
  for (const [a, b] of hl) {
    s += text.slice(p, a) + open + text.slice(a, b) + close;
    p = b;
  }
  return s + text.slice(p);
}

function printHuman(res: SearchResponse, offset: number): void {
  const tty = Boolean(process.stdout.isTTY);
  const lines: string[] = [];
  const total = res.total_exact === false ? `hơn ${res.total.toLocaleString('vi-VN')}` : res.total.toLocaleString('vi-VN');
  for (const w of res.warnings ?? []) lines.push(`Lưu ý: ${w}`);
  lines.push(`${total} kết quả · ${res.took_ms} ms${res.restored ? ` · hiểu là: ${res.restored}` : ''}`);
  res.hits.forEach((h, i) => {
    lines.push('');
    lines.push(`${offset + i + 1}. ${mark(h.title ?? h.id, h.title_highlights, tty)}`);
    const meta = [h.source, h.published?.slice(0, 10), h.url].filter(Boolean).join(' · ');
    if (meta) lines.push(`   ${meta}`);
    if (h.snippet) lines.push(`   ${mark(h.snippet, h.highlights, tty)}`);
    if (h.explain) {
      lines.push(`   điểm ${h.score}${h.explain.restored ? ` (khôi phục dấu: ${h.explain.restored})` : ''}${h.explain.match ? `; khớp khi có: ${h.explain.match}` : ''}:`);
      for (const t of h.explain.terms) {
        lines.push(`     ${t.score.toFixed(3).padStart(7)}  ${t.term}  (từ "${t.query}", trọng số ${t.weight}, idf ${t.idf.toFixed(2)}, tf tiêu đề/tóm tắt/nội dung ${t.tf.title}/${t.tf.summary}/${t.tf.text})`);
      }
    }
  });
  if (res.facets) {
    lines.push('');
    lines.push('Theo nguồn: ' + res.facets.sources.map((f) => `${f.value} (${f.count})`).join(', '));
    lines.push('Theo chuyên mục: ' + res.facets.categories.map((f) => `${f.value} (${f.count})`).join(', '));
  }
  process.stdout.write(lines.join('\n') + '\n');
}

export function register(program: Command): void {
  program
    .command('search')
    .description('tìm kiếm trong chỉ mục (search the index)')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--limit <k>', 'số kết quả tối đa', '10')
    .option('--offset <n>', 'bỏ qua n kết quả đầu (phân trang)')
    .option('--json', 'in kết quả dạng JSON')
    .option('--batch <file>', 'chạy mọi truy vấn trong tệp JSON Lines {"id","query"}; mỗi truy vấn in một dòng JSON')
    .option('--from <date>', 'chỉ tài liệu đăng từ ngày này (ISO, tính cả ngày đó)')
    .option('--to <date>', 'chỉ tài liệu đăng đến ngày này (ISO, tính cả ngày đó)')
    .option('--source <name>', 'chỉ nguồn này (lặp lại được)', collect, [])
    .option('--category <name>', 'chỉ chuyên mục này (lặp lại được)', collect, [])
    .option('--sort <order>', 'relevance (mặc định) hoặc date')
    .option('--explain', 'giải thích điểm của từng kết quả')
    .option('--facets', 'đếm kết quả theo nguồn và chuyên mục')
    .argument('[query...]', 'truy vấn: từ tự do, "cụm từ", -loại trừ, tiền tố*')
    .action(async (words: string[], o: Opts) => {
      checkDataDir(o.data);
      const base = baseRequest(o);
      const engine = await openEngine(o.data, { readOnly: true });
      try {
        if (o.batch) {
          await runBatch(engine, o.batch, base);
          return;
        }
        const query = words.join(' ');
        if (query.trim() === '') throw new UserError('thiếu truy vấn (no query given); ví dụ: tra search --data DIR "chuyển đổi số"');
        const res = engine.search({ ...base, query });
        if (res.hits.length === 0 && res.total === 0 && !/[\p{L}\p{N}]/u.test(query)) {
          if (o.json) process.stdout.write(JSON.stringify(res) + '\n');
          throw new UserError(`truy vấn "${query}" không có từ nào để tìm (only punctuation); hãy nhập ít nhất một chữ hoặc số`);
        }
        if (o.json) process.stdout.write(JSON.stringify(res) + '\n');
        else printHuman(res, base.offset ?? 0);
      } finally {
        engine.close();
      }
    });
}
