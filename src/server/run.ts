/**
 * Running the server for the CLI (`tra serve`, `tra start`): open the data directory, listen,
 * print the URL, and shut down gracefully on SIGINT/SIGTERM (stop accepting, finish in-flight
 * requests, close the engine).
 */
import type { FastifyInstance } from 'fastify';
import { buildServer, DEFAULT_RATE_LIMIT, type ServerOptions } from './app.ts';
import { openEngineBackend, type EngineBackend } from './engine-backend.ts';
import type { Backend } from './backend.ts';
import { ADMIN_TOKEN_ENV, tokenProblem } from './admin-auth.ts';
import { ALLOW_PRIVATE_ENV } from '../net/guarded-fetch.ts';

export interface RunOptions {
  dataDir: string;
  /**
   * Serve through a cluster (`tra serve --coordinator URL`): this backend instead of the data
   * directory's engine, no social layer, and `install` adds what the mode needs to the app.
   */
  coordinator?: { backend: Backend & { close(): void | Promise<void> }; install(app: FastifyInstance): void };
  host: string;
  port: number;
  corsOrigins?: string[];
  /** Requests per minute per client; 0 turns the limit off. */
  rateLimit?: number;
  logLevel?: string;
  trustProxy?: boolean;
  /** Search worker threads (default: one per core). */
  workers?: number;
  /** Seconds between alert checks (default 300); 0 turns the scheduler off. */
  alertInterval?: number;
  /** Where to print the URL (stdout). */
  out?: NodeJS.WritableStream;
  /** Webhooks may reach private, loopback and link-local addresses. */
  allowPrivateAddresses?: boolean;
  /** The address the site is reached at (for opensearch.xml); default: the listening address. */
  publicUrl?: string;
  /** The operator's token; default: TRA_ADMIN_TOKEN from the environment. */
  adminToken?: string;
  /** The public URL of the social layer's ids (`--origin`); default: the address printed at start. */
  origin?: string;
}

export interface Running {
  app: FastifyInstance;
  backend: EngineBackend | NonNullable<RunOptions['coordinator']>['backend'];
  url: string;
  /** Resolves when the server has shut down (after a signal or `stop()`). */
  closed: Promise<void>;
  stop(): Promise<void>;
}

/** Seconds between two checks of the saved searches. */
export const DEFAULT_ALERT_INTERVAL = 300;

export class ListenError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

/** A setting the server cannot start with (one line for the operator). */
export class SettingError extends Error {}

export async function runServer(o: RunOptions): Promise<Running> {
  const adminToken = o.adminToken ?? process.env[ADMIN_TOKEN_ENV];
  const problem = tokenProblem(adminToken);
  if (problem) throw new SettingError(problem);
  // The alert checks run on the observatory's worker thread, which takes its environment from
  // ours when it starts: this is how --allow-private-addresses reaches webhook delivery.
  if (o.allowPrivateAddresses) process.env[ALLOW_PRIVATE_ENV] = '1';
  // The app's logger exists only after buildServer: scheduled checks report through this.
  const to: { log?: FastifyInstance['log'] } = {};
  const backend = o.coordinator ? o.coordinator.backend : await openEngineBackend(o.dataDir, {
    workers: o.workers,
    alertIntervalMs: (o.alertInterval ?? DEFAULT_ALERT_INTERVAL) * 1000,
    onAlertError: (err) => to.log?.error({ err }, 'alert check failed'),
    onAlertCheck: (r) => to.log?.info({ date: r.date, counted: r.counted, events: r.events.length, delivery: r.delivery, ms: r.ms }, 'alert check'),
  });
  // The default origin is the listening address, known once the server listens (port 0 picks one).
  let listening = '';
  const opts: ServerOptions = {
    backend,
    corsOrigins: o.corsOrigins,
    rateLimit: o.rateLimit === undefined ? DEFAULT_RATE_LIMIT : { max: o.rateLimit, windowMs: 60_000 },
    logLevel: o.logLevel,
    trustProxy: o.trustProxy,
    adminToken: adminToken || undefined,
    allowPrivateAddresses: o.allowPrivateAddresses,
    publicUrl: o.publicUrl,
    social: o.coordinator ? undefined : { dataDir: o.dataDir, origin: o.origin ?? (() => listening) },
    federation: o.coordinator ? undefined : { allowPrivateAddresses: o.allowPrivateAddresses },
  };
  const app = await buildServer(opts);
  o.coordinator?.install(app);
  to.log = app.log;
  try {
    await app.listen({ host: o.host, port: o.port });
  } catch (err) {
    await backend.close();
    await app.close().catch(() => {});
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new ListenError(`cổng ${o.port} trên ${o.host} đang được dùng; hãy chọn cổng khác bằng --port (hoặc biến PORT)`, e.code);
    if (e.code === 'EACCES') throw new ListenError(`không được phép mở cổng ${o.port}; hãy dùng cổng từ 1024 trở lên`, e.code);
    if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw new ListenError(`không nghe được trên địa chỉ ${o.host}; hãy kiểm tra --host`, e.code);
    throw err;
  }
  if (!adminToken) app.log.warn(`${ADMIN_TOKEN_ENV} chưa được đặt: mọi thao tác ghi qua API (POST/DELETE /api/alerts…) bị từ chối (403); hãy đặt biến này (ít nhất 16 ký tự) khi khởi động để bật chúng`);
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}/`;
  listening = new URL(url).origin;
  // Queued deliveries resume now, not at the first request.
  app.federation?.start();

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      try {
        await app.close();
      } finally {
        await backend.close();
        resolveClosed();
      }
    })();
    return stopping;
  };
  const onSignal = (sig: NodeJS.Signals) => {
    app.log.info({ signal: sig }, 'shutting down');
    void stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  (o.out ?? process.stdout).write(url + '\n');
  return { app, backend, url, closed, stop };
}
