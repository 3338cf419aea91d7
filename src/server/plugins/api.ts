/**
 * The JSON API under /api. Every route declares its schema: input is validated (clear 400s, see
 * errors.ts), output is serialised by it, and /api/openapi.json is generated from it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PluginOptions } from '../context.ts';
import type { Interval, TrendsResponse } from '../backend.ts';
import { BadRequest, NotFound } from '../errors.ts';
import { decodeCursor, encodeCursor, fingerprint } from '../cursor.ts';
import { requestRange, toSearchRequest, type SearchParams } from '../search-request.ts';
import { alignSeries, toCsv } from '../trends-table.ts';
import { MAX_OFFSET, MAX_QUERY, errorResponse, searchQuerystring, searchResponse, trendsQuerystring, trendsSeries, filterProps } from '../schemas.ts';
import { MAX_QUERIES, checkBuckets, type Audience } from '../../observe/bounds.ts';

interface SearchQs extends SearchParams {
  limit: number;
  offset?: number;
  cursor?: string;
  facets?: boolean;
}

interface TrendsQs {
  q: string[];
  interval: Interval;
  from?: string;
  to?: string;
  format?: 'json' | 'csv';
  download?: boolean;
}

const errors = { 400: errorResponse, 404: errorResponse };

function nextUrl(req: FastifyRequest, cursor: string): string {
  const u = new URL(req.url, 'http://localhost');
  u.searchParams.delete('offset');
  u.searchParams.set('cursor', cursor);
  return u.pathname + u.search;
}

export async function apiRoutes(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  const { backend } = ctx;

  app.get('/api/search', {
    schema: {
      summary: 'Tìm kiếm',
      description: 'Trả về đúng đối tượng như `tra search --json`. Phân trang bằng cursor: header `Link: <...>; rel="next"` và `X-Next-Cursor`.',
      tags: ['tìm kiếm'],
      querystring: searchQuerystring,
      response: { 200: searchResponse, ...errors },
    },
  }, async (req, reply) => {
    const qs = req.query as SearchQs;
    const fp = fingerprint([qs.q, qs.from, qs.to, qs.source, qs.category, qs.sort]);
    const offset = qs.cursor ? decodeCursor(qs.cursor, fp) : (qs.offset ?? 0);
    if (offset > MAX_OFFSET) throw new BadRequest(`Chỉ xem được ${MAX_OFFSET} kết quả đầu: hãy thu hẹp truy vấn bằng bộ lọc.`, 'cursor');
    const res = await backend.search({ ...toSearchRequest(qs, qs.limit, offset), facets: qs.facets === true });
    ctx.observeSearch(res.took_ms);
    const next = offset + qs.limit;
    if (next < res.total && next <= MAX_OFFSET && res.hits.length > 0) {
      const c = encodeCursor(next, fp);
      reply.header('X-Next-Cursor', c);
      reply.header('Link', `<${nextUrl(req, c)}>; rel="next"`);
    }
    return res;
  });

  app.get('/api/documents/:id', {
    schema: {
      summary: 'Một bài, với mọi trường đã lưu',
      tags: ['bài viết'],
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 1000 } } },
      response: { 200: { type: 'object', required: ['id'], additionalProperties: true, properties: { id: { type: 'string' } } }, ...errors },
    },
  }, async (req) => {
    const { id } = req.params as { id: string };
    const doc = await backend.get(id);
    if (!doc) throw new NotFound(`Không có bài nào mang id "${id}".`);
    return doc;
  });

  app.get('/api/versions', {
    schema: {
      summary: 'Mọi phiên bản đã lưu của một bài (như `tra versions --json`)',
      tags: ['bài viết'],
      querystring: { type: 'object', required: ['url'], properties: { url: { type: 'string', minLength: 1, maxLength: 4000, description: 'Địa chỉ bài báo.' } } },
      response: {
        200: {
          type: 'object',
          required: ['url', 'versions'],
          properties: {
            url: { type: 'string' },
            versions: { type: 'array', items: { type: 'object', properties: { captured: { type: 'string' }, title: { type: 'string' }, text: { type: 'string' } } } },
          },
        },
        ...errors,
      },
    },
  }, async (req) => {
    const { url } = req.query as { url: string };
    if (!backend.versions) throw new NotFound('Kho lưu trữ phiên bản chưa có trong thư mục dữ liệu này: hãy thu thập bằng "tra crawl" trước.');
    return { url, versions: await backend.versions(url) };
  });

  app.get('/api/trends', {
    schema: {
      summary: 'Mức độ quan tâm theo thời gian của một từ khoá (như `tra trends --json`)',
      tags: ['xu hướng'],
      querystring: {
        type: 'object',
        required: ['q'],
        properties: { q: { type: 'string', minLength: 1, maxLength: MAX_QUERY }, interval: trendsQuerystring.properties.interval, from: filterProps.from, to: filterProps.to, source: filterProps.source, category: filterProps.category },
      },
      response: { 200: { ...trendsSeries, properties: { ...trendsSeries.properties, took_ms: { type: 'number' } } }, ...errors },
    },
  }, async (req) => {
    const qs = req.query as { q: string; interval: Interval; from?: string; to?: string; source?: string[]; category?: string[] };
    const range = requestRange(qs);
    const t0 = performance.now();
    // Filters as /api/search takes them (the observatory's attention by source asks one series per source).
    const res = await backend.trends({ query: qs.q, interval: qs.interval, from: range.from, to: range.to, ...(qs.source?.length ? { sources: qs.source } : {}), ...(qs.category?.length ? { categories: qs.category } : {}) });
    // An open range spans the data: refused, not sent, if that is more buckets than an answer holds.
    checkBuckets(res.buckets.length, qs.interval);
    return { ...res, took_ms: Math.round((performance.now() - t0) * 1000) / 1000 };
  });

  app.get('/api/trends/compare', {
    schema: {
      summary: 'So sánh nhiều từ khoá theo thời gian, dạng bảng (JSON hoặc CSV)',
      description: 'Một cột ngày chung (`starts`) và một dãy số cho mỗi từ khoá (`counts`), các khoảng trống điền 0. `format=csv` trả về CSV; `download=true` để tải về thành tệp.',
      tags: ['xu hướng'],
      querystring: {
        ...trendsQuerystring,
        properties: {
          ...trendsQuerystring.properties,
          format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
          download: { type: 'boolean', default: false },
        },
      },
      response: {
        200: {
          type: 'object',
          required: ['interval', 'queries', 'totals', 'starts', 'counts'],
          properties: {
            interval: { type: 'string' },
            queries: { type: 'array', items: { type: 'string' } },
            totals: { type: 'array', items: { type: 'integer' } },
            starts: { type: 'array', items: { type: 'string' } },
            counts: { type: 'array', items: { type: 'array', items: { type: 'integer' } } },
          },
        },
        ...errors,
      },
    },
  }, async (req, reply) => {
    const qs = req.query as TrendsQs;
    const table = await compareTrends(ctx.backend, qs.q, qs.interval, qs.from, qs.to);
    const name = `tra-xu-huong-${qs.interval}`;
    if (qs.format === 'csv') {
      reply.type('text/csv; charset=utf-8');
      if (qs.download) reply.header('Content-Disposition', `attachment; filename="${name}.csv"`);
      // A byte-order mark so spreadsheet programs read the Vietnamese text as UTF-8.
      return reply.send('\ufeff' + toCsv(table));
    }
    if (qs.download) reply.header('Content-Disposition', `attachment; filename="${name}.json"`);
    return table;
  });

  app.get('/api/sources', {
    schema: {
      summary: 'Các nguồn tin và số bài của mỗi nguồn',
      tags: ['nguồn tin'],
      response: {
        200: {
          type: 'object',
          required: ['sources'],
          properties: { sources: { type: 'array', items: { type: 'object', required: ['name', 'count'], properties: { name: { type: 'string' }, count: { type: 'integer' } } } } },
        },
      },
    },
  }, async () => {
    const list = backend.sources ? await backend.sources() : [];
    return { sources: list.map((s) => ({ name: s.value, count: s.count })) };
  });

  app.get('/api/stats', {
    schema: {
      summary: 'Số liệu của chỉ mục (như `tra stats --json`)',
      tags: ['vận hành'],
      response: { 200: { type: 'object', required: ['documents'], additionalProperties: true, properties: { documents: { type: 'integer' } } } },
    },
  }, async () => backend.stats());
}

/**
 * Run the trends of several queries (at most MAX_QUERIES) and line them up on one set of buckets.
 * The range is checked and bounded first (a 400 naming the field), and so is the shared axis.
 */
export async function compareTrends(backend: PluginOptions['ctx']['backend'], queries: string[], interval: Interval, from?: string, to?: string, who: Audience = 'api') {
  const unique = [...new Set(queries.map((q) => q.trim()).filter(Boolean))];
  if (unique.length > MAX_QUERIES) {
    throw new BadRequest(`${who === 'page' ? 'Số từ khoá' : '"q"'}: so sánh được tối đa ${MAX_QUERIES} từ khoá cùng lúc (nhận ${unique.length}); hãy bỏ bớt.`, 'q');
  }
  const range = requestRange({ from, to, interval }, who);
  const series: TrendsResponse[] = [];
  for (const q of unique) {
    const s = await backend.trends({ query: q, interval, from: range.from, to: range.to });
    checkBuckets(s.buckets.length, interval, who);
    series.push(s);
  }
  return alignSeries(series, interval, who);
}
