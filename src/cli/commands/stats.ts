/** `tra stats --data DIR [--json]`: documents, segments, terms and bytes on disk (contract: ../shared/CONTRACT.md). */
import type { Command } from 'commander';
import { openEngine, checkDataDir } from './search.ts';
import { UserError } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('stats')
    .description('thống kê kho và chỉ mục: số tài liệu, phân đoạn (segments), từ khoá, dung lượng')
    .option('--data <dir>', 'thư mục dữ liệu')
    .option('--pg <url>', 'chế độ cụm: thống kê của cụm trong PostgreSQL (postgres://…) thay vì --data')
    .option('--json', 'in kết quả dạng JSON')
    .action(async (o: { data?: string; pg?: string; json?: boolean }) => {
      if (o.pg !== undefined) {
        if (o.data !== undefined) throw new UserError('--data và --pg không đi cùng nhau: hãy chọn một');
        return clusterStats(o.pg, o.json === true);
      }
      if (!o.data) throw new UserError('thiếu --data DIR (thư mục dữ liệu), hoặc --pg URL cho chế độ cụm');
      checkDataDir(o.data);
      const engine = await openEngine(o.data, { readOnly: true });
      try {
        const s = engine.stats();
        if (o.json) {
          process.stdout.write(JSON.stringify(s) + '\n');
          return;
        }
        const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
        process.stdout.write(
          [
            `tài liệu        : ${s.documents.toLocaleString('vi-VN')}${s.deleted ? ` (+${s.deleted.toLocaleString('vi-VN')} đã xoá, chờ gộp)` : ''}`,
            `phân đoạn       : ${s.segments}`,
            `từ khoá (terms) : ${s.terms.toLocaleString('vi-VN')}`,
            `dung lượng      : ${mb(s.bytes)} (kho ${mb(s.store_bytes)}, chỉ mục ${mb(s.index_bytes)})`,
          ].join('\n') + '\n',
        );
      } finally {
        engine.close();
      }
    });
}

/** `tra stats --pg URL [--json]`: documents acknowledged, published, and how far indexing lags. */
async function clusterStats(pgUrl: string, json: boolean): Promise<void> {
  const { openRole, RoleError, roleError } = await import('../../cluster/roles/role.ts');
  const { clusterStatistics } = await import('../../cluster/roles/stats.ts');
  let role;
  try {
    role = await openRole({ pg: pgUrl, name: 'stats', connections: 1 });
  } catch (e) {
    throw e instanceof RoleError ? new UserError(e.message) : e;
  }
  try {
    const s = await clusterStatistics(role.pool);
    if (json) {
      process.stdout.write(JSON.stringify(s) + '\n');
      return;
    }
    const n = (x: number) => x.toLocaleString('vi-VN');
    process.stdout.write(
      [
        `tài liệu đã nhận        : ${n(s.documents)}`,
        `đã công bố (tìm được)   : ${n(s.published)}`,
        `chờ lập chỉ mục         : ${n(s.unpublished)} (${n(s.jobs_pending)} việc, cũ nhất ${s.lag_seconds.toFixed(1)} giây)`,
        `phân mảnh / phân đoạn   : ${s.shards} / ${s.segments} (${(s.segment_bytes / 1048576).toFixed(1)} MB)`,
        `máy tìm kiếm đang chạy  : ${s.searchers}`,
      ].join('\n') + '\n',
    );
  } catch (e) {
    const err = roleError(e, pgUrl);
    throw err instanceof RoleError ? new UserError(err.message) : e;
  } finally {
    await role.pool.end();
  }
}
