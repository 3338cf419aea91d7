/**
 * The trends page (/xu-huong): attention over time for one or several queries side by side. The
 * data is rendered into the page twice: as a table (readable without JavaScript, and by screen
 * readers) and as JSON for trends.js, which draws it with uPlot. CSV and JSON downloads come from
 * /api/trends/compare. With "Tỉ lệ trên tổng số bài" (norm=1) each series is the share of all
 * articles in the bucket, in percent (/api/attention's `share`, computed on the observatory's
 * worker), so a query's attention is not confused with the volume of news.
 */
import type { FastifyInstance } from 'fastify';
import type { PluginOptions } from '../context.ts';
import type { Interval } from '../backend.ts';
import { html, jsonForScript, type SafeHtml } from '../html.ts';
import { page } from '../layout.ts';
import { formatNumber } from '../format.ts';
import { link } from '../urls.ts';
import { asList, requestRange } from '../search-request.ts';
import { compareTrends } from './api.ts';
import type { TrendsTable } from '../trends-table.ts';
import { MAX_QUERY } from '../schemas.ts';
import { MAX_QUERIES } from '../../observe/bounds.ts';
import { viewOf } from './observatory-pages.ts';

const SLOTS = 4;
const OPTIONAL_DAY = { type: 'string', pattern: '^(\\d{4}-\\d{2}-\\d{2})?$' } as const;
const INTERVALS: Array<[Interval, string]> = [['day', 'Ngày'], ['week', 'Tuần'], ['month', 'Tháng']];

interface TrendsQs {
  q?: string[];
  interval?: Interval;
  from?: string;
  to?: string;
  norm?: string;
}

const percent = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 2 });

function form(queries: string[], interval: Interval, from?: string, to?: string, norm = false): SafeHtml {
  const slots = [...queries, ...new Array<string>(Math.max(0, SLOTS - queries.length)).fill('')].slice(0, Math.max(SLOTS, queries.length));
  return html`<form class="trends-form" action="/xu-huong" method="get" aria-label="Chọn từ khoá và khoảng thời gian">
${slots.map((q, i) => html`<div class="field"><label for="tq-${i}">Từ khoá ${i + 1}</label><input id="tq-${i}" name="q" type="search" value="${q}" maxlength="${MAX_QUERY}"${i === 0 ? html` placeholder="ví dụ: giá vàng"` : ''}></div>`)}
<div class="field"><label for="t-interval">Mỗi cột</label><select id="t-interval" name="interval">
${INTERVALS.map(([v, label]) => html`<option value="${v}"${v === interval ? html` selected` : ''}>${label}</option>`)}
</select></div>
<div class="field"><label for="t-from">Từ ngày</label><input id="t-from" name="from" type="date" value="${from ?? ''}"></div>
<div class="field"><label for="t-to">Đến ngày</label><input id="t-to" name="to" type="date" value="${to ?? ''}"></div>
<div class="field"><label for="t-norm"><input id="t-norm" name="norm" type="checkbox" value="1"${norm ? html` checked` : ''}> Tỉ lệ trên tổng số bài</label></div>
<div class="field"><button type="submit">Vẽ biểu đồ</button></div>
</form>`;
}

function table(t: TrendsTable, shares: boolean): SafeHtml {
  // Open by default: without JavaScript the table is the chart. trends.js closes it once it draws.
  return html`<details id="trends-table" open><summary>Xem bảng số liệu</summary>
<table><caption class="visually-hidden">${shares ? 'Tỉ lệ bài (%) trên tổng số bài' : 'Số bài'} theo ${t.interval === 'day' ? 'ngày' : t.interval === 'week' ? 'tuần' : 'tháng'}</caption>
<thead><tr><th scope="col">Bắt đầu</th>${t.queries.map((q) => html`<th scope="col" class="num">${q}</th>`)}</tr></thead>
<tbody>${t.starts.map((s, j) => html`<tr><th scope="row">${s}</th>${t.counts.map((c) => html`<td class="num">${shares ? `${percent.format(c[j])}%` : c[j]}</td>`)}</tr>`)}</tbody>
</table></details>`;
}

