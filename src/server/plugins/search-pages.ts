/**
 * The home page and the results page (/tim-kiem). Plain HTML forms with GET: everything works
 * without JavaScript; suggest.js only adds completions to the search box.
 */
import type { FastifyInstance } from 'fastify';
import type { PluginOptions, ServerContext } from '../context.ts';
import type { EmergingResult, FacetValue, ObservatoryView, SearchHit, SearchResponse, SortOrder } from '../backend.ts';
import { html, type SafeHtml } from '../html.ts';
import { page, searchBox } from '../layout.ts';
import { highlight, termRanges } from '../highlight.ts';
import { formatDateTime, formatDay, formatNumber } from '../format.ts';
import { viewOf } from './observatory-pages.ts';
import { articlePath, link, safeHttpUrl, sourcePath } from '../urls.ts';
import { asList, pageRange, toSearchRequest, type FieldError } from '../search-request.ts';
import { BadRequest } from '../errors.ts';
import { MAX_OFFSET, MAX_QUERY } from '../schemas.ts';
import { hasDiacritics } from '../../vi/index.ts';
import { storyDetails } from '../story-html.ts';

interface ResultsQs {
  q?: string;
  from?: string;
  to?: string;
  source?: string[];
  category?: string[];
  sort?: SortOrder;
  page?: number;
}

/** Dates are checked by the route (pageRange): a mistyped one is said beside its box in the filters. */
const PAGE_DAY = { type: 'string', maxLength: 40 } as const;
const LIST = { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 50 } as const;
const FACET_SHOWN = 12;
const EXAMPLES = ['chuyen doi so', 'giá vàng', 'bao so 3', 'đường sắt tốc độ cao', 'học phí'];

export async function searchPages(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    let numbers: SafeHtml | string;
    try {
      const stats = await ctx.backend.stats();
      const sources = ctx.backend.sources ? (await ctx.backend.sources()).length : 0;
      numbers = html`<p class="numbers">${formatNumber(stats.documents)} bài${sources ? html` từ <a href="/nguon">${formatNumber(sources)} nguồn tin</a>` : ''} đã được lập chỉ mục.</p>`;
    } catch {
      numbers = '';
    }
    // Both are bounded in time: the home page never waits long for, or fails because of, them.
    const [stories, latest] = await Promise.all([homeStories(ctx), latestArticles(ctx)]);
    const body = html`<section class="home" aria-labelledby="home-title">
<h1 id="home-title">Tr<span>a</span></h1>
<p class="tagline">Tra cứu tin tức tiếng Việt — gõ có dấu hay không dấu đều được.</p>
${searchBox('', 'q-home', true)}
<p class="examples">Thử: ${EXAMPLES.map((e) => html`<a href="${link('/tim-kiem', { q: e })}">${e}</a>`)}</p>
${numbers}
</section>
<div class="home-news">
<section class="home-stories" aria-labelledby="obs-title">
<h2 id="obs-title">Đang nổi lên</h2>
${stories}
</section>
<section class="home-latest" aria-labelledby="latest-title">
<h2 id="latest-title">Tin mới nhất</h2>
${latest}
</section>
</div>`;
    return reply.type('text/html; charset=utf-8').send(page({ title: 'Tra — tìm kiếm tin tức tiếng Việt', body, headerSearch: false, nav: 'search' }));
  });

  app.get('/tro-giup/tim-kiem', { schema: { hide: true } }, async (_req, reply) => {
    return reply.type('text/html; charset=utf-8').send(page({ title: 'Cách gõ truy vấn — Tra', body: syntaxHelp(), nav: 'search' }));
  });

  app.get('/tim-kiem', {
    schema: {
      hide: true,
      querystring: {
        type: 'object',
        properties: {
          q: { type: 'string', maxLength: MAX_QUERY },
          from: PAGE_DAY,
          to: PAGE_DAY,
          source: LIST,
          category: LIST,
          sort: { type: 'string', enum: ['relevance', 'date'], default: 'relevance' },
          page: { type: 'integer', minimum: 1, default: 1 },
        },
      },
    },
  }, async (req, reply) => {
    const qs = req.query as ResultsQs;
    const q = (qs.q ?? '').trim();
    const from = qs.from?.trim() || undefined;
    const to = qs.to?.trim() || undefined;
    // A date that is not real, a range the wrong way round or outside every document: said
    // beside the date box it concerns (400), with the rest of the form kept as typed.
    const { error } = pageRange({ from, to });
    if (!q && !error) return reply.redirect('/');
    const pageNo = qs.page ?? 1;
    const offset = (pageNo - 1) * ctx.pageSize;
    if (offset > MAX_OFFSET) throw new BadRequest(`Chỉ xem được ${formatNumber(MAX_OFFSET)} kết quả đầu: hãy thu hẹp bằng bộ lọc ngày hay nguồn tin.`, 'page');
    const params: Params = { q, from, to, source: asList(qs.source), category: asList(qs.category), sort: qs.sort ?? 'relevance' };
    if (error) {
      const body = await resultsBody(ctx, params, pageNo, undefined, undefined, error);
      return reply.code(400).type('text/html; charset=utf-8').send(page({ title: `${q ? `${q} — ` : ''}Ngày chưa đúng — Tra`, body, q, nav: 'search' }));
    }
    const res = await ctx.backend.search({ ...toSearchRequest(params, ctx.pageSize, offset), facets: true });
    ctx.observeSearch(res.took_ms);
    const didYouMean = res.restored && res.restored !== q ? res.restored : await suggestAccents(ctx, q);
    const body = await resultsBody(ctx, params, pageNo, res, didYouMean);
    return reply.type('text/html; charset=utf-8').send(page({ title: `${q} — Tra`, body, q, nav: 'search' }));
  });
}

