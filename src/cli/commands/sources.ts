/**
 * `tra sources list|add|remove --data DIR`: the feeds and sitemaps `tra crawl` reads by default.
 * `tra sources name --data DIR [HOST [NAME]]`: the operator's name for an outlet by its host
 * (DIR/sources.json), applied at once to the articles already archived from that host.
 * `tra sources link --data DIR SITE USERNAME [--remove]`: a newsroom's account and its source actor
 * name each other in their profiles (src/social/sources/).
 * `tra sources publish --data DIR [ALERT_ID] [--remove]`: a saved search (`tra alerts`) as a
 * followable actor `tim-kiem.{id}` (src/social/sources/searches.ts); without ALERT_ID, the list.
 */
import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { openArchiveDb, type ArchiveDb } from '../../archive/db.ts';
import { addSource, listSources, removeSource, hostKey, mappedName, readSourceNames, writeSourceName, SourceNamesError, SOURCE_NAMES_FILE } from '../../archive/sources.ts';
import { flushPending } from '../../archive/index-sink.ts';
import { openEngine } from './search.ts';
import type { Engine } from '../../engine/index.ts';
import { createSocialContext, type SocialContext } from '../../social/http.ts';
import { SchemaTooNew, SOCIAL_FILE } from '../../social/store/db.ts';
import { NewsSources, LinkError, PublishError } from '../../social/sources/index.ts';
import { AlertStore, ALERTS_FILE } from '../../observe/alerts.ts';
import { DocStore } from '../../store/store.ts';

/** The news sources of DIR's social store, for a command (closed after). */
async function withSources<T>(dir: string, fn: (sources: NewsSources, social: SocialContext) => T | Promise<T>): Promise<T> {
  if (!fs.existsSync(path.join(dir, SOCIAL_FILE))) throw new UserError(`${dir}: chưa có tài khoản nào; hãy tạo bằng "tra accounts add --data ${dir} TEN" trước`);
  let social: SocialContext;
  try {
    // The command line renders no links: it needs no origin.
    social = createSocialContext({ dataDir: dir, origin: () => { throw new Error('the command line has no origin'); } });
  } catch (e) {
    if (e instanceof SchemaTooNew) throw new UserError(e.message);
    throw e;
  }
  try {
    return await fn(new NewsSources(social, { dataDir: dir }), social);
  } catch (e) {
    if (e instanceof LinkError || e instanceof PublishError) throw new UserError(e.message);
    throw e;
  } finally {
    social.store.close();
  }
}

function names(dataDir: string): Record<string, string> {
  try {
    return readSourceNames(dataDir);
  } catch (e) {
    if (e instanceof SourceNamesError) throw new UserError(e.message);
    throw e;
  }
}

/**
 * Give archived articles the operator's names; returns how many changed. Those for which
 * `reindex(canonical)` says yes are queued for re-indexing (not one deleted from the index with
 * `tra delete`: a rename must not bring it back).
 */
function renameArchived(db: ArchiveDb, reindex: (canonical: string) => boolean): number {
  const update = db.prepare('UPDATE articles SET source = ?, indexed_version = CASE WHEN ? THEN 0 ELSE indexed_version END WHERE id = ?');
  let n = 0;
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const row of db.prepare('SELECT id, canonical, url, source FROM articles').all() as Array<{ id: number; canonical: string; url: string; source: string | null }>) {
      const name = mappedName(db, row.url);
      if (name && name !== row.source) {
        update.run(name, reindex(row.canonical) ? 1 : 0, row.id);
        n++;
      }
    }
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
  return n;
}