export async function trendsPages(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  app.get('/xu-huong', {
    schema: {
      hide: true,
      querystring: {
        type: 'object',
        properties: {
          q: { type: 'array', items: { type: 'string', maxLength: MAX_QUERY }, maxItems: MAX_QUERIES },
          interval: { type: 'string', enum: ['day', 'week', 'month'], default: 'day' },
          from: OPTIONAL_DAY,
          to: OPTIONAL_DAY,
          norm: { type: 'string', enum: ['', '0', '1'] },
        },
      },
    },
  }, async (req, reply) => {
    const qs = req.query as TrendsQs;
    const queries = [...new Set(asList(qs.q))];
    const interval = qs.interval ?? 'day';
    const from = qs.from || undefined;
    const to = qs.to || undefined;
    // Real dates, in order, inside the plausible window, and few enough buckets (a 400 page naming the field).
    requestRange({ from, to, interval }, 'page');
    let result: SafeHtml;
    if (queries.length === 0) {
      result = html`<p class="note">Nhập một hay nhiều từ khoá để so sánh mức độ được nhắc đến theo thời gian (số bài mỗi ngày, tuần hoặc tháng, theo giờ Việt Nam).</p>`;
    } else {
      const t = await compareTrends(ctx.backend, queries, interval, from, to, 'page');
      // Normalised: each bucket's share of all articles (percent), from the observatory's worker.
      const obs = qs.norm === '1' ? viewOf(ctx) : undefined;
      const shares = obs !== undefined && t.starts.length > 0;
      if (obs && shares) {
        const range = requestRange({ from, to, interval }, 'page');
        const answers = await Promise.all(t.queries.map((q) => obs.attention({ query: q, interval, from: range.from, to: range.to, bySource: false, top: 0 })));
        t.counts = answers.map((a) => {
          const byStart = new Map(a.buckets.map((b) => [b.start.slice(0, 10), b.share]));
          return t.starts.map((st) => Math.round((byStart.get(st) ?? 0) * 1e6) / 1e4);
        });
      }
      const params = { q: queries, interval, from, to };
      result = html`<p class="summary" role="status">${t.queries.map((q, i) => html`${i ? ' · ' : ''}<a href="${link('/tim-kiem', { q, from, to })}">${q}</a>: ${formatNumber(t.totals[i])} bài`)}</p>
<figure id="trends-figure" hidden>
<div id="trends-chart" class="chart" role="img" aria-label="Biểu đồ số bài theo thời gian của: ${t.queries.join(', ')}"></div>
<figcaption class="visually-hidden">Số bài nhắc đến mỗi từ khoá theo thời gian</figcaption>
</figure>
${qs.norm === '1' && !obs ? html`<p class="note" role="status">Đài quan sát đang đếm các bài theo ngày nên chưa tính được tỉ lệ; biểu đồ đang hiện số bài. Hãy thử lại sau ít phút.</p>` : ''}
<script type="application/json" id="trends-data">${jsonForScript(shares ? { ...t, unit: 'percent' } : t)}</script>
<p class="downloads">Tải về: <a href="${link('/api/trends/compare', { ...params, format: 'csv', download: 'true' })}" download>CSV</a> <a href="${link('/api/trends/compare', { ...params, download: 'true' })}" download>JSON</a></p>
${t.starts.length ? table(t, shares) : html`<p>Không có bài nào khớp trong khoảng thời gian này.</p>`}`;
    }
    const body = html`<h1>Xu hướng theo thời gian</h1>
${form(queries, interval, from, to, qs.norm === '1')}
${result}`;
    return reply.type('text/html; charset=utf-8').send(page({
      title: queries.length ? `Xu hướng: ${queries.join(', ')} — Tra` : 'Xu hướng — Tra',
      body,
      nav: 'trends',
      styles: ['/static/uplot.min.css'],
      scripts: queries.length ? ['/static/uplot.min.js', '/static/trends.js'] : [],
    }));
  });
}
