/**
 * Alerts (saved searches, src/observe/alerts.ts) over HTTP:
 *
 *   GET    /api/alerts          the saved searches (never their webhook secrets)
 *   POST   /api/alerts          save one: {name, query, kind: threshold|emerging, value, webhook?, secret?}
 *   DELETE /api/alerts/:id      delete one
 *   GET    /api/alerts/events   recorded events after ?since= (JSON, as `tra alerts events --json`)
 *   POST   /api/alerts/check    check now (on the observatory's thread, queued after a check in flight)
 *   GET    /api/alerts/stream   server-sent events: `alert-start` / `alert-end` as they are recorded
 *
 * The stream reads the persisted events (DIR/alerts.sqlite), so nothing is lost: a client that
 * reconnects with `Last-Event-ID` (browsers' EventSource does this by itself) or `?since=` gets
 * every event after that id, across server restarts. Without either it gets only new events.
 * It is woken when the server's own check records events, and also looks every couple of seconds
 * so events recorded by `tra alerts check` in another process arrive too.
 *
 * Hardening: writes need the operator's token (admin-auth.ts); webhook URLs and delivery errors
 * are shown only to the operator; a webhook URL whose host resolves to a non-public address is
 * refused when it is saved (and again at delivery, src/observe/alerts.ts). Streams are bounded:
 * per client address and in total, each closed after a lifetime (EventSource reconnects with
 * Last-Event-ID, so nothing is lost) or when its reader stops reading.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { PluginOptions } from '../context.ts';
import { isOperator } from '../admin-auth.ts';
import { NetGuard, AddressBlocked, policyFromEnv } from '../../net/guarded-fetch.ts';
import { CLASS_LABEL } from '../../net/address-policy.ts';
import type { AlertsService } from '../backend.ts';
import { toServerSentEvent } from '../../observe/index.ts';
import { BadRequest, NotFound } from '../errors.ts';
import { MAX_QUERY, errorResponse } from '../schemas.ts';

const TAGS = ['cảnh báo'];
/** How often an open stream looks for events written by another process. */
const POLL_MS = 2000;
/** A comment line this often keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
const PAGE = 500;

export interface StreamLimits {
  /** Open streams per client address. */
  perClient: number;
  /** Open streams in all. */
  total: number;
  /** A stream is closed after this long; the client reconnects with Last-Event-ID. */
  lifetimeMs: number;
  /** A client that lets this many bytes pile up unread is dropped. */
  maxBufferedBytes: number;
}

export const STREAM_LIMITS: StreamLimits = { perClient: 8, total: 256, lifetimeMs: 10 * 60_000, maxBufferedBytes: 1024 * 1024 };

export interface AlertRouteOptions extends PluginOptions {
  /** Webhooks may point at private, loopback and link-local addresses (`--allow-private-addresses`). */
  allowPrivateAddresses?: boolean;
  streams?: Partial<StreamLimits>;
}

class TooMany extends Error {
  readonly statusCode: number;
  constructor(statusCode: 429 | 503, message: string) {
    super(message);
    this.statusCode = statusCode;
  }
}

const alertSchema = {
  type: 'object',
  required: ['id', 'name', 'query', 'kind', 'value', 'signed', 'inEpisode', 'created'],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    query: { type: 'string' },
    kind: { type: 'string', enum: ['threshold', 'emerging'] },
    value: { type: 'number', description: 'Số bài mỗi ngày (threshold) hoặc điểm nổi lên tối thiểu (emerging).' },
    webhook: { type: 'string', description: 'Chỉ hiện cho người vận hành (gửi kèm khoá quản trị).' },
    hasWebhook: { type: 'boolean', description: 'Cảnh báo có webhook.' },
    signed: { type: 'boolean', description: 'Webhook có chữ ký HMAC (khoá bí mật không bao giờ được trả lại).' },
    inEpisode: { type: 'boolean', description: 'Đang trong một đợt báo (điều kiện đang đúng).' },
    lastCheckedDay: { type: 'integer', nullable: true, description: 'Ngày cuối đã xét (số ngày kể từ 1970-01-01).' },
    created: { type: 'string' },
  },
} as const;

