/**
 * `tra versions --data DIR [--json] [--no-diff] URL` (contract: ../shared/CONTRACT.md): every distinct
 * version of an article, oldest first, with a word-level diff from the previous one. Any URL form
 * works (tracking parameters, AMP, .htm/.html, a redirecting address that was followed).
 *
 * The terminal form is headed by the address as asked (the archive's canonical key is an internal
 * spelling: https, `.htm`, no `www.`) and gives capture times in Vietnam time (+07:00); a version
 * fetched from another address says which. `--json` keeps the contract's shape, times in UTC.
 */
import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { openArchiveDb } from '../../archive/db.ts';
import { articleHistory } from '../../archive/articles.ts';
import type { DiffPart } from '../../archive/diff.ts';
import { vietnamTime } from '../../archive/versions.ts';

function showDiff(parts: DiffPart[]): string {
  // Terminal rendering: [-deleted-] {+inserted+}, as `git diff --word-diff` prints.
  return parts.map((p) => (p.op === '=' ? p.text : p.op === '-' ? `[-${p.text.trimEnd()}-]${p.text.slice(p.text.trimEnd().length)}` : `{+${p.text.trimEnd()}+}${p.text.slice(p.text.trimEnd().length)}`)).join('');
}

export function register(program: Command): void {
  program
    .command('versions')
    .description('các phiên bản đã lưu của một bài báo, cũ trước mới sau, kèm phần thay đổi từng chữ')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--json', 'in kết quả dạng JSON')
    .option('--no-diff', 'không tính phần thay đổi')
    .argument('<url>', 'địa chỉ bài báo')
    .action((url: string, o: { data: string; json?: boolean; diff: boolean }) => {
      if (!fs.existsSync(path.join(o.data, 'archive.sqlite'))) {
        throw new UserError(`${o.data}: chưa có kho lưu trữ (archive.sqlite); hãy chạy "tra crawl --data ${o.data} --once" hoặc "tra import-warc" trước`);
      }
      const db = openArchiveDb(o.data);
      try {
        const h = articleHistory(db, url, { diff: o.diff });
        if (o.json) {
          const versions = (h?.versions ?? []).map((v) => ({ captured: v.captured, title: v.title, text: v.text, url: v.url, published: v.published, modified: v.modified, author: v.author, diff: v.diff }));
          process.stdout.write(JSON.stringify({ url, canonical: h?.canonical, gone: h?.gone ?? false, versions, reprints: h?.reprints ?? [] }) + '\n');
          return;
        }
        if (!h || !h.versions.length) {
          process.stdout.write(`chưa lưu phiên bản nào của ${url}\n`);
          return;
        }
        const out: string[] = [`${url}${h.gone ? ' (trang đã bị gỡ)' : ''} — ${h.versions.length} phiên bản`];
        h.versions.forEach((v, i) => {
          out.push('', `#${i + 1} lưu lúc ${vietnamTime(v.captured)}: ${v.title}${v.url !== url ? ` (lấy từ ${v.url})` : ''}`);
          out.push(v.diff ? showDiff(v.diff) : v.text);
        });
        if (h.reprints.length) {
          out.push('', 'Đăng lại / gần trùng:');
          for (const r of h.reprints) out.push(`  ${r.url} (${r.source ?? '?'}, khác ${r.distance} bit)`);
        }
        process.stdout.write(out.join('\n') + '\n');
      } finally {
        db.close();
      }
    });
}
