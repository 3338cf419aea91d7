/**
 * JSON schemas shared by the API routes. Each route declares its schema once: fastify validates
 * input with it, serialises output with it, and @fastify/swagger turns it into /api/openapi.json.
 * The schema checks shapes (a date is a real YYYY-MM-DD, at most MAX_QUERIES queries); the
 * bounds that depend on today or on several fields at once (src/observe/bounds.ts) are checked
 * by the routes through search-request.ts.
 */
import { MAX_BUCKETS, MAX_QUERIES } from '../observe/bounds.ts';

export const MAX_LIMIT = 1000;
export const MAX_OFFSET = 10_000;
/** Long enough for a pasted question or paragraph. */
export const MAX_QUERY = 2000;

const date = (description: string) => ({ type: 'string', format: 'date', description: `${description} Ngày ngoài khoảng 1990-01-01 … ngày mai được đưa về mép khoảng đó; cả khoảng nằm ngoài thì bị từ chối (400).` }) as const;

export const filterProps = {
  from: date('Chỉ lấy bài đăng từ ngày này (YYYY-MM-DD, tính cả ngày đó, giờ Việt Nam).'),
  to: date('Chỉ lấy bài đăng đến ngày này (YYYY-MM-DD, tính cả ngày đó).'),
  source: { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 50, description: 'Chỉ lấy bài của nguồn này (lặp lại để chọn nhiều nguồn).' },
  category: { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 50, description: 'Chỉ lấy bài thuộc chuyên mục này (lặp lại được).' },
} as const;

export const searchQuerystring = {
  type: 'object',
  required: ['q'],
  properties: {
    q: { type: 'string', minLength: 1, maxLength: MAX_QUERY, description: 'Từ khoá, có dấu hoặc không dấu.' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 10, description: 'Số kết quả tối đa.' },
    offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, description: 'Bỏ qua bấy nhiêu kết quả đầu (dùng cursor thì tiện hơn).' },
    cursor: { type: 'string', maxLength: 200, description: 'Giá trị header X-Next-Cursor của trang trước (hoặc đi theo nguyên địa chỉ trong header Link rel="next"). Thân trả lời không có trường cursor: nó giữ đúng đối tượng của `tra search --json`.' },
    sort: { type: 'string', enum: ['relevance', 'date'], default: 'relevance', description: 'Xếp theo độ liên quan hoặc theo ngày đăng (mới nhất trước).' },
    facets: { type: 'boolean', default: false, description: 'Đếm kết quả theo nguồn và chuyên mục (như `tra search --facets`).' },
    ...filterProps,
  },
} as const;

const ranges = { type: 'array', items: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 } } as const;

export const hitSchema = {
  type: 'object',
  required: ['id', 'score'],
  // Whatever else the engine reports is passed through, so the API stays the CLI's object.
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    score: { type: 'number' },
    title: { type: 'string' },
    url: { type: 'string' },
    published: { type: 'string' },
    source: { type: 'string' },
    category: { type: 'string' },
    snippet: { type: 'string' },
    highlights: { ...ranges, description: 'Vị trí [đầu, cuối) các từ khớp trong snippet (đơn vị UTF-16).' },
    title_highlights: { ...ranges, description: 'Vị trí các từ khớp trong title.' },
  },
} as const;

const facetList = { type: 'array', items: { type: 'object', required: ['value', 'count'], properties: { value: { type: 'string' }, count: { type: 'integer' } } } } as const;

export const searchResponse = {
  type: 'object',
  required: ['total', 'took_ms', 'hits'],
  description: 'Giống hệt kết quả của `tra search --json`. Trang tiếp theo: header Link rel="next" và X-Next-Cursor.',
  additionalProperties: true,
  properties: {
    total: { type: 'integer' },
    total_exact: { type: 'boolean', description: 'false khi total là ước lượng (máy dừng đếm sớm để trả lời nhanh).' },
    took_ms: { type: 'number' },
    hits: { type: 'array', items: hitSchema },
    facets: { type: 'object', properties: { sources: facetList, categories: facetList } },
    restored: { type: 'string', description: 'Cách đọc có dấu mà máy dùng cho truy vấn gõ không dấu.' },
  },
} as const;

export const trendsQuerystring = {
  type: 'object',
  required: ['q'],
  properties: {
    q: { type: 'array', items: { type: 'string', minLength: 1, maxLength: MAX_QUERY }, minItems: 1, maxItems: MAX_QUERIES, description: `Một hay nhiều từ khoá (lặp lại q để so sánh, tối đa ${MAX_QUERIES}).` },
    interval: { type: 'string', enum: ['day', 'week', 'month'], default: 'day', description: `Độ rộng mỗi cột: ngày, tuần hoặc tháng. Mỗi chuỗi tối đa ${MAX_BUCKETS} cột: khoảng dài hơn theo ngày bị từ chối (400), hãy chọn tuần hoặc tháng.` },
    from: filterProps.from,
    to: filterProps.to,
  },
} as const;

export const trendsSeries = {
  type: 'object',
  required: ['query', 'interval', 'total', 'buckets'],
  additionalProperties: true,
  properties: {
    query: { type: 'string' },
    interval: { type: 'string', enum: ['day', 'week', 'month'] },
    total: { type: 'integer' },
    buckets: { type: 'array', items: { type: 'object', required: ['start', 'count'], properties: { start: { type: 'string' }, count: { type: 'integer' } } } },
  },
} as const;

export const errorResponse = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string', description: 'Thông báo tiếng Việt: sai ở đâu và cần làm gì.' },
    field: { type: 'string', description: 'Tham số bị sai.' },
  },
} as const;
