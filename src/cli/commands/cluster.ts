/**
 * `tra cluster …`: operator commands of cluster mode (docs/SCALE.md).
 * - `tra cluster sources add|list|remove --pg URL [SOURCE...]`: the feeds and sitemaps fetchers read;
 * - `tra cluster import --data DIR --pg URL --blob PATH`: a single-machine data directory into a
 *   cluster; `tra cluster export --pg URL --blob PATH --data DIR`: back (../../cluster/move/).
 */
import type { Command } from 'commander';
import { UserError } from '../errors.ts';

async function openOrExplain(pg: string, blob: string | undefined, name: string) {
  const { openRole, RoleError } = await import('../../cluster/roles/role.ts');
  try {
    return await openRole({ pg, blob, name });
  } catch (e) {
    throw e instanceof RoleError ? new UserError(e.message) : e;
  }
}

function oneLine(e: unknown): unknown {
  const name = (e as Error)?.name;
  return name === 'ClusterError' || name === 'MoveError' ? new UserError((e as Error).message) : e;
}

export function register(program: Command): void {
  const cluster = program.command('cluster').description('chế độ cụm: nguồn tin của các fetcher; chuyển một thư mục dữ liệu vào cụm và ngược lại');
  const sources = cluster.command('sources').description('các nguồn tin (RSS, Atom, JSON Feed, sitemap) mà các fetcher của cụm đọc');
  sources
    .command('add')
    .description('thêm nguồn tin vào cụm (nguồn đã có giữ nguyên)')
    .requiredOption('--pg <url>', 'địa chỉ PostgreSQL')
    .option('--name <name>', 'tên toà soạn của các nguồn này')
    .argument('<url...>', 'địa chỉ nguồn tin')
    .action(async (urls: string[], o: { pg: string; name?: string }) => {
      const { addSources } = await import('../../cluster/frontier/sources.ts');
      const role = await openOrExplain(o.pg, undefined, 'cluster sources');
      try {
        const n = await addSources(role.pool, urls, { name: o.name });
        process.stdout.write(JSON.stringify({ added: n, known: urls.length - n }) + '\n');
      } catch (e) {
        throw oneLine(e);
      } finally {
        await role.pool.end();
      }
    });
  sources
    .command('list')
    .description('liệt kê nguồn tin của cụm')
    .requiredOption('--pg <url>', 'địa chỉ PostgreSQL')
    .option('--json', 'mỗi nguồn một dòng JSON')
    .action(async (o: { pg: string; json?: boolean }) => {
      const { listClusterSources } = await import('../../cluster/frontier/sources.ts');
      const role = await openOrExplain(o.pg, undefined, 'cluster sources');
      try {
        for (const s of await listClusterSources(role.pool)) {
          process.stdout.write(o.json ? JSON.stringify(s) + '\n' : `${s.url}${s.name ? `  (${s.name})` : ''}  ${s.fetched_at ? `đọc lúc ${s.fetched_at.toISOString()}` : 'chưa đọc'}\n`);
        }
      } finally {
        await role.pool.end();
      }
    });
  sources
    .command('remove')
    .description('bỏ nguồn tin (bài đã thu giữ nguyên)')
    .requiredOption('--pg <url>', 'địa chỉ PostgreSQL')
    .argument('<url...>', 'địa chỉ nguồn tin')
    .action(async (urls: string[], o: { pg: string }) => {
      const { removeSources } = await import('../../cluster/frontier/sources.ts');
      const role = await openOrExplain(o.pg, undefined, 'cluster sources');
      try {
        process.stdout.write(JSON.stringify({ removed: await removeSources(role.pool, urls) }) + '\n');
      } finally {
        await role.pool.end();
      }
    });

  cluster
    .command('import')
    .description('chuyển tài liệu và kho lưu chiểu (bản lưu, tệp WARC) của một thư mục dữ liệu (một máy) vào cụm; chạy lại an toàn (những gì đã có, nội dung như cũ, được bỏ qua)')
    .requiredOption('--data <dir>', 'thư mục dữ liệu nguồn')
    .requiredOption('--pg <url>', 'địa chỉ PostgreSQL')
    .requiredOption('--blob <path>', 'kho blob của cụm (thư mục dùng chung hoặc s3://bucket/prefix)')
    .action(async (o: { data: string; pg: string; blob: string }) => {
      const { importDataDir } = await import('../../cluster/move/move.ts');
      const { createProgress } = await import('../progress.ts');
      const role = await openOrExplain(o.pg, o.blob, 'cluster import');
      const progress = createProgress('chuyển vào cụm');
      try {
        const r = await importDataDir(role.pool, o.data, (n, total) => progress.update(n, total), { blob: role.blob });
        progress.done();
        process.stdout.write(JSON.stringify(r) + '\n');
      } catch (e) {
        progress.done();
        throw oneLine(e);
      } finally {
        await role.pool.end();
      }
    });
  cluster
    .command('export')
    .description('chép tài liệu và kho lưu chiểu (bản lưu, tệp WARC) của cụm ra một thư mục dữ liệu (một máy) để dùng bằng tra search/serve --data; chạy lại an toàn')
    .requiredOption('--pg <url>', 'địa chỉ PostgreSQL')
    .requiredOption('--blob <path>', 'kho blob của cụm')
    .requiredOption('--data <dir>', 'thư mục dữ liệu đích (tạo nếu chưa có)')
    .action(async (o: { data: string; pg: string; blob: string }) => {
      const { exportToDataDir } = await import('../../cluster/move/move.ts');
      const { createProgress } = await import('../progress.ts');
      const role = await openOrExplain(o.pg, o.blob, 'cluster export');
      const progress = createProgress('chép ra thư mục');
      try {
        const r = await exportToDataDir(role.pool, o.data, (n, total) => progress.update(n, total), { blob: role.blob });
        progress.done();
        process.stdout.write(JSON.stringify(r) + '\n');
      } catch (e) {
        progress.done();
        if ((e as Error)?.name === 'EngineError') throw new UserError((e as Error).message);
        throw oneLine(e);
      } finally {
        await role.pool.end();
      }
    });
}
