/**
 * Deterministic synthetic news for the observatory's tests: a few outlets publishing every day
 * on recurring topics with a weekday rhythm, plus stories injected on chosen days. Written for
 * the tests (no real data is copied here).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dayOfIso, isoOfDay } from './counts.ts';
import { bucketStart, type TrendsSource } from './attention.ts';
import { parseTime, vietnamDay } from '../ingest/timestamps.ts';

/** A small deterministic pseudo-random generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOPICS = [
  'Giá vàng trong nước biến động nhẹ',
  'Ùn tắc giao thông giờ cao điểm ở Hà Nội',
  'Thời tiết nắng nóng kéo dài ở miền Trung',
  'Thị trường chứng khoán tăng điểm',
  'Sinh viên chuẩn bị kỳ thi học kỳ',
  'Bệnh viện quá tải bệnh nhân sốt xuất huyết',
  'Xuất khẩu nông sản sang châu Âu',
  'Giá xăng dầu điều chỉnh theo kỳ',
];
/** Football news: mostly at weekends. */
const WEEKEND = 'Vòng đấu bóng đá ngoại hạng Anh cuối tuần';

export interface FixtureDoc {
  [field: string]: string;
  id: string;
  title: string;
  summary: string;
  url: string;
  published: string;
  source: string;
}

export interface Injection {
  /** Day offset from the first day. */
  day: number;
  /** Documents added that day. */
  docs: number;
  title: string;
}

const DAY_MS = 86_400_000;

/**
 * `days` days of news from `start` (YYYY-MM-DD): ~`perDay` documents a day (fewer at weekends),
 * each on one recurring topic, plus the injected stories.
 */
export function syntheticNews(start: string, days: number, perDay: number, injections: Injection[] = [], seed = 7): FixtureDoc[] {
  const rand = rng(seed);
  const t0 = Date.parse(start + 'T00:00:00+07:00');
  const out: FixtureDoc[] = [];
  let n = 0;
  const push = (d: number, title: string, source: string) => {
    const ms = t0 + d * DAY_MS + Math.floor(rand() * 20) * 3_600_000 + 3_600_000;
    const id = `t${++n}`;
    out.push({
      id,
      title,
      summary: `Tin tức tổng hợp số ${n}.`,
      url: `https://example.vn/tin-${n}.html`,
      published: new Date(ms).toISOString(),
      source,
    });
  };
  for (let d = 0; d < days; d++) {
    const wd = new Date(t0 + d * DAY_MS + 7 * 3_600_000).getUTCDay(); // 0 = Sunday
    const weekend = wd === 0 || wd === 6;
    const count = Math.round(perDay * (weekend ? 0.6 : 1) * (0.9 + 0.2 * rand()));
    for (let i = 0; i < count; i++) push(d, TOPICS[Math.floor(rand() * TOPICS.length)], i % 2 ? 'Báo A' : 'Báo B');
    const football = weekend ? 6 : Math.floor(rand() * 2);
    for (let i = 0; i < football; i++) push(d, WEEKEND, 'Báo B');
    for (const inj of injections) if (inj.day === d) for (let i = 0; i < inj.docs; i++) push(d, inj.title, i % 2 ? 'Báo A' : 'Báo B');
  }
  return out;
}

/** A stand-in for the engine's trends: counts fixture documents whose title contains the query. */
export function fakeEngine(docs: FixtureDoc[]): TrendsSource {
  return {
    trends(req) {
      const interval = req.interval ?? 'day';
      const by = new Map<number, number>();
      let total = 0;
      for (const d of docs) {
        if (!d.title.toLowerCase().includes(req.query.toLowerCase())) continue;
        if (req.sources && !req.sources.includes(d.source)) continue;
        const day = dayOfIso(vietnamDay(parseTime(d.published)));
        if (req.from && day < dayOfIso(req.from)) continue;
        if (req.to && day > dayOfIso(req.to)) continue;
        const b = bucketStart(day, interval);
        by.set(b, (by.get(b) ?? 0) + 1);
        total++;
      }
      const keys = [...by.keys()].sort((a, b) => a - b);
      const buckets: { start: string; count: number }[] = [];
      if (keys.length) {
        for (let b = req.from ? bucketStart(dayOfIso(req.from), interval) : keys[0]; b <= (req.to ? dayOfIso(req.to) : keys[keys.length - 1]); b++) {
          if (bucketStart(b, interval) === b) buckets.push({ start: isoOfDay(b), count: by.get(b) ?? 0 });
        }
      }
      return { total, buckets };
    },
  };
}

/** A request a webhook receiver got. */
export interface Received {
  body: string;
  headers: IncomingMessage['headers'];
}

/** A real HTTP webhook receiver on the loopback interface; answers with the statuses given, then 200. */
export async function webhookReceiver(statuses: number[]): Promise<{ got: Received[]; url: string; close(): Promise<void> }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ body, headers: req.headers });
      res.statusCode = statuses.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { got, url, close: () => new Promise<void>((r) => server.close(() => r())) };
}
