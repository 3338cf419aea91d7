/**
 * The page shell every HTML page shares: lang="vi", landmarks (header, nav, main, footer), a
 * skip link, the search box in the header and the one stylesheet. Pages pass their own <main>
 * content as SafeHtml.
 */
import { html, type SafeHtml } from './html.ts';

export type NavItem = 'search' | 'trends' | 'sources' | 'observatory' | 'social' | 'api';

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** The query to show in the header search box. */
  q?: string;
  /** The nav item to mark as the current page. */
  nav?: NavItem;
  /** Show the header search box (the home page has its own). */
  headerSearch?: boolean;
  /** Extra scripts (paths under /static). */
  scripts?: string[];
  styles?: string[];
  description?: string;
}

const NAV: Array<[NavItem, string, string]> = [
  ['trends', '/xu-huong', 'Xu hướng'],
  ['sources', '/nguon', 'Nguồn tin'],
  ['observatory', '/quan-sat', 'Đài quan sát'],
  ['social', '/mang-xa-hoi', 'Mạng xã hội'],
  ['api', '/api/docs', 'API'],
];

/** The search box: a GET form to /tim-kiem that works without JavaScript. */
export function searchBox(q: string | undefined, id: string, autofocus = false): SafeHtml {
  return html`<form class="searchbox" role="search" action="/tim-kiem" method="get">
  <label for="${id}" class="visually-hidden">Từ khoá tìm kiếm</label>
  <input type="search" id="${id}" name="q" value="${q ?? ''}" placeholder="Tìm tin tức, có dấu hay không dấu đều được" autocomplete="off" maxlength="2000" data-suggest${autofocus ? html` autofocus` : ''}>
  <button type="submit">Tìm</button>
  <a class="syntax-help" href="/tro-giup/tim-kiem">Cách gõ truy vấn</a>
</form>`;
}

export function page(o: PageOptions): string {
  const headerSearch = o.headerSearch ?? true;
  const scripts = ['/static/suggest.js', ...(o.scripts ?? [])];
  return (
    '<!doctype html>\n' +
    html`<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title}</title>
<meta name="description" content="${o.description ?? 'Tra — máy tìm kiếm và đài quan sát tin tức tiếng Việt, mở cho mọi người.'}">
<link rel="stylesheet" href="/static/style.css">
${(o.styles ?? []).map((s) => html`<link rel="stylesheet" href="${s}">\n`)}
<link rel="search" type="application/opensearchdescription+xml" title="Tra" href="/opensearch.xml">
</head>
<body>
<a class="skip" href="#noi-dung">Bỏ qua, đến nội dung chính</a>
<header class="site-header">
<div class="bar">
<a class="brand" href="/" aria-label="Tra — trang chủ">Tr<span>a</span></a>
${headerSearch ? searchBox(o.q, 'q-header') : ''}
<nav class="site-nav" aria-label="Điều hướng chính"><ul>
${NAV.map(([key, href, label]) => html`<li><a href="${href}"${o.nav === key ? html` aria-current="page"` : ''}>${label}</a></li>`)}
</ul></nav>
</div>
</header>
<main id="noi-dung" tabindex="-1">
${o.body}
</main>
<footer class="site-footer">
<p>Tra — máy tìm kiếm tin tức tiếng Việt mở. Kết quả xếp theo độ liên quan của văn bản, không lọc, không ẩn. <a href="/api/docs">API mở</a> · <a href="/api/openapi.json">OpenAPI</a></p>
</footer>
${scripts.map((s) => html`<script src="${s}" defer></script>\n`)}
</body>
</html>
`.value
  );
}