function registerSocial(cmd: Command): void {
  cmd
    .command('link')
    .description('gắn tài khoản của một toà soạn với tài khoản nguồn tin của báo (hai hồ sơ chỉ sang nhau)')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--remove', 'bỏ liên kết của nguồn này')
    .option('--json', 'in dạng JSON')
    .argument('<site>', 'tên miền của báo (vnexpress.net) hoặc một địa chỉ trên đó')
    .argument('[username]', 'tên người dùng của toà soạn trên máy chủ này')
    .addHelpText('after', `
Hồ sơ của toà soạn có thêm trường "Nguồn tin" chỉ tới tài khoản nguồn (@vnexpress.net), và hồ sơ
nguồn có trường "Toà soạn" chỉ ngược lại. Người theo dõi nhận hồ sơ mới khi máy chủ chạy lấy lại.

Ví dụ:
  tra sources link --data ./data vnexpress.net toasoan_vnexpress
  tra sources link --data ./data vnexpress.net --remove`)
    .action(async (site: string, username: string | undefined, o: { data: string; remove?: boolean; json?: boolean }) => {
      if (!o.remove && !username) throw new UserError('thiếu tên người dùng của toà soạn: tra sources link --data DIR TEN_MIEN TEN_NGUOI_DUNG (hoặc --remove để bỏ liên kết)');
      const r = await withSources(o.data, (sources) => sources.link(site, username ?? null, { remove: o.remove }));
      if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
      else if (r.newsroom === null) process.stdout.write(`đã bỏ liên kết toà soạn của nguồn @${r.source} (${r.site})\n`);
      else process.stdout.write(`@${r.newsroom} ↔ nguồn @${r.source} (${r.site})\n`);
    });
  cmd
    .command('publish')
    .description('đăng một tìm kiếm đã lưu (tra alerts) thành tài khoản theo dõi được trên mạng liên hợp; không có SỐ: liệt kê')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--remove', 'gỡ tài khoản của tìm kiếm này (người theo dõi nhận lệnh xoá tài khoản)')
    .option('--json', 'in dạng JSON')
    .argument('[alert-id]', 'số của tìm kiếm đã lưu trong "tra alerts list"')
    .addHelpText('after', `
Tài khoản tên @tim-kiem.SỐ đăng cho người theo dõi mỗi bài mới vào chỉ mục khớp với truy vấn đã lưu
(như "tra search"), dưới dạng Article: tiêu đề và đường dẫn, tối đa 10 bài mỗi giờ. Máy chủ đang
chạy ("tra serve") bắt đầu đăng hoặc gỡ trong vài giây.

Ví dụ:
  tra alerts add --data ./data --name "Bão" --query "bão" --threshold 10
  tra sources publish --data ./data 1
  tra sources publish --data ./data 1 --remove`)
    .action(async (key: string | undefined, o: { data: string; remove?: boolean; json?: boolean }) => {
      if (key === undefined) {
        if (o.remove) throw new UserError('--remove cần số của tìm kiếm đã lưu: tra sources publish --data DIR SO --remove');
        if (!fs.existsSync(path.join(o.data, SOCIAL_FILE))) {
          process.stdout.write(o.json ? JSON.stringify({ searches: [] }) + '\n' : 'chưa đăng tìm kiếm đã lưu nào\n');
          return;
        }
        const list = await withSources(o.data, (sources) =>
          sources.searches.list().filter((p) => !p.pub.withdrawn && p.account && p.account.deletedAt === null).map((p) => ({ alert: p.pub.alert, username: p.username, name: p.pub.name, query: p.pub.query })));
        if (o.json) process.stdout.write(JSON.stringify({ searches: list }) + '\n');
        else process.stdout.write(list.length ? list.map((p) => `${String(p.alert).padStart(3)}  @${p.username.padEnd(16)} ${p.name}: ${p.query}`).join('\n') + '\n' : 'chưa đăng tìm kiếm đã lưu nào\n');
        return;
      }
      const id = /^\d+$/.test(key) ? Number(key) : NaN;
      if (!Number.isSafeInteger(id)) throw new UserError(`"${key}" không phải số của một tìm kiếm đã lưu; xem bằng "tra alerts list --data ${o.data}"`);
      if (o.remove) {
        const gone = await withSources(o.data, (sources) => sources.searches.unpublish(id));
        if (!gone) throw new UserError(`tìm kiếm đã lưu #${id} chưa được đăng thành tài khoản; xem danh sách bằng "tra sources publish --data ${o.data}"`);
        if (o.json) process.stdout.write(JSON.stringify({ alert: id, username: gone.username, removed: true }) + '\n');
        else process.stdout.write(`đã gỡ @${gone.username}: máy chủ sẽ gửi lệnh xoá tài khoản tới người theo dõi\n`);
        return;
      }
      const alert = fs.existsSync(path.join(o.data, ALERTS_FILE)) ? withAlerts(o.data, (a) => a.get(id)) : undefined;
      if (!alert) throw new UserError(`không có tìm kiếm đã lưu #${id}; xem bằng "tra alerts list --data ${o.data}" hoặc tạo bằng "tra alerts add"`);
      const storeFile = path.join(o.data, 'store.sqlite');
      let fromSeq = 0;
      if (fs.existsSync(storeFile)) {
        const docs = new DocStore(storeFile, { readOnly: true });
        try {
          fromSeq = docs.lastSeq();
        } finally {
          docs.close();
        }
      }
      const account = await withSources(o.data, (sources) => sources.searches.publish(alert, { fromSeq }));
      if (o.json) process.stdout.write(JSON.stringify({ alert: id, username: account.username, query: alert.query }) + '\n');
      else process.stdout.write(`@${account.username}: ${alert.name} (${alert.query}) — bài mới khớp sẽ được đăng cho người theo dõi\n`);
    });
}

