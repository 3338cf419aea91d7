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
 */
import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { UserError } from '../errors.ts';
import { createProgress } from '../progress.ts';
import { openEngine } from './search.ts';
import type { DocInput } from '../../engine/index.ts';
import { readJsonl } from '../../store/jsonl.ts';
import { repairPublished } from '../../ingest/timestamps.ts';

export function register(program: Command): void {
  program
    .command('index')
    .description('đưa tài liệu JSON Lines (.jsonl, .jsonl.gz) vào kho và chỉ mục (index documents)')
    .requiredOption('--data <dir>', 'thư mục dữ liệu (tạo mới nếu chưa có)')
    .argument('<files...>', 'các tệp JSON Lines, mỗi dòng một tài liệu {"id", "title", "text", ...}')
    .option('--repair-dates', 'sửa giờ đăng sai đã biết (giờ trong URL Tuổi Trẻ; giờ UTC ghi nhầm +07:00), giữ giá trị gốc ở "published_given"')
    .action(async (files: string[], opts: { data: string; repairDates?: boolean }) => {
      for (const f of files) {
        if (!existsSync(f)) throw new UserError(`${f}: không tìm thấy tệp (file not found)`);
        if (!statSync(f).isFile()) throw new UserError(`${f}: không phải một tệp (not a file)`);
      }
      const t0 = performance.now();
      let skipped = 0;
      const bad = (msg: string) => {
        skipped++;
        process.stderr.write(msg + '\n');
      };
      async function* docs(): AsyncGenerator<DocInput> {
        for (const file of files) {
          for await (const { line, value } of readJsonl(file, bad)) {
            const id = value.id;
            if (typeof id === 'number' && Number.isFinite(id)) value.id = String(id);
            else if (typeof id !== 'string' || id === '') {
              bad(`${file}:${line}: thiếu trường "id" (missing "id": a non-empty string)`);
              continue;
            }
            if (opts.repairDates) {
              const r = repairPublished(value);
              if (r.repaired && r.published) {
                value.published_given = value.published;
                value.published = r.published;
              }
            }
            yield value as DocInput;
          }
        }
      }
      const engine = await openEngine(opts.data);
      const progress = createProgress('Đang lập chỉ mục');
      try {
        const { indexed } = await engine.add(docs(), { onProgress: (n) => progress.update(n) });
        progress.done();
        process.stdout.write(JSON.stringify({ indexed, skipped, ms: Math.round(performance.now() - t0) }) + '\n');
      } finally {
        progress.done();
        engine.close();
      }
    });
}