const eventSchema = {
  type: 'object',
  required: ['id', 'alert', 'name', 'query', 'type', 'day', 'count', 'expected', 'created'],
  properties: {
    id: { type: 'integer' },
    alert: { type: 'integer' },
    name: { type: 'string' },
    query: { type: 'string' },
    type: { type: 'string', enum: ['start', 'end'] },
    day: { type: 'string', description: 'Ngày (YYYY-MM-DD) của sự kiện.' },
    count: { type: 'number', description: 'Số bài khớp trong ngày.' },
    expected: { type: 'number', description: 'Ngưỡng (threshold) hoặc mức thường (emerging).' },
    score: { type: 'number' },
    created: { type: 'string' },
    viaWebhook: { type: 'boolean' },
    delivered: { type: 'boolean' },
    attempts: { type: 'integer' },
    lastError: { type: 'string', description: 'Lỗi gửi webhook gần nhất (chỉ hiện cho người vận hành).' },
    backtest: { type: 'boolean', description: 'Tìm thấy khi cảnh báo mới được tạo, trên dữ liệu cũ: không gửi webhook.' },
  },
} as const;

const createBody = {
  type: 'object',
  required: ['name', 'query', 'kind'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200, description: 'Tên cảnh báo.' },
    query: { type: 'string', minLength: 1, maxLength: MAX_QUERY, description: 'Truy vấn, ví dụ "bão".' },
    kind: { type: 'string', enum: ['threshold', 'emerging'], description: 'threshold: báo khi số bài trong một ngày ≥ value; emerging: khi truy vấn nổi lên so với mức thường của chính nó (điểm ≥ value).' },
    value: { type: 'number', description: 'Bắt buộc với threshold (số bài mỗi ngày); với emerging mặc định 4.' },
    webhook: { type: 'string', minLength: 1, maxLength: 2000, description: 'Gửi sự kiện tới URL http(s) này (HTTP POST, thử lại khi lỗi).' },
    secret: { type: 'string', minLength: 8, maxLength: 500, description: 'Khoá ký HMAC-SHA256: header X-Tra-Signature = sha256=HMAC(secret, "<X-Tra-Timestamp>.<body>").' },
  },
} as const;

interface CreateBody {
  name: string;
  query: string;
  kind: 'threshold' | 'emerging';
  value?: number;
  webhook?: string;
  secret?: string;
}

interface Client {
  res: ServerResponse;
  last: number;
  ip: string;
  timer?: NodeJS.Timeout;
}

function need(svc: AlertsService | undefined): AlertsService {
  if (!svc) throw new NotFound('Máy chủ này không có cảnh báo (không mở thư mục dữ liệu).');
  return svc;
}

async function startFrom(req: FastifyRequest, svc: AlertsService): Promise<number> {
  const header = req.headers['last-event-id'];
  const { since } = req.query as { since?: number };
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw !== undefined && raw.trim() !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new BadRequest(`Header Last-Event-ID phải là số nguyên không âm (số của sự kiện cuối đã nhận), không phải "${raw}".`, 'last-event-id');
    return n;
  }
  return since ?? (await svc.lastEventId());
}

