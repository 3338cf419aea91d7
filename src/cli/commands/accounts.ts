/**
 * `tra accounts …`: the social layer's accounts from the command line (contract:
 * ../shared/CONTRACT.md).
 *   tra accounts add --data DIR USERNAME [--admin] [--verified] [--display-name N]   password on stdin
 *   tra accounts token --data DIR USERNAME [--scopes "read write follow"]
 *   tra accounts password --data DIR USERNAME                                      new password on stdin
 *   tra accounts verify --data DIR USERNAME [--undo]
 *   tra accounts role --data DIR USERNAME admin|user
 *   tra accounts delete --data DIR USERNAME
 *   tra accounts list --data DIR [--json]
 *   tra accounts settings --data DIR [--registrations open|invite|closed] [--verified-only on|off]
 *   tra accounts invite --data DIR [--uses N] [--days D]
 * Results are one JSON line on stdout (the last line); refusals are one Vietnamese line on stderr.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { openSocialStore, type SocialStore } from '../../social/store/index.ts';
import { SocialActions } from '../../social/store/actions.ts';
import { SocialError } from '../../social/store/errors.ts';
import { SchemaTooNew, SOCIAL_FILE } from '../../social/store/db.ts';
import { AccountService } from '../../social/accounts/service.ts';
import { REGISTRATION_MODES, type RegistrationMode } from '../../social/store/settings.ts';
import { splitScopes, unknownScopes } from '../../social/oauth/scopes.ts';
import type { AccountRow } from '../../social/store/rows.ts';

/** The app the CLI's tokens belong to (what Mastodon calls "Development → New application"). */
export const CLI_APP_NAME = 'tra accounts token';
const MAX_STDIN = 4096;

function out(v: unknown): void {
  process.stdout.write(JSON.stringify(v) + '\n');
}

/** The first line of standard input (the password), bounded; a terminal is asked without echo being promised. */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Mật khẩu (một dòng, rồi Enter; Ctrl-D để kết thúc): ');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(c);
    size += c.length;
    if (size > MAX_STDIN || Buffer.concat(chunks).includes(10)) break;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const line = text.split(/\r?\n/)[0];
  if (line === '') throw new UserError('thiếu mật khẩu: hãy đưa mật khẩu vào đầu vào chuẩn, ví dụ: printf "%s\\n" "$MAT_KHAU" | tra accounts add --data DIR TEN');
  return line;
}

async function withStore<T>(dir: string, fn: (store: SocialStore, accounts: AccountService) => Promise<T> | T, create = false): Promise<T> {
  if (!create && !existsSync(path.join(dir, SOCIAL_FILE))) throw new UserError(`${dir}: chưa có tài khoản nào; hãy tạo bằng "tra accounts add --data ${dir} TEN" trước`);
  let store: SocialStore;
  try {
    store = openSocialStore(dir);
  } catch (err) {
    if (err instanceof SchemaTooNew) throw new UserError(err.message);
    throw err;
  }
  try {
    // The CLI renders no links, so it needs no origin.
    const actions = new SocialActions(store, () => {
      throw new Error('the CLI has no origin');
    });
    return await fn(store, new AccountService(store, actions));
  } catch (err) {
    if (err instanceof SocialError) throw new UserError(err.message.charAt(0).toLowerCase() + err.message.slice(1));
    throw err;
  } finally {
    store.close();
  }
}

function localAccount(store: SocialStore, username: string): AccountRow {
  const a = store.accounts.local(username.trim().replace(/^@/, ''));
  if (!a || a.deletedAt !== null) throw new UserError(`không có tài khoản "${username}" trên máy chủ này; tạo bằng "tra accounts add --data DIR ${username}"`);
  return a;
}

