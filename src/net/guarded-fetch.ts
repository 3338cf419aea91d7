/**
 * Outgoing HTTP for requests made because of data — webhooks, crawled links, redirects,
 * sitemaps — with the address policy of address-policy.ts enforced where it counts: on the
 * address the socket connects to.
 *
 * - Host names are resolved by our own `lookup` (passed to node:http), which sees every address
 *   DNS returns and refuses the request when any of them is not public; the socket then connects
 *   to the address that was checked, so a name that resolves to a public address for a check and
 *   to 127.0.0.1 a moment later (DNS rebinding) cannot slip through. IP literals in any spelling
 *   are judged before the request.
 * - Redirects are followed by hand (`guardedFetch`), at most `maxRedirects`, and every hop is
 *   judged again; `guardedRequest` makes exactly one exchange.
 * - Every exchange has a deadline (connect, headers and body together) and a body size limit.
 * - The operator can name origins (scheme, host, port) that are reachable whatever their address
 *   (a feed on the office network, the test fixture on loopback), or allow everything
 *   (`--allow-private-addresses`).
 *
 * Each `NetGuard` has its own keep-alive agents: a socket opened under one policy is never
 * reused under another.
 */
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress, isForbidden, CLASS_LABEL, type AddressClass } from './address-policy.ts';

export interface NetPolicy {
  /** Reach every address (the operator's `--allow-private-addresses`). */
  allowPrivate?: boolean;
  /** Origins (`scheme://host[:port]`) the operator named: reachable whatever their address. */
  allowedOrigins?: Iterable<string>;
}

/** The environment variable that carries `--allow-private-addresses` to worker threads and `tra alerts`. */
export const ALLOW_PRIVATE_ENV = 'TRA_ALLOW_PRIVATE_ADDRESSES';

/** The policy the environment asks for: strict unless TRA_ALLOW_PRIVATE_ADDRESSES=1. */
export function policyFromEnv(env: NodeJS.ProcessEnv = process.env): NetPolicy {
  const v = (env[ALLOW_PRIVATE_ENV] ?? '').trim().toLowerCase();
  return { allowPrivate: v === '1' || v === 'true' || v === 'yes' };
}

/** A request refused because the destination is not a public address. */
export class AddressBlocked extends Error {
  readonly code = 'EADDRBLOCKED';
  readonly host: string;
  readonly address: string;
  readonly addressClass: AddressClass;
  constructor(host: string, address: string, cls: AddressClass) {
    super(`không kết nối tới ${host}${host === address ? '' : ` (${address})`}: địa chỉ ${CLASS_LABEL[cls]} bị chặn; chỉ nguồn do người vận hành khai báo hoặc --allow-private-addresses mới được tới mạng nội bộ`);
    this.host = host;
    this.address = address;
    this.addressClass = cls;
  }
}

/** A body over the size limit. */
export class BodyTooLarge extends Error {
  readonly code = 'ETOOBIG';
  readonly limit: number;
  constructor(url: string, limit: number, what = 'nội dung') {
    super(`${url}: ${what} lớn hơn giới hạn ${limit} byte, bỏ qua`);
    this.limit = limit;
  }
}

/** Any other failure of an exchange (network, timeout, protocol). */
export class RequestFailed extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
}

/** `scheme://host[:port]` with default ports dropped, as URL.origin writes it. */
export function originOf(url: string | URL): string {
  return (typeof url === 'string' ? new URL(url) : url).origin;
}

