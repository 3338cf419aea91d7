/**
 * `tra serve --data DIR [--port P] [--host H]`: the web application and JSON API on a data
 * directory (contract: ../shared/CONTRACT.md). Prints the URL it listens on, logs JSON lines on
 * stderr, and stops cleanly on Ctrl-C or SIGTERM. Saved searches (`tra alerts`) are checked every
 * --alert-interval seconds on the observatory's worker thread.
 */
import type { Command } from 'commander';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { UserError } from '../errors.ts';
import { openEngine } from '../../engine/index.ts';
import { SOCIAL_FILE } from '../../social/store/db.ts';
import { checkDataDir } from './search.ts';
import { runServer, ListenError, SettingError, DEFAULT_ALERT_INTERVAL } from '../../server/run.ts';

export interface ServeFlags {
  port?: string;
  host: string;
  cors?: string;
  rateLimit?: string;
  logLevel: string;
  trustProxy?: boolean;
  workers?: string;
  alertInterval?: string;
  allowPrivateAddresses?: boolean;
  publicUrl?: string;
  origin?: string;
}

export function parsePort(v: string | undefined, fallback: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UserError(`cổng không hợp lệ "${v}": hãy dùng một số từ 0 đến 65535`);
  return n;
}

function parseRate(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`--rate-limit phải là số nguyên không âm (số yêu cầu mỗi phút cho mỗi máy; 0 là không giới hạn), không phải "${v}"`);
  return n;
}

function parseWorkers(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new UserError(`--workers phải là số nguyên từ 0 đến 64, không phải "${v}"`);
  return n;
}

function parseAlertInterval(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 7 * 86_400) throw new UserError(`--alert-interval phải là số giây từ 0 đến 604800 (0: không tự xét cảnh báo), không phải "${v}"`);
  return n;
}

export function parsePublicUrl(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  let u: URL | undefined;
  try {
    u = new URL(v);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password) throw new UserError(`--public-url phải là địa chỉ http(s) mà người đọc dùng để vào trang, ví dụ https://tra.example.vn (không phải "${v}")`);
  return u.origin;
}

/** `--origin`: the public URL in the social layer's ids (scheme, host and port only: ids cannot live under a path). */
export function parseOrigin(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  let u: URL | undefined;
  try {
    u = new URL(v);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) {
    throw new UserError(`--origin phải là địa chỉ gốc http(s) của máy chủ, không có đường dẫn, ví dụ https://tra.example.vn (không phải "${v}")`);
  }
  return u.origin;
}

/** Options shared by `serve` and `start`. */
export function addServeOptions(cmd: Command): Command {
  return cmd
    .option('--port <port>', 'cổng (mặc định 8080, hoặc biến PORT)')
    .option('--host <host>', 'địa chỉ nghe (0.0.0.0 để mở cho mạng ngoài)', '127.0.0.1')
    .option('--cors <origins>', 'các origin được gọi /api từ trình duyệt, cách nhau bởi dấu phẩy ("*" cho mọi origin)')
    .option('--rate-limit <n>', 'số yêu cầu tối đa mỗi phút cho mỗi địa chỉ IP (0: không giới hạn)', undefined)
    .option('--log-level <level>', 'mức nhật ký: fatal, error, warn, info, debug', 'info')
    .option('--trust-proxy', 'tin header X-Forwarded-For (chỉ khi chạy sau reverse proxy của bạn)')
    .option('--workers <n>', 'số luồng tìm kiếm (mặc định: một luồng mỗi lõi CPU, tối đa 4; 0: tìm ngay trên luồng chính)')
    .option('--alert-interval <s>', `xét các cảnh báo đã lưu mỗi bấy nhiêu giây (mặc định ${DEFAULT_ALERT_INTERVAL}; 0: không tự xét)`)
    .option('--public-url <url>', 'địa chỉ công khai của trang (cho opensearch.xml); mặc định: địa chỉ đang nghe')
    .option('--origin <url>', 'địa chỉ gốc công khai dùng trong định danh tài khoản và bài viết của mạng xã hội (ActivityPub); mặc định: http://HOST:PORT')
    .option('--allow-private-addresses', 'cho webhook và liên hợp (ActivityPub) tới địa chỉ nội bộ (loopback, mạng riêng, link-local) và qua http thường — chỉ để thử trên một máy; mặc định bị chặn');
}

export async function serveDataDir(dataDir: string, f: ServeFlags): Promise<void> {
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(f.logLevel)) throw new UserError(`--log-level phải là một trong: ${levels.join(', ')}`);
  const port = parsePort(f.port ?? process.env.PORT, 8080);
  try {
    const running = await runServer({
      dataDir,
      host: f.host,
      port,
      corsOrigins: f.cors ? f.cors.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
      rateLimit: parseRate(f.rateLimit),
      logLevel: f.logLevel,
      trustProxy: f.trustProxy,
      workers: parseWorkers(f.workers),
      alertInterval: parseAlertInterval(f.alertInterval),
      allowPrivateAddresses: f.allowPrivateAddresses === true,
      publicUrl: parsePublicUrl(f.publicUrl),
      origin: parseOrigin(f.origin),
    });
    await running.closed;
  } catch (err) {
    if (err instanceof ListenError || err instanceof SettingError) throw new UserError(err.message);
    // The engine's own errors about the data directory say what to do next: one line, no stack.
    if (err instanceof Error && err.name === 'EngineError') throw new UserError(err.message);
    throw err;
  }
}

