/**
 * The observatory's day counts follow the store at the end of every command that adds or removes
 * documents (`tra index`, `tra import-warc`, `tra crawl`, `tra delete`), so the first
 * `tra emerging`, `/quan-sat` or alert check after indexing answers at once instead of counting
 * a year of news first. The counts are derived data: when catching up fails for any reason but a
 * full disk, the documents stay indexed, one line says so, and the next reader catches up.
 */
import { syncFromStore } from '../observe/sync.ts';
import { isDiskFull } from '../store/disk-full.ts';
import { createProgress } from './progress.ts';
import { UserError } from './errors.ts';

export function catchUpObservatory(dataDir: string): void {
  const progress = createProgress('Cập nhật số liệu đài quan sát');
  try {
    syncFromStore(dataDir, (done, total) => progress.update(done, total));
  } catch (e) {
    progress.done();
    if (isDiskFull(e)) throw new UserError(`${dataDir}: hết chỗ trên đĩa khi cập nhật số liệu đài quan sát; tài liệu đã lập chỉ mục vẫn được giữ — giải phóng chỗ, số liệu sẽ tự cập nhật lần mở sau`);
    process.stderr.write(`tra: chưa cập nhật được số liệu đài quan sát (${e instanceof Error ? e.message : String(e)}); tài liệu đã lập chỉ mục vẫn được giữ, số liệu sẽ tự cập nhật lần mở sau\n`);
  } finally {
    progress.done();
  }
}
