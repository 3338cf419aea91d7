/**
 * The trends page (/xu-huong): attention over time for up to eight queries side by side. The
 * data is rendered into the page twice: as a table (readable without JavaScript, and by screen
 * readers) and as JSON for trends.js, which draws it with uPlot. With "Tỉ lệ trên tổng số bài"
 * (norm=1) each series is the share of all articles in the bucket, in percent (/api/attention's
 * `share`, computed on the observatory's worker), so a query's attention is not confused with the
 * volume of news. The CSV and JSON downloads (/xu-huong/tai-ve) hold exactly the numbers the page
 * shows, counts or shares, and say which; dates are d/m/yyyy on the page and ISO in the files.
 */
import type { FastifyInstance } from 'fastify';
import type { PluginOptions, ServerContext } from '../context.ts';
import type { Interval } from '../backend.ts';
import { html, jsonForScript, type SafeHtml } from '../html.ts';
import { page } from '../layout.ts';
import { formatBucket, formatDay, formatNumber } from '../format.ts';
import { link } from '../urls.ts';
import { asList, pageRange, requestRange, type FieldError } from '../search-request.ts';
import { compareTrends } from './api.ts';
import { toCsv, type TrendsTable, type TrendsUnit } from '../trends-table.ts';
import { MAX_QUERY } from '../schemas.ts';
import { MAX_QUERIES } from '../../observe/bounds.ts';
import { viewOf } from './observatory-pages.ts';

/** Query boxes on the form: as many as can be compared. */
const SLOTS = MAX_QUERIES;
/** Dates are checked by the route (pageRange), so a mistyped one is said beside its box. */
const PAGE_DAY = { type: 'string', maxLength: 40 } as const;
const INTERVALS: Array<[Interval, string]> = [['day', 'Ngày'], ['week', 'Tuần'], ['month', 'Tháng']];
const UNIT_WORD: Record<Interval, string> = { day: 'ngày', week: 'tuần', month: 'tháng' };

interface TrendsQs {
  q?: string[];
  interval?: Interval;
  from?: string;
  to?: string;
  norm?: string;
  format?: 'csv' | 'json';
}

const percent = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 2 });

const querystring = {
  type: 'object',
  properties: {
    q: { type: 'array', items: { type: 'string', maxLength: MAX_QUERY }, maxItems: MAX_QUERIES },
    interval: { type: 'string', enum: ['day', 'week', 'month'], default: 'day' },
    from: PAGE_DAY,
    to: PAGE_DAY,
    norm: { type: 'string', enum: ['', '0', '1'] },
  },
} as const;

function dateField(id: string, name: 'from' | 'to', label: string, value: string | undefined, error?: FieldError): SafeHtml {
  const bad = error?.field === name;
  return html`<div class="field"><label for="${id}">${label}</label><input id="${id}" name="${name}" type="date" value="${value ?? ''}"${bad ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>${bad ? html`<p class="field-error" id="${id}-error" role="alert">${error.message}</p>` : ''}</div>`;
}

function form(queries: string[], interval: Interval, from: string | undefined, to: string | undefined, norm: boolean, error?: FieldError): SafeHtml {
  const slots = [...queries, ...new Array<string>(Math.max(0, SLOTS - queries.length)).fill('')].slice(0, Math.max(SLOTS, queries.length));
  const intervalBad = error?.field === 'interval';
  return html`<form class="trends-form" action="/xu-huong" method="get" aria-label="Chọn từ khoá và khoảng thời gian" novalidate>
${slots.map((q, i) => html`<div class="field"><label for="tq-${i}">Từ khoá ${i + 1}</label><input id="tq-${i}" name="q" type="search" value="${q}" maxlength="${MAX_QUERY}"${i === 0 ? html` placeholder="ví dụ: giá vàng"` : ''}></div>`)}
<div class="field"><label for="t-interval">Mỗi cột</label><select id="t-interval" name="interval"${intervalBad ? html` aria-invalid="true" aria-describedby="t-interval-error"` : ''}>
${INTERVALS.map(([v, label]) => html`<option value="${v}"${v === interval ? html` selected` : ''}>${label}</option>`)}
</select>${intervalBad ? html`<p class="field-error" id="t-interval-error" role="alert">${error.message}</p>` : ''}</div>
${dateField('t-from', 'from', 'Từ ngày', from, error)}
${dateField('t-to', 'to', 'Đến ngày', to, error)}
<div class="field check"><input id="t-norm" name="norm" type="checkbox" value="1"${norm ? html` checked` : ''}><label for="t-norm">Tỉ lệ trên tổng số bài</label></div>
<div class="field submit"><button type="submit">Vẽ biểu đồ</button></div>
</form>`;
}

