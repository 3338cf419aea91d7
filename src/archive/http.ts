/**
 * One HTTP exchange, with everything a WARC record needs: the request line and headers we sent,
 * the raw status line, the response headers in wire order and case, and the body bytes exactly as
 * received (still content-encoded if the server compressed them; `decodedBody` gives the plain
 * bytes for parsing).
 *
 * node:http(s) rather than fetch(): fetch hides the raw header order and case, the status text and
 * the HTTP version, and transparently decodes gzip — all things an archive must keep. Redirects are
 * not followed here: each hop is its own exchange, captured and checked against robots.txt by the
 * crawler.
 */
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

/**
 * An honest User-Agent: product token, version, and where to read what the bot does and whom to
 * contact. Operators set TRA_CONTACT (a URL or mailto:) to their own page; header values must be
 * ASCII, hence no Vietnamese here.
 */
export const DEFAULT_USER_AGENT = `TraBot/0.1 (+${process.env.TRA_CONTACT || 'https://github.com/tra-vn/tra/blob/main/docs/ARCHIVE.md'}; Vietnamese news archive; obeys robots.txt)`;

export interface FetchOptions {
  userAgent?: string;
  /** Extra request headers (conditional GET validators, Accept). */
  headers?: Record<string, string>;
  /** Abort when no complete response arrived in this many ms. */
  timeoutMs?: number;
  /** Abort bodies larger than this many bytes. */
  maxBytes?: number;
}

export interface Exchange {
  url: string;
  method: 'GET';
  /** Request headers in the order sent. */
  requestHeaders: Array<[string, string]>;
  httpVersion: string;
  status: number;
  statusText: string;
  /** Response headers as received (name case kept). */
  headers: Array<[string, string]>;
  /** Body as received on the wire (transfer-encoding removed, content-encoding kept). */
  body: Buffer;
  /** Server address that answered. */
  ip?: string;
  /** Epoch ms when the request started. */
  started: number;
}

export class FetchError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
}

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 4 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 4 }),
};

/** First value of a header (case-insensitive) in a raw header list. */
export function header(headers: Array<[string, string]>, name: string): string | undefined {
  const n = name.toLowerCase();
  for (const [k, v] of headers) if (k.toLowerCase() === n) return v;
  return undefined;
}

export function fetchOnce(url: string, opts: FetchOptions = {}): Promise<Exchange> {
  const u = new URL(url);
  const isHttps = u.protocol === 'https:';
  if (!isHttps && u.protocol !== 'http:') return Promise.reject(new FetchError(`giao thức không hỗ trợ: ${u.protocol}`, 'EPROTO'));
  const requestHeaders: Array<[string, string]> = [
    ['Host', u.host],
    ['User-Agent', opts.userAgent ?? DEFAULT_USER_AGENT],
    ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml,application/atom+xml,application/json;q=0.8,*/*;q=0.5'],
    ['Accept-Language', 'vi,en;q=0.5'],
    ['Accept-Encoding', 'gzip, deflate, br'],
    ['Connection', 'keep-alive'],
  ];
  for (const [k, v] of Object.entries(opts.headers ?? {})) requestHeaders.push([k, v]);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxBytes = opts.maxBytes ?? 20 * 1024 * 1024;
  const started = Date.now();

  return new Promise((resolve, reject) => {
    const mod = isHttps ? https : http;
    const req = mod.request(
      {
        protocol: u.protocol,
        hostname: u.hostname.replace(/^\[|\]$/g, ''),
        port: u.port || undefined,
        path: u.pathname + u.search,
        method: 'GET',
        headers: Object.fromEntries(requestHeaders),
        agent: isHttps ? agents.https : agents.http,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            req.destroy(new FetchError(`trang lớn hơn ${maxBytes} byte`, 'ETOOBIG'));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          clearTimeout(timer);
          const raw = res.rawHeaders;
          const headers: Array<[string, string]> = [];
          for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i], raw[i + 1]]);
          resolve({
            url,
            method: 'GET',
            requestHeaders,
            httpVersion: res.httpVersion,
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers,
            body: Buffer.concat(chunks),
            ip: res.socket?.remoteAddress,
            started,
          });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new FetchError(`quá thời gian chờ ${timeoutMs} ms`, 'ETIMEDOUT')), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e instanceof FetchError ? e : new FetchError(e.message, (e as NodeJS.ErrnoException).code ?? 'EFETCH'));
    });
    req.end();
  });
}

/** The body with its Content-Encoding undone (gzip, deflate, br). Unknown or broken → as is. */
export function decodedBody(ex: Pick<Exchange, 'headers' | 'body'>): Buffer {
  const enc = (header(ex.headers, 'content-encoding') ?? '').trim().toLowerCase();
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return zlib.gunzipSync(ex.body, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    if (enc === 'deflate') {
      try {
        return zlib.inflateSync(ex.body);
      } catch {
        return zlib.inflateRawSync(ex.body);
      }
    }
    if (enc === 'br') return zlib.brotliDecompressSync(ex.body);
  } catch {
    return ex.body;
  }
  return ex.body;
}

/** Parse Retry-After (seconds or HTTP date) into milliseconds from now. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}
