/** `tra sources list|add|remove --data DIR`: the feeds and sitemaps `tra crawl` reads by default. */
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { openArchiveDb } from '../../archive/db.ts';
import { addSource, listSources, removeSource } from '../../archive/sources.ts';

export function register(program: Command): void {
  const cmd = program.command('sources').description('quản lý danh sách nguồn (feed, sitemap) để thu thập');
  cmd
    .command('list')
    .description('liệt kê các nguồn')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--json', 'in dạng JSON')
    .action((o: { data: string; json?: boolean }) => {
      const db = openArchiveDb(o.data);
      try {
        const list = listSources(db);
        if (o.json) process.stdout.write(JSON.stringify({ sources: list }) + '\n');
        else process.stdout.write(list.map((s) => `${String(s.id).padStart(3)}  ${s.name.padEnd(16)} ${s.url}${s.enabled ? '' : ' (tắt)'}`).join('\n') + '\n');
      } finally {
        db.close();
      }
    });
  cmd
    .command('add')
    .description('thêm một feed hoặc sitemap')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--name <name>', 'tên hiển thị của báo (mặc định: đoán theo tên miền)')
    .argument('<url>', 'địa chỉ feed/sitemap')
    .action((url: string, o: { data: string; name?: string }) => {
      const db = openArchiveDb(o.data);
      try {
        const s = addSource(db, url, o.name);
        process.stdout.write(`đã thêm #${s.id} ${s.name}: ${s.url}\n`);
      } catch (e) {
        if (e instanceof TypeError) throw new UserError(`"${url}" không phải địa chỉ http(s) hợp lệ`);
        throw e;
      } finally {
        db.close();
      }
    });
  cmd
    .command('remove')
    .description('bỏ một nguồn (theo địa chỉ hoặc số thứ tự trong "tra sources list")')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .argument('<url-or-id>', 'địa chỉ hoặc số thứ tự')
    .action((key: string, o: { data: string }) => {
      const db = openArchiveDb(o.data);
      try {
        const n = removeSource(db, key);
        if (!n) throw new UserError(`không có nguồn "${key}"; xem danh sách bằng "tra sources list --data ${o.data}"`);
        process.stdout.write(`đã bỏ ${n} nguồn\n`);
      } finally {
        db.close();
      }
    });
}