function withAlerts<T>(dir: string, fn: (a: AlertStore) => T): T {
  const a = new AlertStore(dir);
  try {
    return fn(a);
  } finally {
    a.close();
  }
}

export function register(program: Command): void {
  const cmd = program.command('sources').description('quản lý danh sách nguồn (feed, sitemap) để thu thập, tên các báo theo tên miền, liên kết toà soạn và tìm kiếm đã lưu trên mạng liên hợp');
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
  cmd
    .command('name')
    .description('đặt tên báo cho một tên miền (lưu ở DIR/sources.json); không có TÊN: xem tên đã đặt')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--remove', 'bỏ tên đã đặt cho tên miền này')
    .option('--json', 'in dạng JSON')
    .argument('[host]', 'tên miền (vnexpress.net) hoặc một địa chỉ trên đó')
    .argument('[name...]', 'tên báo, ví dụ VnExpress')
    .addHelpText('after', `
Tên nguồn của bài thu thập lấy theo thứ tự: tên đặt ở đây, tên nguồn đã cấu hình (tra sources
add --name), tên trang tự khai (og:site_name), cuối cùng là tên miền. Tên miền luôn được giữ riêng
ở trường "host". Tệp ${SOURCE_NAMES_FILE} sửa tay được: {"names": {"vnexpress.net": "VnExpress"}}.

Ví dụ:
  tra sources name --data ./data vnexpress.net VnExpress
  tra sources name --data ./data                    liệt kê các tên đã đặt`)
    .action(async (host: string | undefined, words: string[], o: { data: string; remove?: boolean; json?: boolean }) => {
      if (host === undefined) {
        const all = names(o.data);
        if (o.json) process.stdout.write(JSON.stringify({ names: all }) + '\n');
        else if (!Object.keys(all).length) process.stdout.write(`chưa đặt tên nào (${path.join(o.data, SOURCE_NAMES_FILE)})\n`);
        else process.stdout.write(Object.entries(all).map(([h, n]) => `${h.padEnd(28)} ${n}`).join('\n') + '\n');
        return;
      }
      const key = hostKey(host);
      if (!key) throw new UserError(`"${host}" không phải tên miền; hãy viết như "vnexpress.net" hoặc một địa chỉ https://…`);
      const name = words.join(' ').normalize('NFC').replace(/\s+/g, ' ').trim();
      if (!name && !o.remove) {
        const current = names(o.data)[key];
        if (o.json) process.stdout.write(JSON.stringify({ host: key, name: current ?? null }) + '\n');
        else process.stdout.write(current ? `${key}: ${current}\n` : `${key}: chưa đặt tên (đặt bằng "tra sources name --data ${o.data} ${key} TÊN")\n`);
        return;
      }
      if (name && o.remove) throw new UserError('--remove không đi cùng TÊN: hoặc đặt tên, hoặc bỏ tên');
      names(o.data); // a broken file is reported, not overwritten
      writeSourceName(o.data, key, o.remove ? undefined : name);
      let renamed = 0;
      let indexed = 0;
      if (!o.remove && fs.existsSync(path.join(o.data, 'archive.sqlite'))) {
        const db = openArchiveDb(o.data);
        let engine: Engine | undefined;
        try {
          if (fs.existsSync(path.join(o.data, 'store.sqlite'))) {
            try {
              engine = await openEngine(o.data);
            } catch (e) {
              process.stderr.write(`tra: chưa cập nhật được chỉ mục (${(e as Error).message}); các bài sẽ mang tên mới từ lần "tra crawl" tới\n`);
            }
          }
          // Without the index at hand every renamed article is queued; with it, only those it holds.
          const held = engine;
          renamed = renameArchived(db, (canonical) => (held ? held.get(canonical) !== undefined : true));
          if (held && renamed) indexed = await flushPending(db, { add: (docs) => held.add(docs), close: async () => undefined });
        } finally {
          engine?.close();
          db.close();
        }
      }
      if (o.json) process.stdout.write(JSON.stringify({ host: key, name: o.remove ? null : name, renamed, indexed }) + '\n');
      else if (o.remove) process.stdout.write(`đã bỏ tên đặt cho ${key}\n`);
      else process.stdout.write(`${key}: ${name}${renamed ? ` (đã đổi tên ${renamed} bài đã lưu)` : ''}\n`);
    });
  registerSocial(cmd);
}