/** Emerging issues of the observatory's last day, and the newest articles, on the home page. */
const HOME_STORIES = 6;
const HOME_LATEST = 8;
/** The home page waits at most this long for the observatory (its answer is cached for the next visit). */
export const HOME_WAIT_MS = 1500;

/** The value of `p`, or `undefined` when it takes longer than `ms` (it goes on in the background). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((ok) => {
    timer = setTimeout(() => ok(undefined), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

const shift = (day: string, days: number): string => {
  const d = new Date(day + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

async function homeStories(ctx: ServerContext): Promise<SafeHtml> {
  const waiting = html`<p class="note" role="status">Đài quan sát đang đếm các bài theo ngày; các vấn đề nổi lên sẽ hiện ở đây sau ít phút.</p>`;
  const failing = html`<p class="note" role="status">Đài quan sát tạm thời không trả lời; hãy tải lại trang sau ít phút.</p>`;
  let o: ObservatoryView | undefined;
  try {
    o = viewOf(ctx);
  } catch {
    // Its worker cannot start (it is being retried).
    return failing;
  }
  if (!o) return waiting;
  const view = o;
  let got: EmergingResult | null | undefined;
  try {
    got = await within((async () => {
      const range = await view.range();
      return range ? view.emerging(range.last, HOME_STORIES) : null;
    })(), HOME_WAIT_MS);
  } catch {
    return failing;
  }
  if (got === undefined) return html`<p class="note" role="status">Đài quan sát đang tính các vấn đề nổi lên của ngày gần nhất; hãy tải lại trang sau ít giây.</p>`;
  if (got === null) return html`<p class="note">Chưa có bài nào có ngày đăng để quan sát.</p>`;
  const day = got.date;
  const more = html`<p class="more"><a href="${link('/quan-sat', { date: day })}">Xem đài quan sát ngày ${formatDay(day)}</a></p>`;
  if (got.items.length === 0) return html`<p class="note">Ngày <time datetime="${day}">${formatDay(day)}</time> không có vấn đề nào tăng vọt rõ rệt so với mức thường ngày của nó.</p>${more}`;
  return html`<p class="note">Ngày <time datetime="${day}">${formatDay(day)}</time>, so với mức thường ngày của chính chúng:</p>
<ol class="stories">${got.items.map((it) => html`<li><a href="${link('/tim-kiem', { q: it.label, from: day, to: day })}">${it.label}</a> <span class="n">${formatNumber(it.count)} bài, thường ${it.baseline.toFixed(1).replace('.', ',')}</span> <a class="trend" href="${link('/xu-huong', { q: it.label, from: shift(day, -30), to: day })}" aria-label="Xu hướng của ${it.label}">xu hướng</a> ${storyDetails(it)}</li>`)}</ol>
${more}`;
}

/**
 * The newest articles of every source, newest first. The catalogue keeps each source's articles
 * newest first, so this reads the first few of each and merges them (never the whole list).
 * Articles dated more than a day ahead (a misdated page) are left out.
 */