function bare(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

export class NetGuard {
  readonly allowPrivate: boolean;
  private readonly origins = new Set<string>();
  readonly agents: { http: http.Agent; https: https.Agent };

  constructor(policy: NetPolicy = {}, agentOptions: http.AgentOptions = { keepAlive: true, maxSockets: 4 }) {
    this.allowPrivate = policy.allowPrivate === true;
    for (const o of policy.allowedOrigins ?? []) this.allowOrigin(o);
    this.agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  }

  /** Let the origin of `url` through whatever its address (a source the operator named). */
  allowOrigin(url: string): void {
    try {
      this.origins.add(originOf(url));
    } catch {
      /* not a URL: nothing to allow */
    }
  }

  /** True when requests to `url` are not judged at all. */
  trusts(url: URL): boolean {
    return this.allowPrivate || this.origins.has(url.origin);
  }

  /** The refusal for an address, or undefined when it may be reached. */
  judge(host: string, address: string): AddressBlocked | undefined {
    const cls = classifyAddress(address);
    // An answer that is no IP address at all cannot be checked: refused like a private one.
    if (cls === undefined) return new AddressBlocked(host, address, 'reserved');
    return isForbidden(cls) ? new AddressBlocked(host, address, cls) : undefined;
  }

  /**
   * The `lookup` for node:http requests to `url`: resolves the name, refuses when any address is
   * not public, and hands the checked addresses to the socket. Undefined when the URL is trusted.
   */
  lookupFor(url: URL): LookupFunction | undefined {
    if (this.trusts(url)) return undefined;
    const host = bare(url.hostname);
    return ((hostname: string, options: dns.LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void) => {
      dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return callback(err, '', 0);
        if (!addresses.length) return callback(Object.assign(new Error(`không tìm thấy địa chỉ của ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        for (const a of addresses) {
          const refusal = this.judge(host, a.address);
          if (refusal) return callback(refusal, '', 0);
        }
        if (options.all) return callback(null, addresses);
        callback(null, addresses[0].address, addresses[0].family);
      });
    }) as LookupFunction;
  }

  /**
   * Resolve and judge `url` now, without connecting (for saving a webhook URL). Throws
   * AddressBlocked, or RequestFailed when the name does not resolve. Delivery judges again.
   */
  async check(url: string | URL): Promise<void> {
    const u = typeof url === 'string' ? new URL(url) : url;
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RequestFailed(`giao thức không hỗ trợ: ${u.protocol}`, 'EPROTO');
    if (this.trusts(u)) return;
    const host = bare(u.hostname);
    if (isIP(host) || classifyAddress(host) !== undefined) {
      const refusal = this.judge(host, host);
      if (refusal) throw refusal;
      return;
    }
    let addresses: dns.LookupAddress[];
    try {
      addresses = await dns.promises.lookup(host, { all: true });
    } catch {
      throw new RequestFailed(`không tìm thấy máy chủ ${host}`, 'ENOTFOUND');
    }
    for (const a of addresses) {
      const refusal = this.judge(host, a.address);
      if (refusal) throw refusal;
    }
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

export interface RequestOptions {
  method?: string;
  /** Headers in the order to send them. */
  headers?: Array<[string, string]>;
  body?: string | Buffer;
  /** Connect, headers and body must all arrive within this many ms (default 30 s). */
  timeoutMs?: number;
  /** Largest body read (default 20 MiB). */
  maxBytes?: number;
  /** Over `maxBytes`: fail (default) or stop reading and keep what arrived (status still known). */
  overflow?: 'fail' | 'truncate';
  signal?: AbortSignal;
}

export interface RawResponse {
  url: string;
  httpVersion: string;
  status: number;
  statusText: string;
  /** Response headers as received (name case and order kept). */
  headers: Array<[string, string]>;
  /** Body as received (transfer encoding removed, content encoding kept). */
  body: Buffer;
  /** True when the body was cut at `maxBytes` (overflow: 'truncate'). */
  truncated: boolean;
  /** The address that answered. */
  ip?: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

/** One exchange with `url` under `guard`'s policy. No redirect is followed. */
export function guardedRequest(url: string, guard: NetGuard, o: RequestOptions = {}): Promise<RawResponse> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.reject(new RequestFailed(`địa chỉ không hợp lệ: ${url}`, 'EINVAL'));
  }
  const isHttps = u.protocol === 'https:';
  if (!isHttps && u.protocol !== 'http:') return Promise.reject(new RequestFailed(`giao thức không hỗ trợ: ${u.protocol}`, 'EPROTO'));
  const host = bare(u.hostname);
  // Literals never reach `lookup` (node connects to them directly): judged here.
  if (!guard.trusts(u) && classifyAddress(host) !== undefined) {
    const refusal = guard.judge(host, host);
    if (refusal) return Promise.reject(refusal);
  }
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  const headers: Record<string, string> = {};
  for (const [k, v] of o.headers ?? []) headers[k] = v;

  return new Promise<RawResponse>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, value?: RawResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(value!);
    };
    const req = (isHttps ? https : http).request({
      protocol: u.protocol,
      hostname: host,
      port: u.port || undefined,
      path: u.pathname + u.search,
      method: o.method ?? 'GET',
      headers,
      agent: isHttps ? guard.agents.https : guard.agents.http,
      lookup: guard.lookupFor(u),
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (truncated: boolean): void => {
        const raw = res.rawHeaders;
        const list: Array<[string, string]> = [];
        for (let i = 0; i + 1 < raw.length; i += 2) list.push([raw[i], raw[i + 1]]);
        finish(undefined, {
          url, httpVersion: res.httpVersion, status: res.statusCode ?? 0, statusText: res.statusMessage ?? '',
          headers: list, body: Buffer.concat(chunks), truncated, ip: res.socket?.remoteAddress,
        });
      };
      res.on('data', (c: Buffer) => {
        if (settled) return;
        if (size + c.length > maxBytes) {
          if (o.overflow === 'truncate') {
            chunks.push(c.subarray(0, maxBytes - size));
            size = maxBytes;
            done(true);
            req.destroy();
            return;
          }
          finish(new BodyTooLarge(url, maxBytes));
          req.destroy();
          return;
        }
        size += c.length;
        chunks.push(c);
      });
      res.on('end', () => done(false));
      res.on('error', (e) => finish(wrap(e)));
      res.on('aborted', () => finish(new RequestFailed('kết nối bị cắt giữa chừng', 'ECONNRESET')));
    });
    const timer = setTimeout(() => {
      finish(new RequestFailed(`quá thời gian chờ ${timeoutMs} ms`, 'ETIMEDOUT'));
      req.destroy();
    }, timeoutMs);
    const onAbort = (): void => {
      finish(new RequestFailed('đã huỷ', 'EABORTED'));
      req.destroy();
    };
    if (o.signal?.aborted) onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => finish(wrap(e)));
    req.end(o.body);
  });
}

function wrap(e: Error): Error {
  if (e instanceof AddressBlocked || e instanceof BodyTooLarge || e instanceof RequestFailed) return e;
  return new RequestFailed(e.message, (e as NodeJS.ErrnoException).code ?? 'EFETCH');
}

export interface FetchOptions extends RequestOptions {
  /** Redirects followed, each judged again (default 5; 0: a 3xx is the answer). */
  maxRedirects?: number;
}

/**
 * `guardedRequest`, following redirects by hand: 307/308 keep the method and body; 301/302/303
 * turn into a GET without body. Each hop is judged under the same policy; `timeoutMs` bounds
 * the whole chain.
 */
export async function guardedFetch(url: string, guard: NetGuard, o: FetchOptions = {}): Promise<RawResponse> {
  const max = o.maxRedirects ?? 5;
  const deadline = Date.now() + (o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let current = url;
  let method = o.method ?? 'GET';
  let body = o.body;
  let headers = o.headers ?? [];
  for (let hop = 0; ; hop++) {
    const left = deadline - Date.now();
    if (left <= 0) throw new RequestFailed(`quá thời gian chờ ${o.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`, 'ETIMEDOUT');
    const res = await guardedRequest(current, guard, { ...o, method, body, headers, timeoutMs: left });
    const location = res.headers.find(([k]) => k.toLowerCase() === 'location')?.[1];
    if (res.status < 300 || res.status >= 400 || res.status === 304 || !location || max === 0) return res;
    if (hop >= max) throw new RequestFailed(`quá ${max} lần chuyển hướng từ ${url}`, 'EREDIRECTS');
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new RequestFailed(`chuyển hướng hỏng: ${location}`, 'EREDIRECT');
    }
    if (res.status !== 307 && res.status !== 308 && method !== 'GET' && method !== 'HEAD') {
      method = 'GET';
      body = undefined;
      headers = headers.filter(([k]) => !/^content-(type|length)$/i.test(k));
    }
    current = next.href;
  }
}
