/**
 * Attention and forecasts over HTTP (src/observe, openObservatory):
 *
 *   GET /api/attention?q=&interval=&from=&to=&by_source=&top=   exactly `tra attention --json`
 *   GET /api/forecast?q=&days=                                  exactly `tra forecast --json`
 *
 * Both are computed on the observatory's worker thread (observe-worker.ts), never on the thread
 * that serves requests, and cached there per request until new documents are counted. Until the
 * daily counts are ready both answer 503 with Retry-After, like /api/emerging.
 */
import type { FastifyInstance } from 'fastify';
import type { PluginOptions } from '../context.ts';
import type { Interval } from '../backend.ts';
import { BadRequest, NotFound } from '../errors.ts';
import { MAX_QUERY, errorResponse, filterProps } from '../schemas.ts';
import { NotReady, viewOf } from './observatory-pages.ts';
import { requestRange } from '../search-request.ts';

const TAGS = ['đài quan sát'];
const query = { type: 'string', minLength: 1, maxLength: MAX_QUERY, description: 'Truy vấn, có dấu hoặc không dấu, ví dụ "giá vàng".' } as const;
const errors = { 400: errorResponse, 404: errorResponse, 503: errorResponse };

const attentionQuerystring = {
  type: 'object',
  required: ['q'],
  properties: {
    q: query,
    interval: { type: 'string', enum: ['day', 'week', 'month'], default: 'day', description: 'Độ rộng mỗi cột: ngày, tuần (từ thứ Hai) hoặc tháng.' },
    from: filterProps.from,
    to: filterProps.to,
    by_source: { type: 'string', enum: ['0', '1', 'false', 'true'], default: '0', description: 'Thêm một chuỗi cho mỗi nguồn (`sources`), như `--by-source`.' },
    top: { type: 'integer', minimum: 0, maximum: 100, default: 10, description: 'Số từ, cụm từ nổi bật của các bài khớp (`top_terms`); 0: không tính.' },
  },
} as const;

const bucket = {
  type: 'object',
  required: ['start', 'count', 'total', 'share'],
  properties: {
    start: { type: 'string', description: 'Ngày đầu của cột (YYYY-MM-DD).' },
    count: { type: 'integer', description: 'Số bài khớp truy vấn.' },
    total: { type: 'integer', description: 'Tổng số bài trong cột (của nguồn đó, với chuỗi theo nguồn).' },
    share: { type: 'number', description: 'count / total: mức quan tâm đã chuẩn hoá theo lượng tin (0 khi cột trống).' },
  },
} as const;
const buckets = { type: 'array', items: bucket } as const;

const attentionResponse = {
  type: 'object',
  required: ['query', 'interval', 'total', 'buckets'],
  description: 'Giống hệt kết quả của `tra attention --json`.',
  additionalProperties: true,
  properties: {
    query: { type: 'string' },
    interval: { type: 'string', enum: ['day', 'week', 'month'] },
    total: { type: 'integer' },
    buckets,
    sources: {
      type: 'array',
      description: 'Chỉ khi by_source=1: mỗi nguồn một chuỗi trên cùng các cột, nhiều bài khớp nhất trước.',
      items: { type: 'object', required: ['source', 'total', 'buckets'], properties: { source: { type: 'string' }, total: { type: 'integer' }, buckets } },
    },
    top_terms: {
      type: 'array',
      description: 'Từ, cụm từ đặc trưng của các bài khớp (bỏ từ dừng), so với toàn bộ bài; không có khi top=0 hoặc không bài nào khớp.',
      items: {
        type: 'object',
        required: ['term', 'count', 'lift', 'score'],
        properties: {
          term: { type: 'string' },
          count: { type: 'integer', description: 'Số bài khớp có từ này.' },
          lift: { type: 'number', description: 'Tỉ lệ trong các bài khớp / tỉ lệ trong toàn bộ bài.' },
          score: { type: 'number', description: 'Log-likelihood G² của Dunning: số lần xuất hiện bất ngờ đến đâu.' },
        },
      },
    },
  },
} as const;

const forecastQuerystring = {
  type: 'object',
  required: ['q'],
  properties: {
    q: query,
    days: { type: 'integer', minimum: 1, maximum: 28, default: 7, description: 'Số ngày dự báo sau ngày cuối có dữ liệu.' },
  },
} as const;

const num = { type: 'number' } as const;
const forecastResponse = {
  type: 'object',
  required: ['query', 'last_day', 'history', 'forecast', 'model'],
  description: 'Giống hệt kết quả của `tra forecast --json`: dự báo điểm (mean) và khoảng dự báo 80%, 95%.',
  additionalProperties: true,
  properties: {
    query: { type: 'string' },
    last_day: { type: 'string', description: 'Ngày cuối có dữ liệu; dự báo bắt đầu từ ngày hôm sau.' },
    history: { type: 'array', description: 'Số bài mỗi ngày của tối đa 28 ngày cuối.', items: { type: 'object', required: ['date', 'count'], properties: { date: { type: 'string' }, count: num } } },
    forecast: {
      type: 'array',
      items: { type: 'object', required: ['date', 'mean', 'lo80', 'hi80', 'lo95', 'hi95'], properties: { date: { type: 'string' }, mean: num, lo80: num, hi80: num, lo95: num, hi95: num } },
    },
    model: { type: 'object', additionalProperties: true, properties: { method: { type: 'string' }, alpha: num, gamma: num, intervals: { type: 'string' } } },
  },
} as const;

/** The CLI refuses a query with nothing to count; so does the API. */
function countable(q: string): string {
  if (!/[\p{L}\p{N}]/u.test(q)) throw new BadRequest(`"q": truy vấn "${q}" không có từ nào để đếm (chỉ có dấu câu).`, 'q');
  return q;
}

export async function observatoryApi(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  app.get('/api/attention', {
    schema: {
      summary: 'Mức độ quan tâm theo thời gian: số bài khớp và tỉ lệ trên tổng số bài mỗi cột, theo nguồn, kèm từ nổi bật (như `tra attention --json`)',
      tags: TAGS,
      querystring: attentionQuerystring,
      response: { 200: attentionResponse, ...errors },
    },
  }, async (req) => {
    const qs = req.query as { q: string; interval: Interval; from?: string; to?: string; by_source: string; top: number };
    const q = countable(qs.q);
    const range = requestRange(qs);
    const o = viewOf(ctx);
    if (!o) throw new NotReady();
    return o.attention({ query: q, interval: qs.interval, from: range.from, to: range.to, bySource: qs.by_source === '1' || qs.by_source === 'true', top: qs.top });
  });

  app.get('/api/forecast', {
    schema: {
      summary: 'Dự báo số bài mỗi ngày cho một truy vấn trong những ngày tới, kèm khoảng dự báo 80% và 95% (như `tra forecast --json`)',
      tags: TAGS,
      querystring: forecastQuerystring,
      response: { 200: forecastResponse, ...errors },
    },
  }, async (req) => {
    const qs = req.query as { q: string; days: number };
    const q = countable(qs.q);
    const o = viewOf(ctx);
    if (!o) throw new NotReady();
    const out = await o.forecast(q, qs.days);
    if (!out) throw new NotFound('Chưa có bài nào có ngày đăng để dự báo: hãy lập chỉ mục tài liệu có trường "published".');
    return out;
  });
}
