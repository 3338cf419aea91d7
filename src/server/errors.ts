/**
 * Errors as the server returns them. Invalid input gets a 400 naming the field and saying, in
 * Vietnamese, what is expected; API clients get JSON, browsers get an HTML page that says what to
 * do next.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { html } from './html.ts';
import { page } from './layout.ts';

/** The body of every JSON error. */
export interface ApiError {
  statusCode: number;
  error: string;
  message: string;
  field?: string;
}

interface AjvError {
  instancePath?: string;
  keyword: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** An error for input we cannot use, with the field it concerns. */
export class BadRequest extends Error {
  readonly statusCode = 400;
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(message);
    this.field = field;
  }
}

export class NotFound extends Error {
  readonly statusCode = 404;
}

/** Field name and Vietnamese message for the first schema validation error. */
export function describeValidation(errors: AjvError[]): { field?: string; message: string } {
  const e = errors[0];
  if (!e) return { message: 'Dữ liệu gửi lên không hợp lệ.' };
  const p = e.params ?? {};
  let field = (e.instancePath ?? '').replace(/^\//, '').split('/')[0] || undefined;
  if (e.keyword === 'required') field = String(p.missingProperty ?? field ?? '');
  if (e.keyword === 'additionalProperties') field = String(p.additionalProperty ?? field ?? '');
  const f = field ? `"${field}"` : 'Giá trị';
  let message: string;
  switch (e.keyword) {
    case 'required':
      message = `Thiếu tham số ${f}.`;
      break;
    case 'type':
      message = `${f} phải là ${typeName(String(p.type))}.`;
      break;
    case 'minimum':
      message = `${f} phải lớn hơn hoặc bằng ${p.limit}.`;
      break;
    case 'maximum':
      message = `${f} phải nhỏ hơn hoặc bằng ${p.limit}.`;
      break;
    case 'minLength':
      message = `${f} phải có ít nhất ${p.limit} ký tự.`;
      break;
    case 'maxLength':
      message = `${f} dài quá: tối đa ${p.limit} ký tự.`;
      break;
    case 'maxItems':
      message = `${f} có quá nhiều giá trị: tối đa ${p.limit}.`;
      break;
    case 'enum':
      message = `${f} phải là một trong: ${((p.allowedValues as unknown[]) ?? []).join(', ')}.`;
      break;
    case 'format':
      message = p.format === 'date' ? `${f} phải là ngày dạng YYYY-MM-DD (ví dụ 2025-09-02).` : `${f} không đúng định dạng ${p.format}.`;
      break;
    case 'pattern':
      message = `${f} không đúng định dạng.`;
      break;
    case 'additionalProperties':
      message = `Không có tham số ${f}.`;
      break;
    default:
      message = `${f} không hợp lệ${e.message ? ` (${e.message})` : ''}.`;
  }
  return { field, message };
}

function typeName(t: string): string {
  switch (t) {
    case 'integer':
      return 'số nguyên';
    case 'number':
      return 'số';
    case 'string':
      return 'chuỗi ký tự';
    case 'boolean':
      return 'true hoặc false';
    case 'array':
      return 'danh sách';
    default:
      return t;
  }
}

function wantsJson(req: FastifyRequest): boolean {
  return req.url.startsWith('/api/') || req.url === '/healthz' || !(req.headers.accept ?? '').includes('text/html');
}

export function errorPage(status: number, title: string, message: string, hint?: string): string {
  return page({
    title: `${title} — Tra`,
    body: html`<section class="error-page" aria-labelledby="error-title">
<h1 id="error-title">${title}</h1>
<p>${message}</p>
${hint ? html`<p>${hint}</p>` : ''}
<p><a href="/">Về trang chủ</a> hoặc thử tìm kiếm khác ở ô phía trên.</p>
</section>`,
  });
}

function send(reply: FastifyReply, req: FastifyRequest, body: ApiError, hint?: string): FastifyReply {
  reply.code(body.statusCode);
  if (wantsJson(req)) return reply.type('application/json; charset=utf-8').send(body);
  const title = body.statusCode === 404 ? 'Không tìm thấy trang' : body.statusCode === 429 ? 'Quá nhiều yêu cầu' : body.statusCode === 503 ? 'Chưa sẵn sàng' : body.statusCode >= 500 ? 'Lỗi máy chủ' : 'Yêu cầu không hợp lệ';
  return reply.type('text/html; charset=utf-8').send(errorPage(body.statusCode, title, body.message, hint));
}

/**
 * What fastify says in English about a request body it cannot read, said in Vietnamese with what
 * to do: by fastify's error code.
 */
const BODY_ERRORS: Record<string, { status: number; error: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, error: 'Bad Request', message: 'Nội dung gửi lên không phải JSON hợp lệ (header Content-Type nói là application/json): hãy kiểm tra ngoặc, dấu phẩy và dấu nháy kép.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, error: 'Bad Request', message: 'Nội dung gửi lên trống trong khi header Content-Type là application/json: hãy gửi một đối tượng JSON, hoặc bỏ header đó.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, error: 'Unsupported Media Type', message: 'Máy chủ chỉ nhận nội dung JSON: hãy gửi với header Content-Type: application/json.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, error: 'Bad Request', message: 'Độ dài nội dung gửi lên không khớp với header Content-Length: hãy gửi lại yêu cầu.' },
  FST_ERR_CTP_INVALID_CONTENT_TYPE: { status: 415, error: 'Unsupported Media Type', message: 'Header Content-Type không hợp lệ: hãy gửi với Content-Type: application/json.' },
};

/** The answer to a request the HTTP parser refused before any route saw it (headers too large, a malformed request, a timeout). */
export function clientErrorResponse(code: string | undefined, rawPacket?: Buffer): string {
  const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const reason = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
  const message = status === 431
    ? 'Phần đầu (header) của yêu cầu quá lớn, thường do cookie hay địa chỉ quá dài: hãy xoá cookie của trang này hoặc rút ngắn địa chỉ rồi thử lại.'
    : status === 408
      ? 'Yêu cầu gửi đến quá chậm nên máy chủ đã ngừng chờ: hãy thử lại.'
      : 'Yêu cầu HTTP không đúng định dạng nên máy chủ không đọc được: hãy kiểm tra chương trình gửi yêu cầu.';
  // The parser stopped before the headers were read; what arrived shows whether a browser asked for a page.
  const head = rawPacket ? rawPacket.subarray(0, 8192).toString('latin1') : '';
  const target = /^[A-Z]+ (\S+)/.exec(head)?.[1] ?? '';
  const browser = !target.startsWith('/api/') && target !== '/healthz' && /\r\naccept:[^\r\n]*text\/html/i.test(head);
  let type = 'application/json; charset=utf-8';
  let body = JSON.stringify({ statusCode: status, error: reason, message } satisfies ApiError);
  if (browser) {
    type = 'text/html; charset=utf-8';
    body = errorPage(status, status === 431 ? 'Yêu cầu quá lớn' : 'Yêu cầu không hợp lệ', message);
  }
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff${browser ? "\r\nContent-Security-Policy: default-src 'self'; frame-ancestors 'none'" : ''}\r\nConnection: close\r\n\r\n${body}`;
}

export function installErrorHandlers(app: FastifyInstance): void {
  // Replace fastify's English answer to requests the HTTP parser refused (431 and the like).
  app.server.removeAllListeners('clientError');
  app.server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    // end() sends the answer before closing; a socket that cannot take it is closed at once.
    if (socket.writable) socket.end(clientErrorResponse(err.code, err.rawPacket));
    else socket.destroy();
  });
  app.setNotFoundHandler((req, reply) => {
    send(reply, req, { statusCode: 404, error: 'Not Found', message: `Không có trang hay tài nguyên nào ở địa chỉ ${req.url.split('?')[0]}.` }, 'Kiểm tra lại địa chỉ, hoặc xem danh sách API ở /api/docs.');
  });
  app.setErrorHandler((err: FastifyError & { field?: string }, req, reply) => {
    if (err.validation) {
      const { field, message } = describeValidation(err.validation as AjvError[]);
      return send(reply, req, { statusCode: 400, error: 'Bad Request', message, ...(field ? { field } : {}) });
    }
    const status = err.statusCode ?? 500;
    if (status === 503) {
      reply.header('Retry-After', '60');
      return send(reply, req, { statusCode: 503, error: 'Service Unavailable', message: err.message });
    }
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return send(reply, req, { statusCode: status, error: 'Internal Server Error', message: 'Máy chủ gặp lỗi khi xử lý yêu cầu này. Hãy thử lại; nếu lỗi lặp lại, xem nhật ký máy chủ.' });
    }
    const bodyError = err.code ? BODY_ERRORS[err.code] : undefined;
    if (bodyError) {
      return send(reply, req, { statusCode: bodyError.status, error: bodyError.error, message: bodyError.message, field: 'body' });
    }
    if (status === 413) {
      return send(reply, req, { statusCode: 413, error: 'Payload Too Large', message: 'Dữ liệu gửi lên quá lớn.' });
    }
    if (status === 429) {
      return send(reply, req, { statusCode: 429, error: 'Too Many Requests', message: err.message });
    }
    const body: ApiError = { statusCode: status, error: status === 404 ? 'Not Found' : 'Bad Request', message: err.message };
    if (err.field) body.field = err.field;
    return send(reply, req, body);
  });
}
