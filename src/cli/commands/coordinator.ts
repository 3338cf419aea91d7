/**
 * `tra coordinator --pg URL --port P --host H`: GET /api/search and /api/trends as `tra serve`
 * answers them, over the shards the searchers serve, plus /healthz and /metrics (contract:
 * ../shared/CONTRACT.md, "Cluster mode"; docs/SCALE.md).
 */
import type { Command } from 'commander';
import { UserError } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('coordinator')
    .description('chế độ cụm: nhận truy vấn, hỏi một bản sao của mỗi phân mảnh và gộp kết quả (chạy đến khi bị dừng)')
    .requiredOption('--pg <url>', 'địa chỉ PostgreSQL, dạng postgres://user:password@host:5432/database')
    .option('--port <n>', 'cổng nghe (0: một cổng còn trống)', (v) => num(v, '--port', 0, 65535), 8080)
    .option('--host <h>', 'địa chỉ nghe', '127.0.0.1')
    .option('--timeout-ms <n>', 'thời hạn chờ một phân mảnh trả lời, mili giây', (v) => num(v, '--timeout-ms', 1, 600_000), 10_000)
    .option('--hedge-ms <n>', 'hỏi thêm một bản sao khác nếu bản đầu chưa trả lời sau ngần này mili giây', (v) => num(v, '--hedge-ms', 1, 600_000), 300)
    .action(async (o: { pg: string; port: number; host: string; timeoutMs: number; hedgeMs: number }) => {
      const { openRole, untilStopped, RoleError } = await import('../../cluster/roles/role.ts');
      const { buildCoordinator } = await import('../../cluster/coordinator/server.ts');
      let role;
      try {
        role = await openRole({ pg: o.pg, name: 'coordinator', connections: 8 });
      } catch (e) {
        throw e instanceof RoleError ? new UserError(e.message) : e;
      }
      const { app } = await buildCoordinator({ pool: role.pool, timeoutMs: o.timeoutMs, hedgeMs: o.hedgeMs });
      let url;
      try {
        url = await app.listen({ port: o.port, host: o.host });
      } catch (e) {
        await role.pool.end();
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UserError(`cổng ${o.port} trên ${o.host} đang bận — chọn cổng khác bằng --port`);
        throw e;
      }
      process.stdout.write(`${url}\n`);
      await untilStopped();
      await app.close();
      await role.pool.end();
    });
}

function num(v: string, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`${name} phải là số nguyên từ ${min} đến ${max} (nhận được "${v}")`);
  return n;
}
