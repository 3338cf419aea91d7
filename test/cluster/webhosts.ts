/**
 * Many loopback web hosts for crawl tests: one HTTP server per host (a host is `127.0.0.1:PORT`,
 * as the frontier keys it), each with a robots.txt (Crawl-delay, a disallowed folder), an RSS
 * feed listing its articles, article pages, a latency per response, and one shared request log
 * (start and end of every request, as the server saw them). Paths given validators answer
 * conditional requests (ETag, Last-Modified, 304); paths given redirects answer 301.
 */
import http from 'node:http';

export interface HostSpec {
  /** Crawl-delay in robots.txt, seconds (0: none). */
  crawlDelayS: number;
  latencyMs: number;
  articles: number;
  /** Paths answered only after this many ms, the first time they are asked. */
  slowFirst?: Record<string, number>;
  /**
   * Paths served with an ETag and a Last-Modified: a request naming the current ones gets a 304
   * (If-None-Match when sent, else If-Modified-Since); `always304`: a 304 whatever was asked. An
   * article's text names its ETag, so a test changing the ETag (mid-crawl) changes the page.
   */
  validators?: Record<string, { etag: string; lastModified: string; always304?: boolean }>;
  /** Paths answered with a 301 to this Location (absolute, or a path of the same host). */
  redirects?: Record<string, string>;
  /** Another path serving this host's robots.txt (the target of a redirect). */
  robotsAlias?: string;
}

export interface LoggedRequest {
  host: string;
  path: string;
  start: number;
  end: number;
  /** The conditional headers of the request, and the status answered. */
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  status?: number;
}

export interface WebHosts {
  hosts: string[];
  feeds: string[];
  log: LoggedRequest[];
  /** Called when a request starts (host, path). */
  onRequest?: (host: string, path: string) => void;
  articleUrls(i: number): string[];
  close(): Promise<void>;
}

const WORDS = 'giá vàng hôm nay tăng mạnh trong phiên sáng nhà đầu tư đổ xô mua vào khi đồng đô la suy yếu ngân hàng nhà nước theo dõi sát thị trường'.split(' ');

function article(host: number, i: number, etag?: string): string {
  const para = (k: number) => Array.from({ length: 40 }, (_, j) => WORDS[(i * 7 + j * 3 + k + host) % WORDS.length]).join(' ') + '.';
  const revision = etag === undefined ? '' : `<p>Bản cập nhật ${etag.replace(/[^\w-]/g, '')} của bài viết.</p>`;
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Tin ${host}-${i}: giá vàng</title>
<meta property="og:type" content="article"><meta property="og:site_name" content="Báo Thử ${host}">
<meta property="article:published_time" content="2025-08-${String(1 + (i % 28)).padStart(2, '0')}T08:00:00+07:00"></head>
<body><article><h1>Tin ${host}-${i}: giá vàng</h1><p>${para(1)}</p><p>${para(2)}</p><p>${para(3)}</p>${revision}</article></body></html>`;
}

/** Whether an If-None-Match value names `etag` (weak comparison, as RFC 9110 has it for GET). */
function namesTag(ifNoneMatch: string, etag: string): boolean {
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag));
}

export async function startWebHosts(specs: HostSpec[]): Promise<WebHosts> {
  const servers: http.Server[] = [];
  const w: WebHosts = {
    hosts: [],
    feeds: [],
    log: [],
    articleUrls: (i) => Array.from({ length: specs[i].articles }, (_, k) => `http://${w.hosts[i]}/tin/${k}.html`),
    async close() {
      await Promise.all(servers.map((s) => new Promise<void>((r) => {
        s.close(() => r());
        s.closeAllConnections();
      })));
    },
  };
  const asked = new Set<string>();
  for (let hi = 0; hi < specs.length; hi++) {
    const spec = specs[hi];
    const server = http.createServer((req, res) => {
      const host = w.hosts[hi];
      const path = (req.url ?? '/').split('?')[0];
      const entry: LoggedRequest = { host, path, start: Date.now(), end: 0 };
      const inm = req.headers['if-none-match'];
      const ims = req.headers['if-modified-since'];
      if (inm !== undefined) entry.ifNoneMatch = inm;
      if (ims !== undefined) entry.ifModifiedSince = ims;
      w.log.push(entry);
      w.onRequest?.(host, path);
      const done = () => {
        if (!entry.end) entry.end = Date.now();
        entry.status ??= res.statusCode;
      };
      res.on('finish', done);
      res.on('close', done);
      let wait = spec.latencyMs;
      const key = `${host}${path}`;
      if (spec.slowFirst?.[path] && !asked.has(key)) wait = spec.slowFirst[path];
      asked.add(key);
      setTimeout(() => {
        // The end is when the answer is handed over: the client cannot have it before then. The
        // 'finish' or 'close' events come later on a busy machine, which made gaps look shorter.
        entry.end ||= Date.now();
        const v = spec.validators?.[path];
        const validators = v ? { etag: v.etag, 'last-modified': v.lastModified } : {};
        if (v && (v.always304 || (inm !== undefined ? namesTag(inm, v.etag) : ims === v.lastModified))) {
          res.writeHead(304, validators);
          res.end();
        } else if (spec.redirects?.[path]) {
          res.writeHead(301, { location: spec.redirects[path] });
          res.end();
        } else if (path === '/robots.txt' || (spec.robotsAlias !== undefined && path === spec.robotsAlias)) {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`User-agent: *\nDisallow: /rieng/\n${spec.crawlDelayS ? `Crawl-delay: ${spec.crawlDelayS}\n` : ''}`);
        } else if (path === '/rss.xml') {
          const items = [...w.articleUrls(hi), `http://${host}/rieng/bi-mat.html`]
            .map((u, k) => `<item><title>Tin ${k}</title><link>${u}</link><pubDate>Fri, 01 Aug 2025 08:00:00 +0700</pubDate></item>`).join('');
          res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', ...validators });
          res.end(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Báo ${hi}</title>${items}</channel></rss>`);
        } else {
          const m = /^\/(?:tin|rieng)\/(\d+|bi-mat)\.html$/.exec(path);
          if (!m) {
            res.writeHead(404, { 'content-type': 'text/plain' });
            res.end('không có');
            return;
          }
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...validators });
          res.end(article(hi, Number(m[1]) || 0, v?.etag));
        }
      }, wait);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    servers.push(server);
    w.hosts.push(`127.0.0.1:${(server.address() as { port: number }).port}`);
    w.feeds.push(`http://${w.hosts[hi]}/rss.xml`);
  }
  return w;
}
