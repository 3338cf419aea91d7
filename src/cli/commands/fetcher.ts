/**
 * `tra fetcher --pg URL --blob PATH`: a long-running crawl worker of a cluster (contract:
 * ../shared/CONTRACT.md, "Cluster mode"; protocol: docs/SCALE.md, "Fetchers"). Any number run
 * together on any machines; host leases in PostgreSQL keep them polite together. `--source URL`
 * adds feeds or sitemaps to the cluster's sources before it starts (as `tra cluster sources add`).
 * With `--port`, it also answers GET /healthz and GET /metrics there (src/cluster/roles/http.ts)
 * and prints that URL on stdout first; the summary line it prints when stopped stays the last.
 */
import type { Command } from 'commander';
import { UserError } from '../errors.ts';

interface Opts {
  pg: string;
  blob: string;
  source: string[];
  allowPrivateAddresses?: boolean;
  hosts?: number;
  leaseMs?: number;
  timeoutMs?: number;
  delayMs?: number;
  feedIntervalMs?: number;
  userAgent?: string;
  port?: number;
  host: string;
}

export function register(program: Command): void {
  program
    .command('fetcher')
    .description('chế độ cụm: thu thập lịch sự cùng các fetcher khác — nhận quyền thuê từng máy chủ, lưu WARC vào kho blob, ghi bài mới vào PostgreSQL (chạy đến khi bị dừng)')
    .requiredOption('--pg <url>', 'địa chỉ PostgreSQL, dạng postgres://user:password@host:5432/database')
    .requiredOption('--blob <path>', 'kho blob dùng chung: thư mục, hoặc s3://bucket/prefix')
    .option('--source <url>', 'thêm nguồn tin (RSS, Atom, JSON Feed, sitemap) vào cụm trước khi chạy; lặp lại được', (v: string, a: string[]) => [...a, v], [])
    .option('--allow-private-addresses', 'cho phép tới địa chỉ nội bộ và loopback (chỉ để thử trên một máy)')
    .option('--hosts <n>', 'số máy chủ thu thập cùng lúc (mặc định 8)', (v) => positive(v, '--hosts'))
    .option('--lease-ms <n>', 'thời hạn thuê một máy chủ, mili giây (mặc định 60000)', (v) => positive(v, '--lease-ms'))
    .option('--timeout-ms <n>', 'thời hạn một yêu cầu HTTP, mili giây (mặc định 30000)', (v) => positive(v, '--timeout-ms'))
    .option('--delay-ms <n>', 'khoảng nghỉ tối thiểu giữa hai yêu cầu tới một máy chủ, mili giây (mặc định 1000; Crawl-delay dài hơn thì theo Crawl-delay)', (v) => nonNegative(v, '--delay-ms'))
    .option('--feed-interval-ms <n>', 'đọc lại mỗi nguồn tin sau bấy nhiêu mili giây (mặc định 900000)', (v) => positive(v, '--feed-interval-ms'))
    .option('--user-agent <ua>', 'User-Agent gửi đi (mặc định TraBot, kèm TRA_CONTACT)')
    .option('--port <n>', 'mở cổng HTTP cho /healthz và /metrics (0: một cổng còn trống; mặc định: không mở)', (v) => port(v))
    .option('--host <h>', 'địa chỉ nghe của /healthz và /metrics', '127.0.0.1')
    .action(async (o: Opts) => {
      const { openRole, untilStopped, logLine, serveRoleHealth, RoleError, roleError } = await import('../../cluster/roles/role.ts');
      const { Fetcher } = await import('../../cluster/fetcher/fetcher.ts');
      const { addSources } = await import('../../cluster/frontier/sources.ts');
      const { hostOf } = await import('../../cluster/frontier/hosts.ts');
      const { ClusterError } = await import('../../cluster/errors.ts');
      for (const s of o.source) {
        try {
          hostOf(s);
        } catch (e) {
          throw new UserError(`--source: ${(e as Error).message}`);
        }
      }
      let role;
      try {
        role = await openRole({ pg: o.pg, blob: o.blob, name: 'fetcher', connections: Math.min(20, (o.hosts ?? 8) + 2) });
        if (o.source.length) {
          const n = await addSources(role.pool, o.source, { crawlDelayMs: o.delayMs });
          process.stderr.write(`tra fetcher: thêm ${n} nguồn mới (${o.source.length - n} đã có)\n`);
        }
      } catch (e) {
        await role?.pool.end().catch(() => undefined);
        const x = e instanceof ClusterError ? new RoleError(e.message) : roleError(e, o.pg);
        throw x instanceof RoleError ? new UserError(x.message) : x;
      }
      const ctl = new AbortController();
      const log = logLine('fetcher');
      const pauseMs = Number(process.env.TRA_TEST_FETCHER_PAUSE_BEFORE_COMMIT_MS ?? 0);
      const pauseUrl = process.env.TRA_TEST_FETCHER_PAUSE_URL;
      const f = new Fetcher({
        pool: role.pool,
        blob: role.blob!,
        hosts: o.hosts,
        leaseMs: o.leaseMs,
        timeoutMs: o.timeoutMs,
        delayMs: o.delayMs,
        feedIntervalMs: o.feedIntervalMs,
        userAgent: o.userAgent,
        allowPrivateAddresses: o.allowPrivateAddresses === true,
        log,
        signal: ctl.signal,
        pauseBeforeCommit: pauseMs > 0 && pauseUrl ? { url: pauseUrl, ms: pauseMs } : undefined,
      });
      let health: { close(): Promise<void> } | undefined;
      if (o.port !== undefined) {
        const { PgProbe, fetcherEndpoints } = await import('../../cluster/roles/http.ts');
        const probe = new PgProbe(o.pg, 'fetcher');
        try {
          health = await serveRoleHealth({ host: o.host, port: o.port, ...fetcherEndpoints(f, probe, { slots: o.hosts ?? 8 }) }, probe);
        } catch (e) {
          await role.pool.end();
          throw e instanceof RoleError ? new UserError(e.message) : e;
        }
      }
      const running = f.run();
      process.stderr.write(`tra fetcher: đang chạy (pid ${process.pid}, ${f.owner}); Ctrl+C để dừng\n`);
      await untilStopped();
      ctl.abort();
      await running;
      await health?.close();
      await role.pool.end();
      const c = f.counters;
      process.stdout.write(JSON.stringify({ fetched: c.fetched, committed: c.committed, versions: c.versions, lease_lost: c.leaseLost, errors: c.errors }) + '\n');
    });
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UserError(`--port phải là số từ 0 đến 65535 (nhận được "${v}")`);
  return n;
}

function positive(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UserError(`${name} phải là số nguyên dương (nhận được "${v}")`);
  return n;
}

function nonNegative(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`${name} phải là số nguyên không âm (nhận được "${v}")`);
  return n;
}
