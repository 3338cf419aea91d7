/**
 * `tra searcher --pg URL --blob PATH --port P --host H`: serves the segments of its shards to the
 * coordinator and registers itself in PostgreSQL (contract: ../shared/CONTRACT.md, "Cluster mode").
 */
import type { Command } from 'commander';
import { UserError } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('searcher')
    .description('chế độ cụm: giữ bản sao các phân đoạn và trả lời điều phối viên (coordinator) qua HTTP (chạy đến khi bị dừng)')
    .requiredOption('--pg <url>', 'địa chỉ PostgreSQL, dạng postgres://user:password@host:5432/database')
    .requiredOption('--blob <path>', 'kho blob dùng chung: thư mục, hoặc s3://bucket/prefix')
    .option('--port <n>', 'cổng nghe (0: một cổng còn trống)', (v) => port(v), 0)
    .option('--host <h>', 'địa chỉ nghe (mà điều phối viên gọi tới)', '127.0.0.1')
    .option('--dir <dir>', 'thư mục chứa bản sao phân đoạn trên máy này (mặc định: trong thư mục tạm)')
    .option('--shards <list>', 'chỉ phục vụ các phân mảnh này, cách nhau bởi dấu phẩy (mặc định: tất cả)')
    .option('--replica-group <name>', 'nhóm bản sao', 'default')
    .action(async (o: { pg: string; blob: string; port: number; host: string; dir?: string; shards?: string; replicaGroup: string }) => {
      const { openRole, untilStopped, logLine, RoleError, roleError } = await import('../../cluster/roles/role.ts');
      const { Searcher } = await import('../../cluster/searcher/searcher.ts');
      let role;
      try {
        role = await openRole({ pg: o.pg, blob: o.blob, name: 'searcher' });
      } catch (e) {
        throw e instanceof RoleError ? new UserError(e.message) : e;
      }
      const shards = o.shards ? o.shards.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
      const s = new Searcher({ pool: role.pool, pgUrl: o.pg, blob: role.blob!, host: o.host, port: o.port, dir: o.dir, shards, replicaGroup: o.replicaGroup, log: logLine('searcher') });
      let url;
      try {
        url = await s.start();
      } catch (e) {
        await s.stop().catch(() => undefined);
        await role.pool.end();
        const err = roleError(e, o.pg);
        if (err instanceof RoleError) throw new UserError(err.message);
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UserError(`cổng ${o.port} trên ${o.host} đang bận — chọn cổng khác bằng --port`);
        throw e;
      }
      process.stdout.write(`${url}\n`);
      await untilStopped();
      await s.stop();
      await role.pool.end();
    });
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UserError(`--port phải là số từ 0 đến 65535 (nhận được "${v}")`);
  return n;
}