function table(t: TrendsTable, unit: TrendsUnit): SafeHtml {
  // Open by default: without JavaScript the table is the chart. trends.js closes it once it draws.
  return html`<details id="trends-table" open><summary>Xem bảng số liệu</summary>
<table><caption class="visually-hidden">${unit === 'percent' ? 'Tỉ lệ bài (%) trên tổng số bài' : 'Số bài'} theo ${UNIT_WORD[t.interval]}</caption>
<thead><tr><th scope="col">${t.interval === 'day' ? 'Ngày' : t.interval === 'week' ? 'Tuần' : 'Tháng'}</th>${t.queries.map((q) => html`<th scope="col" class="num">${q}</th>`)}</tr></thead>
<tbody>${t.starts.map((s, j) => html`<tr><th scope="row"><time datetime="${s}">${formatBucket(s, t.interval)}</time></th>${t.counts.map((c) => html`<td class="num">${unit === 'percent' ? `${percent.format(c[j])}%` : formatNumber(c[j])}</td>`)}</tr>`)}</tbody>
</table></details>`;
}

interface PageTable {
  table: TrendsTable;
  unit: TrendsUnit;
  /** Shares were asked for while the observatory is still counting: the numbers are counts. */
  sharesPending: boolean;
}

/** The numbers the page, its chart and its downloads show: counts, or with norm=1 each bucket's share of all articles (percent). */
async function trendsTable(ctx: ServerContext, queries: string[], interval: Interval, from: string | undefined, to: string | undefined, norm: boolean): Promise<PageTable> {
  const t = await compareTrends(ctx.backend, queries, interval, from, to, 'page');
  if (!norm) return { table: t, unit: 'count', sharesPending: false };
  const obs = viewOf(ctx);
  if (!obs) return { table: t, unit: 'count', sharesPending: true };
  if (t.starts.length === 0) return { table: t, unit: 'percent', sharesPending: false };
  const range = requestRange({ from, to, interval }, 'page');
  const answers = await Promise.all(t.queries.map((q) => obs.attention({ query: q, interval, from: range.from, to: range.to, bySource: false, top: 0 })));
  t.counts = answers.map((a) => {
    const byStart = new Map(a.buckets.map((b) => [b.start.slice(0, 10), b.share]));
    return t.starts.map((st) => Math.round((byStart.get(st) ?? 0) * 1e6) / 1e4);
  });
  return { table: t, unit: 'percent', sharesPending: false };
}

function rangeWords(from?: string, to?: string): SafeHtml | '' {
  if (!from && !to) return '';
  return html` (${from ? html`từ <time datetime="${from}">${formatDay(from)}</time>` : ''}${from && to ? ' ' : ''}${to ? html`đến <time datetime="${to}">${formatDay(to)}</time>` : ''})`;
}