async function latestArticles(ctx: ServerContext): Promise<SafeHtml | ''> {
  const { browse, sources } = ctx.backend;
  if (!browse || !sources) return '';
  try {
    const got = await within((async () => {
      const names = (await sources.call(ctx.backend)).map((s) => s.value);
      const horizon = Date.now() + 86_400_000;
      const all: Array<SearchHit & { source: string; time: number }> = [];
      const pages = await Promise.all(names.map((name) => browse.call(ctx.backend, { sources: [name], limit: HOME_LATEST * 2, offset: 0 })));
      pages.forEach((res, i) => {
        for (const h of res.hits) {
          const time = h.published ? Date.parse(h.published) : NaN;
          if (Number.isFinite(time) && time <= horizon) all.push({ ...h, source: names[i], time });
        }
      });
      return all.sort((a, b) => b.time - a.time).slice(0, HOME_LATEST);
    })(), HOME_WAIT_MS);
    if (got === undefined) return html`<p class="note" role="status">Danh sách bài đang được đọc; hãy tải lại trang sau ít giây.</p>`;
    if (got.length === 0) return html`<p class="note">Chưa có bài nào có ngày đăng.</p>`;
    return html`<ul class="latest">${got.map((h) => html`<li><a href="${articlePath(h.id)}">${h.title || h.url || h.id}</a> <span class="meta"><a href="${sourcePath(h.source)}">${h.source}</a> <time datetime="${h.published}">${formatDateTime(h.published)}</time></span></li>`)}</ul>`;
  } catch {
    return html`<p class="note" role="status">Chưa đọc được danh sách bài mới nhất; hãy tải lại trang sau ít phút.</p>`;
  }
}

/** The accent-restored query, when the user typed without marks and restoring changes it. */
async function suggestAccents(ctx: ServerContext, q: string): Promise<string | undefined> {
  if (!ctx.backend.restore || hasDiacritics(q)) return undefined;
  try {
    const restored = await ctx.backend.restore(q);
    return restored && restored !== q ? restored : undefined;
  } catch {
    return undefined;
  }
}

interface Params {
  q: string;
  from?: string;
  to?: string;
  source: string[];
  category: string[];
  sort: SortOrder;
}

function linkWith(p: Params, changes: Partial<Params> & { page?: number }): string {
  const m = { ...p, ...changes };
  return link('/tim-kiem', { q: m.q, from: m.from, to: m.to, source: m.source, category: m.category, sort: m.sort === 'relevance' ? undefined : m.sort, page: changes.page && changes.page > 1 ? changes.page : undefined });
}

/**
 * Values to offer for a filter. When the filter is in use, its counts come from the same query
 * without that filter (one more count-only search), so the other values stay visible and can be
 * added: choosing "Tin Nhanh" must not hide "Báo Mẫu".
 */
async function facetValues(ctx: ServerContext, p: Params, res: SearchResponse | undefined, field: 'source' | 'category'): Promise<FacetValue[] | undefined> {
  let facets = res?.facets;
  if (res && (field === 'source' ? p.source : p.category).length > 0) {
    const without = toSearchRequest({ ...p, [field]: [] }, 0, 0);
    facets = (await ctx.backend.search({ ...without, facets: true, snippets: false })).facets ?? facets;
  }
  const f = field === 'source' ? facets?.sources : facets?.categories;
  if (f) return f;
  if (field === 'source' && ctx.backend.sources) return ctx.backend.sources();
  return undefined;
}

