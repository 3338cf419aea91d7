/**
 * `tra indexer --pg URL --blob PATH`: a long-running worker that turns ingested document versions
 * into published segments (contract: ../shared/CONTRACT.md, "Cluster mode"; docs/SCALE.md).
 * With `--port`, it also answers GET /healthz and GET /metrics there (src/cluster/roles/http.ts:
 * its jobs are watched from outside the indexer) and prints that URL on stdout.
 */
import type { Command } from 'commander';
import { UserError } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('indexer')
    .description('chế độ cụm: lập chỉ mục các lô tài liệu đã ghi vào PostgreSQL thành phân đoạn và công bố chúng (chạy đến khi bị dừng)')
    .requiredOption('--pg <url>', 'địa chỉ PostgreSQL, dạng postgres://user:password@host:5432/database')
    .requiredOption('--blob <path>', 'kho blob dùng chung: thư mục, hoặc s3://bucket/prefix')
    .option('--lease-ms <n>', 'thời hạn nhận một việc, mili giây (mặc định 120000)', (v) => positive(v, '--lease-ms'))
    .option('--merge-at <n>', 'gộp các phân đoạn nhỏ nhất của một shard khi shard có từng ấy phân đoạn (mặc định 10; 0: không gộp)', (v) => nonNegative(v, '--merge-at'))
    .option('--slots <n>', 'số việc các indexer trên cùng máy này chạy cùng lúc; indexer thừa chờ sẵn và thay khi một indexer dừng (mặc định: số lõi CPU; 0: không giới hạn)', (v) => nonNegative(v, '--slots'))
    .option('--port <n>', 'mở cổng HTTP cho /healthz và /metrics (0: một cổng còn trống; mặc định: không mở)', (v) => port(v))
    .option('--host <h>', 'địa chỉ nghe của /healthz và /metrics', '127.0.0.1')
    .option('--janitor-interval <s>', 'dọn kho blob mỗi bấy nhiêu giây: xoá blob mồ côi và blob của phân đoạn đã gộp mà không searcher nào còn cần (mặc định 600; 0: không dọn; cả cụm chỉ một indexer dọn một lúc)', (v) => nonNegative(v, '--janitor-interval'), 600)
    .action(async (o: { pg: string; blob: string; leaseMs?: number; mergeAt?: number; slots?: number; port?: number; host: string; janitorInterval: number }) => {
      const { openRole, untilStopped, logLine, serveRoleHealth, RoleError } = await import('../../cluster/roles/role.ts');
      const { runIndexer } = await import('../../cluster/indexer/indexer.ts');
      let role;
      try {
        role = await openRole({ pg: o.pg, blob: o.blob, name: 'indexer', connections: 5 }); // one held by its machine slot (slots.ts)
      } catch (e) {
        throw e instanceof RoleError ? new UserError(e.message) : e;
      }
      const ctl = new AbortController();
      const pause = Number(process.env.TRA_TEST_INDEXER_PAUSE_BEFORE_PUBLISH_MS ?? 0);
      let log = logLine('indexer');
      let pool = role.pool;
      let owner: string | undefined;
      let health: { close(): Promise<void> } | undefined;
      if (o.port !== undefined) {
        const { PgProbe, IndexerWatch, queueCounts } = await import('../../cluster/roles/http.ts');
        const os = await import('node:os');
        const { randomBytes } = await import('node:crypto');
        owner = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
        const watch = new IndexerWatch(owner);
        const probe = new PgProbe(o.pg, 'indexer', { extra: queueCounts });
        try {
          health = await serveRoleHealth({ host: o.host, port: o.port, ...watch.endpoints(probe) }, probe);
        } catch (e) {
          await role.pool.end();
          throw e instanceof RoleError ? new UserError(e.message) : e;
        }
        pool = watch.wrap(role.pool);
        log = watch.log(log);
      }
      const running = runIndexer({ pool, blob: role.blob!, owner, leaseMs: o.leaseMs, mergeAt: o.mergeAt, slots: o.slots, log, signal: ctl.signal, pauseBeforePublishMs: pause > 0 ? pause : undefined });
      process.stderr.write(`tra indexer: đang chạy (pid ${process.pid}); Ctrl+C để dừng\n`);
      const { runJanitorEvery } = await import('../../cluster/blob/janitor-loop.ts');
      const janitor = runJanitorEvery({ pool: role.pool, blob: role.blob!, everyMs: o.janitorInterval * 1000, log, signal: ctl.signal });
      await untilStopped();
      ctl.abort();
      await running;
      await janitor;
      await health?.close();
      await role.pool.end();
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