export async function trendsPages(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  app.get('/xu-huong', { schema: { hide: true, querystring } }, async (req, reply) => {
    const qs = req.query as TrendsQs;
    const queries = [...new Set(asList(qs.q))];
    const interval = qs.interval ?? 'day';
    const from = qs.from?.trim() || undefined;
    const to = qs.to?.trim() || undefined;
    const norm = qs.norm === '1';
    // Real dates, in order, inside the plausible window, and few enough buckets: otherwise the
    // reason is shown beside the control it concerns, and the page answers 400.
    const { error } = pageRange({ from, to, interval });
    let result: SafeHtml;
    if (error) {
      reply.code(400);
      result = html`<p class="note" role="status">Hãy sửa ô được đánh dấu ở trên rồi bấm “Vẽ biểu đồ”.</p>`;
    } else if (queries.length === 0) {
      result = html`<p class="note">Nhập một hay nhiều từ khoá (tối đa ${MAX_QUERIES}) để so sánh mức độ được nhắc đến theo thời gian (số bài mỗi ngày, tuần hoặc tháng, theo giờ Việt Nam).</p>`;
    } else {
      const { table: t, unit, sharesPending } = await trendsTable(ctx, queries, interval, from, to, norm);
      const params = { q: queries, interval, from, to, norm: norm ? '1' : undefined };
      result = html`<p class="summary" role="status">${t.queries.map((q, i) => html`${i ? ' · ' : ''}<a href="${link('/tim-kiem', { q, from, to })}">${q}</a>: ${formatNumber(t.totals[i])} bài`)}${rangeWords(from, to)}</p>
<figure id="trends-figure" hidden>
<div id="trends-chart" class="chart" role="img" aria-label="Biểu đồ ${unit === 'percent' ? 'tỉ lệ bài trên tổng số bài' : 'số bài'} theo thời gian của: ${t.queries.join(', ')}"></div>
<figcaption class="visually-hidden">${unit === 'percent' ? 'Tỉ lệ bài nhắc đến mỗi từ khoá trên tổng số bài' : 'Số bài nhắc đến mỗi từ khoá'} theo thời gian</figcaption>
</figure>
${sharesPending ? html`<p class="note" role="status">Đài quan sát đang đếm các bài theo ngày nên chưa tính được tỉ lệ; biểu đồ, bảng và tệp tải về đang là số bài. Hãy thử lại sau ít phút.</p>` : ''}
<script type="application/json" id="trends-data">${jsonForScript(unit === 'percent' ? { ...t, unit } : t)}</script>
<p class="downloads">Tải về (${unit === 'percent' ? 'tỉ lệ %' : 'số bài'}): <a href="${link('/xu-huong/tai-ve', { ...params, format: 'csv' })}" download>CSV</a> <a href="${link('/xu-huong/tai-ve', { ...params, format: 'json' })}" download>JSON</a></p>
${t.starts.length ? table(t, unit) : html`<p>Không có bài nào khớp trong khoảng thời gian này.</p>`}`;
    }
    const body = html`<h1>Xu hướng theo thời gian</h1>
${form(queries, interval, from, to, norm, error)}
${result}`;
    return reply.type('text/html; charset=utf-8').send(page({
      title: queries.length ? `Xu hướng: ${queries.join(', ')} — Tra` : 'Xu hướng — Tra',
      body,
      nav: 'trends',
      styles: ['/static/uplot.min.css'],
      scripts: queries.length && !error ? ['/static/uplot.min.js', '/static/trends.js'] : [],
    }));
  });

  // The page's numbers as a file: what the table shows (counts, or shares in percent with norm=1), ISO dates.
  app.get('/xu-huong/tai-ve', {
    schema: {
      hide: true,
      querystring: { ...querystring, required: ['q'], properties: { ...querystring.properties, q: { ...querystring.properties.q, minItems: 1 }, format: { type: 'string', enum: ['csv', 'json'], default: 'csv' } } },
    },
  }, async (req, reply) => {
    const qs = req.query as TrendsQs;
    const interval = qs.interval ?? 'day';
    const from = qs.from?.trim() || undefined;
    const to = qs.to?.trim() || undefined;
    const { table: t, unit } = await trendsTable(ctx, asList(qs.q), interval, from, to, qs.norm === '1');
    const name = `tra-xu-huong-${interval}${unit === 'percent' ? '-ti-le' : ''}`;
    if (qs.format === 'json') {
      reply.header('Content-Disposition', `attachment; filename="${name}.json"`);
      return reply.type('application/json; charset=utf-8').send(JSON.stringify({ interval: t.interval, unit, queries: t.queries, totals: t.totals, starts: t.starts, counts: t.counts }));
    }
    reply.header('Content-Disposition', `attachment; filename="${name}.csv"`);
    // A byte-order mark so spreadsheet programs read the Vietnamese text as UTF-8.
    return reply.type('text/csv; charset=utf-8').send('\ufeff' + toCsv(t, unit));
  });
}