function checkboxes(name: string, legend: string, values: FacetValue[] | undefined, selected: string[]): SafeHtml | '' {
  const shown = new Map<string, number | undefined>();
  for (const v of (values ?? []).slice(0, FACET_SHOWN)) shown.set(v.value, v.count);
  for (const s of selected) if (!shown.has(s)) shown.set(s, undefined);
  if (shown.size === 0) return '';
  let i = 0;
  return html`<fieldset>
<legend>${legend}</legend>
${[...shown].map(([value, count]) => {
    const id = `${name}-${i++}`;
    return html`<label class="check" for="${id}"><input type="checkbox" id="${id}" name="${name}" value="${value}"${selected.includes(value) ? html` checked` : ''}> <span>${value}</span>${count !== undefined ? html`<span class="n">${formatNumber(count)}</span>` : ''}</label>`;
  })}
</fieldset>`;
}

/** A date box of the filters, with the problem beside it when its value cannot be used. */
function dateBox(id: string, name: 'from' | 'to', label: string, value: string | undefined, error?: FieldError): SafeHtml {
  const bad = error?.field === name;
  return html`<label for="${id}">${label}</label>
<input type="date" id="${id}" name="${name}" value="${value ?? ''}"${bad ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>
${bad ? html`<p class="field-error" id="${id}-error">${error.message}</p>` : ''}`;
}

async function filtersForm(ctx: ServerContext, p: Params, res: SearchResponse | undefined, error?: FieldError): Promise<SafeHtml> {
  const [sources, categories] = await Promise.all([facetValues(ctx, p, res, 'source'), facetValues(ctx, p, res, 'category')]);
  const any = p.from || p.to || p.source.length || p.category.length || p.sort !== 'relevance';
  return html`<aside class="filters" aria-labelledby="filters-title">
<h2 id="filters-title" class="visually-hidden">Bộ lọc</h2>
<form action="/tim-kiem" method="get" novalidate>
${p.q ? html`<input type="hidden" name="q" value="${p.q}">` : html`<label for="f-q">Từ khoá</label><input type="search" id="f-q" name="q" value="" maxlength="${MAX_QUERY}">`}
<fieldset>
<legend>Thời gian đăng</legend>
${dateBox('f-from', 'from', 'Từ ngày', p.from, error)}
${dateBox('f-to', 'to', 'Đến ngày', p.to, error)}
</fieldset>
${checkboxes('source', 'Nguồn tin', sources, p.source)}
${checkboxes('category', 'Chuyên mục', categories, p.category)}
<fieldset>
<legend><label for="f-sort">Sắp xếp</label></legend>
<select id="f-sort" name="sort">
<option value="relevance"${p.sort === 'relevance' ? html` selected` : ''}>Liên quan nhất</option>
<option value="date"${p.sort === 'date' ? html` selected` : ''}>Mới nhất</option>
</select>
</fieldset>
<button type="submit">Lọc kết quả</button>
${any ? html` <a href="${link('/tim-kiem', { q: p.q })}">Bỏ lọc</a>` : ''}
</form>
</aside>`;
}

function hitItem(h: SearchHit, q: string): SafeHtml {
  const title = h.title || h.url || h.id;
  const snippet = h.snippet ?? '';
  // The engine marks what matched (a pair typed side by side only where it stands so); the
  // page's own word matcher is only a fallback for hits that come without any marks.
  const ranges = h.highlights ?? termRanges(snippet, q);
  const url = safeHttpUrl(h.url);
  const when = h.published ? html`<time datetime="${h.published}">${formatDateTime(h.published)}</time>` : '';
  return html`<li class="hit">
<h2><a href="${articlePath(h.id)}">${highlight(title, h.title && h.title_highlights ? h.title_highlights : termRanges(title, q))}</a></h2>
<p class="meta">${h.source ? html`<a href="${sourcePath(h.source)}">${h.source}</a>` : ''}${when}${url ? html`<a href="${url}" rel="noopener nofollow">bài gốc</a>` : ''}</p>
${snippet ? html`<p class="snippet">${highlight(snippet, ranges)}</p>` : ''}
</li>`;
}

