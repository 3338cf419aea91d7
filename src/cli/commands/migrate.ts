/**
 * `tra migrate --pg URL`: create or upgrade the PostgreSQL schema of cluster mode (contract:
 * ../shared/CONTRACT.md, "Cluster mode"). Safe to run again and from several machines at once
 * (src/cluster/pg/migrate.ts). Prints what it did; with --json, one JSON object
 * {"from": V0, "to": V, "applied": [{"version", "name"}]}.
 */
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { openPool, describePgError } from '../../cluster/pg/connect.ts';
import { migrate } from '../../cluster/pg/migrate.ts';
import { describeClusterError } from '../../cluster/errors.ts';

export function register(program: Command): void {
  program
    .command('migrate')
    .description('tạo hoặc nâng cấp lược đồ PostgreSQL của chế độ cụm (cluster mode schema)')
    .requiredOption('--pg <url>', 'địa chỉ PostgreSQL, dạng postgres://user:password@host:5432/database')
    .option('--json', 'in kết quả dạng JSON')
    .action(async (o: { pg: string; json?: boolean }) => {
      const explain = (e: unknown): unknown => {
        const msg = describeClusterError(e, (x) => describePgError(x, o.pg));
        return msg ? new UserError(msg) : e;
      };
      let pool;
      try {
        pool = openPool(o.pg, { max: 1, application: 'tra migrate' });
      } catch (e) {
        throw explain(e);
      }
      try {
        const r = await migrate(pool);
        if (o.json) {
          process.stdout.write(JSON.stringify(r) + '\n');
        } else if (r.applied.length === 0) {
          process.stdout.write(`Lược đồ đã ở phiên bản ${r.to}, không có gì để nâng cấp.\n`);
        } else {
          const list = r.applied.map((a) => `  ${a.version}: ${a.name}`).join('\n');
          process.stdout.write(`Đã nâng lược đồ từ phiên bản ${r.from} lên ${r.to}:\n${list}\n`);
        }
      } catch (e) {
        throw explain(e);
      } finally {
        await pool.end();
      }
    });
}
