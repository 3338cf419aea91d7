/**
 * One HTTP exchange, with everything a WARC record needs: the request line and headers we sent,
 * the raw status line, the response headers in wire order and case, and the body bytes exactly as
 * received (still content-encoded if the server compressed them; `decodedBody` gives the plain
 * bytes for parsing).
 *
 * node:http(s) rather than fetch(): fetch hides the raw header order and case, the status text and
 * the HTTP version, and transparently decodes gzip — all things an archive must keep. Redirects are
 * not followed here: each hop is its own exchange, captured and checked against robots.txt by the
 * crawler. Every exchange goes through src/net/guarded-fetch.ts: the address it connects to is
 * checked against the address policy (the crawler's guard allows the origins of the sources the
 * operator named), it has a deadline, and bodies over MAX_RAW_BYTES are refused; undoing the
 * Content-Encoding stops at MAX_DECODED_BYTES.
 */
import zlib from 'node:zlib';
import { NetGuard, guardedRequest, BodyTooLarge, RequestFailed, DEFAULT_MAX_BYTES } from '../net/guarded-fetch.ts';
import { undoContentEncoding, isTooLarge } from './content-encoding.ts';

/**
 * An honest User-Agent: product token, version, and where to read what the bot does and whom to
 * contact. Operators set TRA_CONTACT (a URL or mailto:) to their own page; header values must be
 * ASCII, hence no Vietnamese here.
 */
export const DEFAULT_USER_AGENT = `TraBot/0.1 (+${process.env.TRA_CONTACT || 'https://github.com/tra-vn/tra/blob/main/docs/ARCHIVE.md'}; Vietnamese news archive; obeys robots.txt)`;

/** Largest body taken off the wire (as sent, still compressed). */
export const MAX_RAW_BYTES = DEFAULT_MAX_BYTES;
/** Largest body after its Content-Encoding (or a .gz file format) is undone. */
export const MAX_DECODED_BYTES = 50 * 1024 * 1024;

export interface FetchOptions {
  userAgent?: string;
  /** Extra request headers (conditional GET validators, Accept). */
  headers?: Record<string, string>;
  /** Abort when no complete response arrived in this many ms. */
  timeoutMs?: number;
  /** Abort bodies larger than this many bytes. */
  maxBytes?: number;
  /** Which addresses may be reached (default: public addresses only). */
  guard?: NetGuard;
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

/**
 * A failed exchange: `code` is EADDRBLOCKED (address policy), ETOOBIG (size limit), ETIMEDOUT,
 * or the network error's code.
 */
export { RequestFailed as FetchError, BodyTooLarge };

/** Used when the caller brings no guard: public addresses only. */
let strictGuard: NetGuard | undefined;

/** First value of a header (case-insensitive) in a raw header list. */
export function header(headers: Array<[string, string]>, name: string): string | undefined {
  const n = name.toLowerCase();
  for (const [k, v] of headers) if (k.toLowerCase() === n) return v;
  return undefined;
}

export async function fetchOnce(url: string, opts: FetchOptions = {}): Promise<Exchange> {
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new RequestFailed(`giao thức không hỗ trợ: ${u.protocol}`, 'EPROTO');
  const requestHeaders: Array<[string, string]> = [
    ['Host', u.host],
    ['User-Agent', opts.userAgent ?? DEFAULT_USER_AGENT],
    ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml,application/atom+xml,application/json;q=0.8,*/*;q=0.5'],
    ['Accept-Language', 'vi,en;q=0.5'],
    ['Accept-Encoding', 'gzip, deflate, br'],
    ['Connection', 'keep-alive'],
  ];
  for (const [k, v] of Object.entries(opts.headers ?? {})) requestHeaders.push([k, v]);
  const started = Date.now();
  const guard = opts.guard ?? (strictGuard ??= new NetGuard({}));
  const res = await guardedRequest(url, guard, { method: 'GET', headers: requestHeaders, timeoutMs: opts.timeoutMs ?? 30_000, maxBytes: opts.maxBytes ?? MAX_RAW_BYTES });
  return {
    url,
    method: 'GET',
    requestHeaders,
    httpVersion: res.httpVersion,
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
    body: res.body,
    ip: res.ip,
    started,
  };
}

const decoded = new WeakMap<object, Buffer>();


/**
 * The body with its Content-Encoding undone (gzip, deflate, br). Unknown or broken → as is.
 * Decompression stops at `maxBytes` of output (a gzip bomb costs that much memory, no more) and
 * throws BodyTooLarge naming `url` and the limit. The result is remembered per exchange object.
 */
export function decodedBody(ex: Pick<Exchange, 'headers' | 'body'> & { url?: string }, maxBytes = MAX_DECODED_BYTES): Buffer {
  const known = decoded.get(ex);
  if (known) return known;
  const enc = (header(ex.headers, 'content-encoding') ?? '').trim().toLowerCase();
  let out = ex.body;
  if (enc && enc !== 'identity') {
    try {
      out = undoContentEncoding(ex.body, enc, maxBytes);
    } catch (e) {
      if (isTooLarge(e)) throw new BodyTooLarge(ex.url ?? 'trang', maxBytes, 'nội dung giải nén');
      out = ex.body;
    }
  }
  decoded.set(ex, out);
  return out;
}

/**
 * A gzip *file* (a sitemap published as .xml.gz: gzip as the format, not as a Content-Encoding),
 * unpacked with the same output limit; bytes that are not gzip come back as they are.
 */
export function gunzipFile(bytes: Buffer, url: string, maxBytes = MAX_DECODED_BYTES): Buffer {
  if (bytes.length < 3 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return zlib.gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (e) {
    if (isTooLarge(e)) throw new BodyTooLarge(url, maxBytes, 'tệp gzip giải nén');
    return bytes;
  }
}

/** Parse Retry-After (seconds or HTTP date) into milliseconds from now. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}
