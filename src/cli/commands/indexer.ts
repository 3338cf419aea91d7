/**
 * `tra indexer --pg URL --blob PATH`: a long-running worker that turns ingested document versions
 * into published segments (contract: ../shared/CONTRACT.md, "Cluster mode"; docs/SCALE.md).
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
    .action(async (o: { pg: string; blob: string; leaseMs?: number; mergeAt?: number }) => {
      const { openRole, untilStopped, logLine, RoleError } = await import('../../cluster/roles/role.ts');
      const { runIndexer } = await import('../../cluster/indexer/indexer.ts');
      let role;
      try {
        role = await openRole({ pg: o.pg, blob: o.blob, name: 'indexer' });
      } catch (e) {
        throw e instanceof RoleError ? new UserError(e.message) : e;
      }
      const ctl = new AbortController();
      const pause = Number(process.env.TRA_TEST_INDEXER_PAUSE_BEFORE_PUBLISH_MS ?? 0);
      const log = logLine('indexer');
      const running = runIndexer({ pool: role.pool, blob: role.blob!, leaseMs: o.leaseMs, mergeAt: o.mergeAt, log, signal: ctl.signal, pauseBeforePublishMs: pause > 0 ? pause : undefined });
      process.stderr.write(`tra indexer: đang chạy (pid ${process.pid}); Ctrl+C để dừng\n`);
      await untilStopped();
      ctl.abort();
      await running;
      await role.pool.end();
    });
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