function pager(p: Params, pageNo: number, total: number, pageSize: number): SafeHtml | '' {
  const last = Math.max(1, Math.min(Math.ceil(total / pageSize), Math.floor(MAX_OFFSET / pageSize) + 1));
  if (last <= 1) return '';
  const first = Math.max(1, Math.min(pageNo - 4, last - 8));
  const pages: number[] = [];
  for (let n = first; n <= Math.min(last, first + 8); n++) pages.push(n);
  return html`<nav aria-label="Phân trang"><ul class="pager">
${pageNo > 1 ? html`<li><a href="${linkWith(p, { page: pageNo - 1 })}" rel="prev">‹ Trang trước</a></li>` : ''}
${pages.map((n) => (n === pageNo ? html`<li><span aria-current="page">${n}</span></li>` : html`<li><a href="${linkWith(p, { page: n })}" aria-label="Trang ${n}">${n}</a></li>`))}
${pageNo < last ? html`<li><a href="${linkWith(p, { page: pageNo + 1 })}" rel="next">Trang sau ›</a></li>` : ''}
</ul></nav>`;
}

async function resultsBody(ctx: ServerContext, p: Params, pageNo: number, res: SearchResponse | undefined, didYouMean: string | undefined, error?: FieldError): Promise<SafeHtml> {
  if (!res || error) {
    // Nothing was searched: the problem is named at the top and beside its box in the filters.
    return html`<h1 class="visually-hidden">${p.q ? `Kết quả tìm kiếm cho “${p.q}”` : 'Tìm kiếm'}</h1>
<div class="results-layout">
${await filtersForm(ctx, p, undefined, error)}
<section aria-label="Kết quả">
<div class="form-errors" role="alert"><p>${error?.message ?? ''}</p></div>
</section>
</div>`;
  }
  const start = (pageNo - 1) * ctx.pageSize;
  const summary = res.total === 0
    ? ''
    : html`<p class="summary" role="status">${res.hits.length ? html`Kết quả ${formatNumber(start + 1)}–${formatNumber(start + res.hits.length)} trong ` : ''}${res.total_exact === false ? 'hơn ' : ''}${formatNumber(res.total)} bài (${res.took_ms.toFixed(1).replace('.', ',')} ms) · <a href="${linkWith(p, { sort: p.sort === 'date' ? 'relevance' : 'date' })}">${p.sort === 'date' ? 'Xếp theo liên quan' : 'Xếp theo mới nhất'}</a> · <a href="${link('/xu-huong', { q: p.q })}">Xu hướng của “${p.q}”</a></p>`;
  const dym = didYouMean
    ? html`<p class="didyoumean">Có phải bạn muốn tìm: <a href="${linkWith(p, { q: didYouMean })}" lang="vi">${didYouMean}</a>?</p>`
    : '';
  const list = res.hits.length
    ? html`<ol class="hits" start="${start + 1}">${res.hits.map((h) => hitItem(h, p.q))}</ol>`
    : html`<div class="empty" role="status"><p>Không tìm thấy bài nào cho <strong>${p.q}</strong>${p.from || p.to || p.source.length || p.category.length ? ' với các bộ lọc này' : ''}.</p>
<ul><li>Thử bỏ bớt bộ lọc hoặc dùng ít từ hơn.</li><li>Kiểm tra chính tả; gõ không dấu cũng được.</li></ul></div>`;
  const warnings = res.warnings?.length
    ? html`<div class="query-warnings" role="note">${res.warnings.map((w) => html`<p>${w}</p>`)}<p><a href="/tro-giup/tim-kiem">Xem cách gõ truy vấn</a></p></div>`
    : '';
  return html`<h1 class="visually-hidden">Kết quả tìm kiếm cho “${p.q}”</h1>
<div class="results-layout">
${await filtersForm(ctx, p, res)}
<section aria-label="Kết quả">
${warnings}
${dym}
${summary}
${list}
${pager(p, pageNo, res.total, ctx.pageSize)}
</section>
</div>`;
}