/** Options of `tra serve --coordinator`: the cluster's PostgreSQL and blob storage, and a local cache directory. */
interface CoordinatorFlags {
  pg?: string;
  blob?: string;
  cache?: string;
}

/**
 * `tra serve --coordinator URL [--pg URL [--blob PATH] [--cache DIR]]`: the same site, answered by a
 * cluster's coordinator (docs/SCALE.md); with --pg, also the parts kept in PostgreSQL.
 */
async function serveCoordinator(url: string, f: ServeFlags & CoordinatorFlags): Promise<void> {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new UserError(`--coordinator phải là địa chỉ http(s) của tra coordinator, ví dụ http://10.0.0.5:7100 (không phải "${url}")`);
  if (f.origin !== undefined) throw new UserError('--origin chỉ dùng với --data: mạng xã hội chưa chạy ở chế độ cụm');
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(f.logLevel)) throw new UserError(`--log-level phải là một trong: ${levels.join(', ')}`);
  const { coordinatorBackend, installClusterNotices, partsOf } = await import('../../cluster/coordinator/remote-backend.ts');
  let extras;
  // Without --cache, the observatory's mirror goes in a temporary directory removed at exit (the
  // next start copies the counts again: a news year in ~2 s); --cache keeps it across restarts.
  let scratch: string | undefined;
  if (f.pg !== undefined) {
    const { checkPgUrl, describePgError } = await import('../../cluster/pg/connect.ts');
    const { describeClusterError } = await import('../../cluster/errors.ts');
    const { openClusterExtras } = await import('../../cluster/coordinator/extras.ts');
    try {
      checkPgUrl(f.pg);
      if (f.cache === undefined) scratch = mkdtempSync(path.join(os.tmpdir(), 'tra-serve-cache-'));
      const cacheDir = path.resolve(f.cache ?? scratch!);
      const interval = parseAlertInterval(f.alertInterval);
      extras = await openClusterExtras({ pg: f.pg, blob: f.blob, coordinator: u.href, cacheDir, alertIntervalMs: interval === undefined ? undefined : interval * 1000, allowPrivate: f.allowPrivateAddresses === true, log: (line) => process.stderr.write(`tra serve: ${line}\n`) });
    } catch (e) {
      const msg = describeClusterError(e, (x) => describePgError(x, f.pg!));
      throw msg ? new UserError(msg) : e;
    }
  } else if (f.blob !== undefined || f.cache !== undefined) {
    throw new UserError('--blob và --cache đi cùng --pg URL (PostgreSQL của cụm)');
  }
  const backend = coordinatorBackend(u.href, { extras });
  const has = partsOf(backend);
  try {
    const running = await runServer({
      dataDir: '',
      coordinator: { backend, install: (app) => installClusterNotices(app, has) },
      host: f.host,
      port: parsePort(f.port ?? process.env.PORT, 8080),
      corsOrigins: f.cors ? f.cors.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
      rateLimit: parseRate(f.rateLimit),
      logLevel: f.logLevel,
      trustProxy: f.trustProxy,
      publicUrl: parsePublicUrl(f.publicUrl),
    });
    await running.closed;
  } catch (err) {
    if (err instanceof ListenError || err instanceof SettingError) throw new UserError(err.message);
    throw err;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

export function register(program: Command): void {
  addServeOptions(
    program
      .command('serve')
      .description('chạy trang web và API JSON trên một thư mục dữ liệu, hoặc qua máy điều phối của một cụm (in ra địa chỉ đang nghe)')
      .option('--data <dir>', 'thư mục dữ liệu')
      .option('--coordinator <url>', 'chế độ cụm: tìm kiếm và xu hướng qua máy điều phối này (tra coordinator), thay cho --data')
      .option('--pg <url>', 'chế độ cụm: PostgreSQL của cụm, cho đài quan sát, các phiên bản đã lưu và danh sách nguồn')
      .option('--blob <path>', 'chế độ cụm: nơi lưu blob của cụm (thư mục dùng chung hoặc s3://bucket/prefix), để đọc các phiên bản đã lưu')
      .option('--cache <dir>', 'chế độ cụm: thư mục trên máy này cho bản sao số đếm của đài quan sát (mặc định: một thư mục tạm)'),
  ).action(async (o: ServeFlags & CoordinatorFlags & { data?: string; coordinator?: string }) => {
    if (o.coordinator !== undefined) {
      if (o.data !== undefined) throw new UserError('chỉ dùng một trong hai: --data DIR (một máy) hoặc --coordinator URL (cụm)');
      await serveCoordinator(o.coordinator, o);
      return;
    }
    if (o.pg !== undefined || o.blob !== undefined || o.cache !== undefined) throw new UserError('--pg, --blob và --cache chỉ dùng với --coordinator URL (chế độ cụm)');
    if (o.data === undefined) throw new UserError("thiếu --data DIR (thư mục dữ liệu) — hoặc --coordinator URL để phục vụ qua một cụm");
    parseOrigin(o.origin);
    // A directory made by `tra accounts add` has no documents yet: it gets an empty index.
    if (!existsSync(path.join(o.data, 'store.sqlite')) && existsSync(path.join(o.data, SOCIAL_FILE))) (await openEngine(o.data)).close();
    checkDataDir(o.data);
    await serveDataDir(o.data, o);
  });
}