export function register(program: Command): void {
  const accounts = program.command('accounts').description('tài khoản của mạng xã hội: tạo, cấp mã truy cập, xác minh, cài đặt đăng ký');

  accounts
    .command('add')
    .description('tạo tài khoản (mật khẩu đọc từ đầu vào chuẩn); in {"id", "username"}')
    .requiredOption('--data <dir>', 'thư mục dữ liệu (tạo mới nếu chưa có)')
    .option('--admin', 'vai trò quản trị')
    .option('--verified', 'đánh dấu đã xác minh (Nghị định 147/2024/NĐ-CP)')
    .option('--display-name <name>', 'tên hiển thị')
    .argument('<username>', 'tên người dùng: chữ cái không dấu, chữ số, dấu gạch dưới')
    .action(async (username: string, o: { data: string; admin?: boolean; verified?: boolean; displayName?: string }) => {
      const password = await readPassword();
      const a = await withStore(o.data, (_s, svc) => svc.signUp({ username, password, displayName: o.displayName }, { role: o.admin ? 'admin' : 'user', verified: o.verified === true }), true);
      out({ id: a.id, username: a.username });
    });

  accounts
    .command('token')
    .description('cấp mã truy cập cho tài khoản (như "Phát triển → Ứng dụng mới" của Mastodon); in {"access_token"}')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--scopes <scopes>', 'các quyền, cách nhau bởi dấu cách', 'read write follow')
    .argument('<username>')
    .action(async (username: string, o: { data: string; scopes: string }) => {
      const scopes = splitScopes(o.scopes);
      const unknown = unknownScopes(scopes);
      if (scopes.length === 0 || unknown.length) throw new UserError(`quyền không hợp lệ: "${unknown.join(' ') || o.scopes}"; dùng read, write, follow, push hoặc quyền con như read:statuses`);
      const token = await withStore(o.data, (store) => {
        const a = localAccount(store, username);
        const app = store.oauth.ownApp(CLI_APP_NAME);
        return store.oauth.createToken({ appId: app.id, accountId: a.id, scopes }).token;
      });
      out({ access_token: token });
    });

  accounts
    .command('password')
    .description('đặt mật khẩu mới (đọc từ đầu vào chuẩn); các phiên đăng nhập bị đăng xuất')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .argument('<username>')
    .action(async (username: string, o: { data: string }) => {
      const password = await readPassword();
      await withStore(o.data, (store, svc) => svc.setPassword(localAccount(store, username).id, password));
      out({ username, password_changed: true });
    });

  accounts
    .command('verify')
    .description('đánh dấu tài khoản đã xác minh (hoặc bỏ với --undo)')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--undo', 'bỏ xác minh')
    .argument('<username>')
    .action(async (username: string, o: { data: string; undo?: boolean }) => {
      await withStore(o.data, (store) => store.accounts.setVerified(localAccount(store, username).id, !o.undo));
      out({ username, verified: !o.undo });
    });

  accounts
    .command('role')
    .description('đặt vai trò: admin hoặc user')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .argument('<username>')
    .argument('<role>', 'admin hoặc user')
    .action(async (username: string, role: string, o: { data: string }) => {
      if (role !== 'admin' && role !== 'user') throw new UserError(`vai trò phải là admin hoặc user, không phải "${role}"`);
      await withStore(o.data, (store) => store.accounts.setRole(localAccount(store, username).id, role));
      out({ username, role });
    });

  accounts
    .command('delete')
    .description('xoá tài khoản và các bài viết của nó (tên người dùng không được cấp lại)')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .argument('<username>')
    .action(async (username: string, o: { data: string }) => {
      await withStore(o.data, (store) => {
        const a = localAccount(store, username);
        new SocialActions(store, () => {
          throw new Error('the CLI has no origin');
        }).deleteAccount(a.id);
      });
      out({ username, deleted: true });
    });

  accounts
    .command('list')
    .description('liệt kê tài khoản của máy chủ')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--json', 'mỗi tài khoản một dòng JSON')
    .action(async (o: { data: string; json?: boolean }) => {
      await withStore(o.data, (store) => {
        for (const r of store.db.all<{ id: string }>('SELECT id FROM accounts WHERE domain IS NULL AND deleted_at IS NULL ORDER BY id')) {
          const a = store.accounts.byId(r.id)!;
          if (o.json) out({ id: a.id, username: a.username, display_name: a.displayName, role: a.role, verified: a.verified });
          else process.stdout.write(`${a.username}\t${a.role}${a.verified ? '\tđã xác minh' : ''}\t${a.displayName}\n`);
        }
      });
    });

  accounts
    .command('settings')
    .description('xem hoặc đổi cài đặt của máy chủ: đăng ký (open, invite, closed), chỉ tài khoản đã xác minh được đăng bài')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--registrations <mode>', 'open, invite hoặc closed')
    .option('--verified-only <on|off>', 'chỉ tài khoản đã xác minh được đăng bài (Nghị định 147/2024/NĐ-CP)')
    .action(async (o: { data: string; registrations?: string; verifiedOnly?: string }) => {
      if (o.registrations !== undefined && !REGISTRATION_MODES.includes(o.registrations as RegistrationMode)) throw new UserError(`--registrations phải là open, invite hoặc closed, không phải "${o.registrations}"`);
      if (o.verifiedOnly !== undefined && !['on', 'off'].includes(o.verifiedOnly)) throw new UserError(`--verified-only phải là on hoặc off, không phải "${o.verifiedOnly}"`);
      const s = await withStore(o.data, (store) =>
        store.settings.update({ registrations: o.registrations as RegistrationMode | undefined, verifiedOnlyPosting: o.verifiedOnly === undefined ? undefined : o.verifiedOnly === 'on' }),
      true);
      out({ registrations: s.registrations, verified_only_posting: s.verifiedOnlyPosting });
    });

  accounts
    .command('invite')
    .description('tạo mã mời đăng ký')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--uses <n>', 'số lần dùng', '1')
    .option('--days <d>', 'hết hạn sau bấy nhiêu ngày', '7')
    .action(async (o: { data: string; uses: string; days: string }) => {
      const uses = Number(o.uses);
      const days = Number(o.days);
      if (!Number.isInteger(uses) || uses < 1 || uses > 10_000) throw new UserError(`--uses phải là số nguyên từ 1 đến 10000, không phải "${o.uses}"`);
      if (!Number.isFinite(days) || days <= 0 || days > 3650) throw new UserError(`--days phải là số ngày từ 0 đến 3650, không phải "${o.days}"`);
      const code = await withStore(o.data, (store) => store.invites.create({ maxUses: uses, expiresAt: Date.now() + days * 86_400_000 }), true);
      out({ code, uses, expires_in_days: days });
    });
}