/** The query syntax, in Vietnamese, with an example of each rule (src/engine/query/parse.ts). */
function syntaxHelp(): SafeHtml {
  // Examples in the text font: monospace fonts often lack the stacked Vietnamese marks.
  const ex = (q: string) => html`<a class="q" href="${link('/tim-kiem', { q })}">${q}</a>`;
  return html`<article class="help">
<h1>Cách gõ truy vấn</h1>
<p>Gõ các từ cần tìm, có dấu hay không dấu đều được. Tra tìm những bài có <strong>đủ mọi từ</strong> bạn gõ.</p>
<table>
<thead><tr><th scope="col">Gõ</th><th scope="col">Tìm</th></tr></thead>
<tbody>
<tr><td>${ex('giá vàng SJC')}</td><td>bài có đủ các từ. Hai chữ gõ liền nhau mà thường đi liền nhau thành một từ (<em>Hà Nội</em>, <em>giá vàng</em>) phải đứng liền nhau trong bài.</td></tr>
<tr><td>${ex('bão')}</td><td>chữ có dấu chỉ khớp đúng chữ đó: <em>bão</em>, không phải <em>báo</em>, <em>bảo</em> hay <em>bao</em>. Kiểu bỏ dấu cũ hay mới (<em>hoà</em>/<em>hòa</em>), chữ hoa hay thường đều như nhau.</td></tr>
<tr><td>${ex('bao so 3')}</td><td>gõ không dấu: khớp mọi cách bỏ dấu, cách đọc có khả năng nhất xếp trước (<em>bão số 3</em>) và được gợi ý ở đầu trang.</td></tr>
<tr><td>${ex('"đường sắt tốc độ cao"')}</td><td>trong ngoặc kép: các chữ đứng liền nhau, đúng thứ tự.</td></tr>
<tr><td>${ex('vàng -USD')}</td><td>dấu trừ ngay trước một từ hay một cụm "…": bỏ các bài có nó.</td></tr>
<tr><td>${ex('chuyển đ*')}</td><td>dấu sao cuối từ: mọi từ bắt đầu như vậy (<em>chuyển đổi</em>, <em>chuyển động</em>). Tối đa 4 từ có dấu sao trong một truy vấn.</td></tr>
<tr><td>${ex('"Đà Nẵng" OR Huế mưa lớn')}</td><td><code>OR</code> (viết hoa) giữa hai từ hay hai cụm: một trong hai là đủ. OR chỉ nối hai từ đứng sát nó: muốn nối cả cụm, đặt cụm trong ngoặc kép.</td></tr>
<tr><td>${ex('+giá +vàng')}</td><td>dấu cộng được chấp nhận, giống như không có: mọi từ vốn đã bắt buộc.</td></tr>
</tbody>
</table>
<h2>Câu hỏi và đoạn văn dài</h2>
<p>Một truy vấn dài hơn 8 chữ, hay một câu hỏi (có <em>gì</em>, <em>nào</em>, <em>sao</em>, <em>bao nhiêu</em>, dấu <code>?</code>…), được tìm như một câu hỏi: bài chỉ cần chứa một phần tư số từ (nhiều nhất là 3 từ), và được xếp theo mức độ liên quan. Khi đó con số kết quả có thể là <em>“hơn …”</em>: Tra ngừng đếm những bài không thể lọt vào trang đầu.</p>
<h2>Bộ lọc và thứ tự</h2>
<p>Ở trang kết quả, lọc theo ngày đăng, nguồn tin, chuyên mục; xếp theo <em>liên quan nhất</em> hoặc <em>mới nhất</em> (đúng thứ tự thời gian đăng). Tổng số kết quả, các trang, số đếm theo nguồn và biểu đồ xu hướng đều đếm cùng một tập bài.</p>
<p>Khi truy vấn có phần không dùng được (ngoặc kép chưa đóng, <code>OR</code> thiếu vế…), trang kết quả nói rõ phần đó ở trên cùng.</p>
</article>`;
}