export async function alertRoutes(app: FastifyInstance, { ctx, allowPrivateAddresses, streams }: AlertRouteOptions): Promise<void> {
  const svc = ctx.backend.alerts;
  const limits: StreamLimits = { ...STREAM_LIMITS, ...streams };
  const allowPrivate = allowPrivateAddresses ?? policyFromEnv().allowPrivate;
  const clients = new Set<Client>();
  const perClient = new Map<string, number>();
  let poll: NodeJS.Timeout | undefined;
  let ticks = 0;

  // One pump at a time per client (the store answers asynchronously): a pump asked for while one
  // runs is done once more after it, so no event is written twice or out of order.
  const pumping = new Map<Client, boolean>();
  const pump = async (c: Client): Promise<void> => {
    if (!svc || c.res.writableEnded) return;
    if (pumping.has(c)) {
      pumping.set(c, true);
      return;
    }
    pumping.set(c, false);
    try {
      do {
        pumping.set(c, false);
        await pumpOnce(c);
      } while (pumping.get(c) && !c.res.writableEnded);
    } finally {
      pumping.delete(c);
    }
  };
  const pumpOnce = async (c: Client): Promise<void> => {
    if (!svc) return;
    for (;;) {
      if (c.res.writableEnded) return;
      // A reader that stopped reading: drop it rather than buffer for it.
      if (c.res.writableLength > limits.maxBufferedBytes) {
        c.res.destroy();
        return;
      }
      const events = await svc.eventsSince(c.last, PAGE);
      for (const e of events) {
        c.res.write(toServerSentEvent(e));
        c.last = e.id;
      }
      if (events.length < PAGE) break;
    }
  };
  const pumpAll = () => {
    for (const c of clients) pump(c).catch((err: unknown) => app.log.error({ err }, 'alert stream'));
  };
  const unsubscribe = svc?.onEvents(pumpAll);
  const drop = (c: Client) => {
    if (!clients.has(c)) return;
    clients.delete(c);
    clearTimeout(c.timer);
    const n = (perClient.get(c.ip) ?? 1) - 1;
    if (n > 0) perClient.set(c.ip, n);
    else perClient.delete(c.ip);
    if (clients.size === 0 && poll) {
      clearInterval(poll);
      poll = undefined;
    }
  };

  app.addHook('preClose', async () => {
    unsubscribe?.();
    for (const c of clients) {
      clearTimeout(c.timer);
      c.res.end();
    }
    clients.clear();
    perClient.clear();
    if (poll) clearInterval(poll);
    poll = undefined;
  });

  app.get('/api/alerts', {
    schema: {
      summary: 'Các cảnh báo đã lưu (như `tra alerts list --json`)',
      tags: TAGS,
      response: { 200: { type: 'object', required: ['alerts'], properties: { alerts: { type: 'array', items: alertSchema } } }, 404: errorResponse },
    },
  }, async (req) => {
    const owner = isOperator(req);
    // Webhook URLs often carry a token of their own: only the operator sees them.
    return { alerts: (await need(svc).list()).map(({ webhook, ...a }) => ({ ...a, hasWebhook: Boolean(webhook), ...(owner && webhook ? { webhook } : {}) })) };
  });

  app.post('/api/alerts', {
    schema: {
      summary: 'Lưu một cảnh báo: tìm kiếm đã lưu, báo khi vượt ngưỡng hoặc nổi lên',
      description: 'Mỗi đợt báo một lần: sự kiện `start` khi điều kiện bắt đầu đúng, `end` khi hết đúng. Sự kiện đến qua webhook (HTTP POST có chữ ký HMAC, thử lại khi lỗi), qua `GET /api/alerts/stream` và `tra alerts events`.',
      tags: TAGS,
      body: createBody,
      security: [{ operator: [] }],
      response: { 201: alertSchema, 400: errorResponse, 404: errorResponse },
    },
  }, async (req, reply: FastifyReply) => {
    const s = need(svc);
    const b = req.body as CreateBody;
    const name = b.name.trim();
    const query = b.query.trim();
    if (!name) throw new BadRequest('"name" không được để trống.', 'name');
    if (!/[\p{L}\p{N}]/u.test(query)) throw new BadRequest(`Truy vấn "${b.query}" không có từ nào để đếm.`, 'query');
    if (b.kind === 'threshold' && b.value === undefined) throw new BadRequest('Cảnh báo threshold cần "value": số bài trong một ngày để báo.', 'value');
    const value = b.value ?? 4;
    if (!Number.isFinite(value) || value <= 0) throw new BadRequest('"value" phải là số dương.', 'value');
    if (b.webhook !== undefined) {
      let u: URL | undefined;
      try {
        u = new URL(b.webhook);
      } catch {
        u = undefined;
      }
      if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new BadRequest(`"webhook" phải là một URL http(s), ví dụ https://example.org/hook (không phải "${b.webhook}").`, 'webhook');
      const guard = new NetGuard({ allowPrivate }, { keepAlive: false });
      try {
        await guard.check(u);
      } catch (e) {
        if (e instanceof AddressBlocked) throw new BadRequest(`"webhook" trỏ tới địa chỉ ${CLASS_LABEL[e.addressClass]} (${e.address}), không được phép: hãy dùng một URL công cộng.`, 'webhook');
        throw new BadRequest(`"webhook": không tìm thấy máy chủ ${u.hostname}; hãy kiểm tra lại URL.`, 'webhook');
      } finally {
        guard.close();
      }
    }
    if (b.secret !== undefined && b.webhook === undefined) throw new BadRequest('"secret" chỉ dùng để ký webhook: hãy cho cả "webhook".', 'secret');
    const a = await s.add({ name, query, kind: b.kind, value, webhook: b.webhook, secret: b.secret });
    reply.code(201).header('Location', `/api/alerts/${a.id}`);
    return a;
  });

  app.delete('/api/alerts/:id', {
    schema: {
      summary: 'Xoá một cảnh báo',
      tags: TAGS,
      security: [{ operator: [] }],
      params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, description: 'Số của cảnh báo.' } } },
      response: { 204: { type: 'null', description: 'Đã xoá.' }, 400: errorResponse, 404: errorResponse },
    },
  }, async (req, reply) => {
    const { id } = req.params as { id: number };
    if (!(await need(svc).remove(id))) throw new NotFound(`Không có cảnh báo #${id}; xem GET /api/alerts.`);
    return reply.code(204).send();
  });

  app.get('/api/alerts/events', {
    schema: {
      summary: 'Các sự kiện cảnh báo đã ghi (như `tra alerts events --json`)',
      tags: TAGS,
      querystring: {
        type: 'object',
        properties: {
          since: { type: 'integer', minimum: 0, default: 0, description: 'Chỉ các sự kiện sau số này.' },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
        },
      },
      response: { 200: { type: 'object', required: ['events'], properties: { events: { type: 'array', items: eventSchema } } }, 400: errorResponse, 404: errorResponse },
    },
  }, async (req) => {
    const { since, limit } = req.query as { since: number; limit: number };
    const events = await need(svc).eventsSince(since, limit);
    return { events: isOperator(req) ? events : events.map(({ lastError: _e, ...e }) => e) };
  });

  app.post('/api/alerts/check', {
    schema: {
      summary: 'Xét các cảnh báo ngay bây giờ (như `tra alerts check --json`)',
      security: [{ operator: [] }],
      description: 'Đếm các bài mới, xét mọi cảnh báo đến ngày cuối có dữ liệu và gửi các webhook đến hạn. Máy chủ cũng tự xét định kỳ (`tra serve --alert-interval`); hai lần xét không bao giờ chạy cùng lúc.',
      tags: TAGS,
      response: {
        200: {
          type: 'object',
          required: ['date', 'counted', 'events', 'delivery'],
          properties: {
            date: { type: 'string', nullable: true, description: 'Ngày cuối đã xét.' },
            counted: { type: 'integer', description: 'Số bài mới được đếm trước khi xét.' },
            events: { type: 'array', items: eventSchema },
            delivery: { type: 'object', properties: { delivered: { type: 'integer' }, failed: { type: 'integer' }, gaveUp: { type: 'integer' } } },
            ms: { type: 'number' },
          },
        },
        404: errorResponse,
      },
    },
  }, async () => need(svc).check());

  app.get('/api/alerts/stream', {
    schema: {
      summary: 'Luồng sự kiện cảnh báo (server-sent events, text/event-stream)',
      description: 'Mỗi sự kiện: `id: <số>`, `event: alert-start` hoặc `alert-end`, `data: <JSON>`. Nối lại bằng header `Last-Event-ID` (EventSource tự gửi) hoặc `?since=`: nhận mọi sự kiện sau số đó, kể cả khi máy chủ đã khởi động lại. Không có cả hai: chỉ nhận sự kiện mới.',
      tags: TAGS,
      querystring: { type: 'object', properties: { since: { type: 'integer', minimum: 0, description: 'Nhận các sự kiện sau số này (như Last-Event-ID).' } } },
      headers: { type: 'object', properties: { 'last-event-id': { type: 'string', maxLength: 20, description: 'Số của sự kiện cuối đã nhận.' } } },
      response: {
        200: { description: 'Luồng text/event-stream không kết thúc.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        400: errorResponse,
        404: errorResponse,
      },
    },
  }, async (req, reply) => {
    const s = need(svc);
    const ip = req.ip;
    if ((perClient.get(ip) ?? 0) >= limits.perClient) {
      reply.header('Retry-After', '60');
      throw new TooMany(429, `Địa chỉ của bạn đã mở ${limits.perClient} luồng sự kiện, mức tối đa; hãy đóng bớt rồi thử lại.`);
    }
    if (clients.size >= limits.total) {
      throw new TooMany(503, `Máy chủ đang phục vụ ${limits.total} luồng sự kiện, mức tối đa; hãy thử lại sau ít phút.`);
    }
    const c: Client = { res: reply.raw, last: await startFrom(req, s), ip };
    reply.hijack();
    c.res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    c.res.write('retry: 5000\n\n');
    clients.add(c);
    perClient.set(ip, (perClient.get(ip) ?? 0) + 1);
    // Closed after its lifetime; EventSource reconnects by itself and resumes with Last-Event-ID.
    c.timer = setTimeout(() => c.res.end(), limits.lifetimeMs);
    c.timer.unref();
    req.raw.socket.setTimeout(0);
    req.raw.on('close', () => drop(c));
    c.res.on('close', () => drop(c));
    pump(c).catch((err: unknown) => app.log.error({ err }, 'alert stream'));
    poll ??= setInterval(() => {
      pumpAll();
      if (++ticks % Math.round(HEARTBEAT_MS / POLL_MS) === 0) {
        for (const x of clients) {
          if (x.res.writableLength > limits.maxBufferedBytes) x.res.destroy();
          else x.res.write(': ping\n\n');
        }
      }
    }, POLL_MS).unref();
  });
}
