/**
 * `tra index --data DIR FILE...`: add JSON Lines documents (.gz accepted) to the store and the
 * index (contract: ../shared/CONTRACT.md). Bad lines are reported as "FILE:LINE: ..." on stderr
 * and skipped; the last stdout line is {"indexed": N, "skipped": M, "ms": T}. Returns only once
 * everything is durable and searchable.
 *
 * `--repair-dates` dates each document by src/ingest's repaired publication time (Tuổi Trẻ's URL
 * timestamp, VnExpress/Thanh Niên times labelled +07:00 but written in UTC; see
 * docs/OBSERVATORY.md for the evidence). The value given is kept beside it as `published_given`,
 * so the defect stays visible. It is off by default: the contract dates documents "by
 * `published`" as given, and the observatory applies the same repair on its own.
 *
 * Field names other collectors use (`link`, `description`, `pubDate`, …: FIELD_ALIASES in
 * src/store/document.ts) are moved under the contract's names, said once per file on stderr; a
 * document with nothing to search, or with a link under a name we do not know, is reported once
 * per file with its first line and how many more. The sample articles of a first `tra start` are
 * removed once real documents are indexed (`--keep-samples` keeps them), and that is said too.
 */
import { isDiskFull } from '../../store/disk-full.ts';
import { catchUpObservatory } from '../observe-catch-up.ts';
import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { UserError } from '../errors.ts';
import { createProgress } from '../progress.ts';
import { openEngine } from './search.ts';
import type { DocInput } from '../../engine/index.ts';
import { readJsonl, type JsonlStats } from '../../store/jsonl.ts';
import { acceptDocument } from '../../store/accept.ts';
import { renameAliases, shapeWarnings, dropSamples, JSONL_HELP } from '../../store/document.ts';

export function register(program: Command): void {
  program
    .command('index')
    .description('đưa tài liệu JSON Lines (.jsonl, .jsonl.gz) vào kho và chỉ mục (index documents)')
    .option('--data <dir>', 'thư mục dữ liệu (tạo mới nếu chưa có)')
    .option('--pg <url>', 'chế độ cụm: ghi vào PostgreSQL (postgres://…) thay vì --data; tài liệu được tìm thấy khi một "tra indexer" đã công bố chúng')
    .option('--blob <path>', 'chế độ cụm: kho blob dùng chung (thư mục, hoặc s3://bucket/prefix), đi cùng --pg')
    .argument('<files...>', 'các tệp JSON Lines, mỗi dòng một tài liệu {"id", "title", "text", ...}')
    .option('--repair-dates', 'sửa giờ đăng sai đã biết (giờ trong URL Tuổi Trẻ; giờ UTC ghi nhầm +07:00), giữ giá trị gốc ở "published_given"')
    .option('--keep-samples', 'giữ các bài mẫu của "tra start" (mặc định: xoá chúng khi có tin thật)')
    .addHelpText('after', '\n' + JSONL_HELP)
    .action(async (files: string[], opts: { data?: string; pg?: string; blob?: string; repairDates?: boolean; keepSamples?: boolean }) => {
      for (const f of files) {
        if (!existsSync(f)) throw new UserError(`${f}: không tìm thấy tệp (file not found)`);
        if (!statSync(f).isFile()) throw new UserError(`${f}: không phải một tệp (not a file)`);
      }
      if (opts.pg !== undefined || opts.blob !== undefined) {
        if (opts.data !== undefined) throw new UserError('--data và --pg không đi cùng nhau: --data ghi vào một thư mục trên máy này, --pg --blob ghi vào cụm; hãy chọn một');
        if (!opts.pg || !opts.blob) throw new UserError('chế độ cụm cần cả --pg URL lẫn --blob PATH (ví dụ: tra index --pg postgres://localhost/tra --blob /srv/tra-blob tin.jsonl)');
        return indexIntoClusterCommand(files, { pg: opts.pg, blob: opts.blob, repairDates: opts.repairDates });
      }
      if (!opts.data) throw new UserError('thiếu --data DIR (thư mục dữ liệu), hoặc --pg URL --blob PATH cho chế độ cụm');
      const dataDir = opts.data;
      const t0 = performance.now();
      let skipped = 0;
      let broken = 0;
      const stats: JsonlStats = { replaced: 0, replacedLines: 0 };
      const bad = (msg: string) => {
        skipped++;
        process.stderr.write(msg + '\n');
      };
      let real = 0;
      async function* docs(): AsyncGenerator<DocInput> {
        for (const file of files) {
          const shape = new FileShape(file);
          const onBroken = (msg: string): void => {
            broken++;
            process.stderr.write(msg + '\n');
          };
          for await (const { line, value } of readJsonl(file, bad, { stats, onBroken })) {
            const r = acceptDocument(value, file, line, { repairDates: opts.repairDates, rename: (v) => shape.saw(line, v) });
            if ('error' in r) {
              bad(r.error);
              continue;
            }
            if (r.doc.sample !== true) real++;
            yield r.doc;
          }
          shape.report();
        }
      }
      const engine = await openEngine(dataDir);
      const progress = createProgress('Đang lập chỉ mục');
      let indexed: number;
      let samplesRemoved = 0;
      try {
        indexed = (await engine.add(docs(), { onProgress: (n) => progress.update(n) })).indexed;
        // Real news in: the made-up sample articles of a first `tra start` would mix with it.
        if (real > 0 && !opts.keepSamples) samplesRemoved = await dropSamples(engine);
      } catch (e) {
        progress.done();
        throw diskFull(e, dataDir) ?? e;
      } finally {
        progress.done();
        engine.close();
      }
      catchUpObservatory(dataDir);
      if (stats.replaced) process.stderr.write(`${stats.firstReplaced}: ${stats.replaced} chuỗi byte UTF-8 không hợp lệ trên ${stats.replacedLines} dòng đã được thay bằng U+FFFD (invalid UTF-8 replaced; first here)\n`);
      const summary: Record<string, number> = { indexed, skipped, ms: Math.round(performance.now() - t0) };
      if (stats.replaced) summary.replaced_utf8 = stats.replaced;
      if (broken) summary.broken_files = broken;
      if (samplesRemoved) {
        summary.samples_removed = samplesRemoved;
        process.stderr.write(`tra: đã xoá ${samplesRemoved} bài mẫu (samples/tin-mau.jsonl, tin giả lập) khỏi ${dataDir} vì đã có tin thật; muốn giữ chúng thì thêm --keep-samples\n`);
      }
      process.stdout.write(JSON.stringify(summary) + '\n');
      if (broken) {
        // The summary is printed (what was read is indexed and durable); the command still fails.
        process.exitCode = 1;
      }
    });
}

