/**
 * `tra crawl --data DIR [--once] [--source URL]... [--delay-ms N]` (contract: ../shared/CONTRACT.md).
 * With --once: one run (resumed if the last one was killed), then the JSON line
 * `{"fetched", "articles", "errors", ...}`. Without: a run every --interval minutes until Ctrl-C,
 * one JSON line per run.
 */
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { createProgress } from '../progress.ts';
import { catchUpObservatory } from '../observe-catch-up.ts';
import { Crawler, type CrawlReport } from '../../archive/crawler.ts';

interface Opts {
  data: string;
  once?: boolean;
  source: string[];
  delayMs?: string;
  parallel?: string;
  timeoutMs?: string;
  maxPerList?: string;
  interval?: string;
  userAgent?: string;
  index: boolean;
  verbose?: boolean;
  allowPrivateAddresses?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function intOpt(v: string | undefined, name: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError(`--${name} phải là số nguyên ≥ ${min} (nhận được "${v}")`);
  return n;
}

function checkSource(url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
  } catch {
    /* fall through */
  }
  throw new UserError(`--source "${url}" không phải địa chỉ http(s) của một feed hay sitemap`);
}

function line(r: CrawlReport): string {
  const { fetched, articles, errors, unchanged, new_versions, blocked, gone, indexed, resumed, ms } = r;
  const recovered_bytes = r.recovered.reduce((n, x) => n + x.droppedBytes, 0);
  return JSON.stringify({ fetched, articles, errors, unchanged, new_versions, blocked, gone, indexed, resumed, recovered_bytes, ms });
}

export function register(program: Command): void {
  program
    .command('crawl')
    .description('thu thập tin bài từ các nguồn (RSS, Atom, JSON Feed, sitemap): tải lịch sự, lưu WARC, trích xuất, lưu phiên bản, đưa vào chỉ mục')
    .requiredOption('--data <dir>', 'thư mục dữ liệu')
    .option('--once', 'thu thập một lượt rồi dừng')
    .option('--source <url>', 'feed hoặc sitemap cần đọc (lặp lại được); mặc định: các nguồn đã cấu hình', collect, [])
    .option('--delay-ms <n>', 'khoảng nghỉ tối thiểu giữa hai yêu cầu tới cùng một máy chủ (ms)', '1000')
    .option('--parallel <n>', 'số máy chủ tải song song', '4')
    .option('--timeout-ms <n>', 'thời gian chờ tối đa cho một yêu cầu (ms)', '30000')
    .option('--max-per-list <n>', 'số bài tối đa lấy từ một feed/sitemap mỗi lượt', '1000')
    .option('--interval <minutes>', 'không có --once: nghỉ bao nhiêu phút giữa hai lượt', '15')
    .option('--user-agent <ua>', 'User-Agent (nên có địa chỉ liên hệ)')
    .option('--no-index', 'không đưa vào chỉ mục ngay (để lần sau)')
    .option('--allow-private-addresses', 'cho phép tải từ địa chỉ nội bộ (loopback, mạng riêng, link-local); mặc định chỉ nguồn đã khai báo mới được')
    .option('-v, --verbose', 'in chi tiết từng lỗi ra stderr')
    .action(async (o: Opts) => {
      const sources = o.source.map(checkSource);
      const delayMs = intOpt(o.delayMs, 'delay-ms')!;
      const parallelHosts = intOpt(o.parallel, 'parallel', 1);
      const timeoutMs = intOpt(o.timeoutMs, 'timeout-ms', 1);
      const maxPerList = intOpt(o.maxPerList, 'max-per-list', 1);
      const intervalMin = intOpt(o.interval, 'interval', 1)!;
      const progress = createProgress('thu thập');
      const ac = new AbortController();
      const stop = (): void => ac.abort();
      if (!o.once) {
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      }
      const crawler = new Crawler({
        dataDir: o.data, sources, delayMs, parallelHosts, timeoutMs, maxPerList, userAgent: o.userAgent,
        sink: o.index ? undefined : null, signal: o.once ? undefined : ac.signal,
        allowPrivateAddresses: o.allowPrivateAddresses === true,
        onProgress: (done, total, detail) => progress.update(done, total, detail),
        log: o.verbose ? (l) => process.stderr.write(`tra: ${l}\n`) : undefined,
        // Refused addresses, bodies over the limit, list bounds: always said, once each.
        notice: (l) => {
          progress.done();
          process.stderr.write(`tra: ${l}\n`);
        },
      });
      try {
        for (;;) {
          const report = await crawler.runOnce();
          progress.done();
          if (o.index) catchUpObservatory(o.data);
          process.stdout.write(line(report) + '\n');
          if (o.once || ac.signal.aborted) break;
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, intervalMin * 60_000);
            ac.signal.addEventListener('abort', () => {
              clearTimeout(t);
              resolve();
            }, { once: true });
          });
          if (ac.signal.aborted) break;
        }
      } finally {
        progress.done();
        await crawler.close();
      }
    });
}