/**
 * `tra index --pg URL --blob PATH FILE...`: the same input and the same last line, into the
 * cluster (src/cluster/ingest); returns when the documents are durable in PostgreSQL.
 */
async function indexIntoClusterCommand(files: string[], o: { pg: string; blob: string; repairDates?: boolean }): Promise<void> {
  const { indexIntoCluster } = await import('../../cluster/ingest/index-into-cluster.ts');
  const { describePgError } = await import('../../cluster/pg/connect.ts');
  const { describeClusterError } = await import('../../cluster/errors.ts');
  const progress = createProgress('Đang ghi vào cụm');
  try {
    const r = await indexIntoCluster({
      pgUrl: o.pg, blobPath: o.blob, files, repairDates: o.repairDates,
      onProgress: (n) => progress.update(n),
      onMessage: (line) => {
        progress.done();
        process.stderr.write(line + '\n');
      },
    });
    progress.done();
    process.stdout.write(JSON.stringify(r.summary) + '\n');
    if (r.summary.broken_files) process.exitCode = 1;
  } catch (e) {
    progress.done();
    const msg = describeClusterError(e, (x) => describePgError(x, o.pg));
    throw msg ? new UserError(msg) : e;
  }
}

/** A full disk as one line naming the data directory and what to do; undefined for other errors. */
export function diskFull(e: unknown, dataDir: string): UserError | undefined {
  if (!isDiskFull(e)) return undefined;
  const err = e as NodeJS.ErrnoException;
  return new UserError(`${dataDir}: hết chỗ trên đĩa khi lập chỉ mục (disk full: ${err.code === 'ENOSPC' || err.code === 'EDQUOT' ? err.code : err.message}); các tài liệu đã ghi xong vẫn được giữ và sẽ được hoàn tất lần mở sau — giải phóng chỗ rồi chạy lại lệnh`);
}

/**
 * What one file's documents looked like: which aliases were renamed (said once per file) and
 * which shape problems were met (each said once, at its first line, with a count of the rest).
 */
class FileShape {
  private readonly aliases = new Map<string, number>();
  private readonly problems = new Map<string, { line: number; message: string; count: number }>();
  private readonly file: string;
  constructor(file: string) {
    this.file = file;
  }
  saw(line: number, doc: Record<string, unknown>): void {
    for (const [field, alias] of renameAliases(doc)) {
      const key = `"${alias}" → "${field}"`;
      this.aliases.set(key, (this.aliases.get(key) ?? 0) + 1);
    }
    for (const w of shapeWarnings(doc)) {
      const p = this.problems.get(w.kind);
      if (p) p.count++;
      else this.problems.set(w.kind, { line, message: w.message, count: 1 });
    }
  }
  report(): void {
    if (this.aliases.size) {
      process.stderr.write(`${this.file}: đã đổi tên trường theo chuẩn: ${[...this.aliases].map(([k, n]) => `${k} (${n} tài liệu)`).join(', ')} (field aliases renamed)\n`);
    }
    for (const p of this.problems.values()) {
      process.stderr.write(`${this.file}:${p.line}: ${p.message}${p.count > 1 ? ` (cùng vấn đề ở ${p.count - 1} tài liệu khác trong tệp)` : ''}; vẫn lập chỉ mục\n`);
    }
  }
}
