/**
 * Moderation pages (Vietnamese, server-rendered, no JavaScript):
 *
 *   /may-chu/chinh-sach          public: the servers this one silenced or suspended, each with its
 *                                reason, and the moderation log (takedowns, resolved reports,
 *                                policy changes) — when and why, never the removed content
 *   /quan-tri/kiem-duyet         the operator: open reports with the reported posts, resolve with a
 *                                note, take a post down, set a server's policy
 *   /cai-dat/chan                a reader's own blocks, mutes and hidden servers, each undoable;
 *                                the same page takes block / mute / hide-server forms
 *
 * Every form carries the CSRF token; the operator's pages answer 403 to anyone but an admin.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SocialContext } from '../http.ts';
import { SocialError } from '../store/errors.ts';
import type { AccountRow, StatusRow } from '../store/rows.ts';
import { normalizeId } from '../store/ids.ts';
import { html, raw, type SafeHtml } from '../../server/html.ts';
import { page } from '../../server/layout.ts';
import { checkCsrf, sessionOf, type PageSession } from './session.ts';
import { STYLE_PATH } from './views.ts';
import { moderationOf } from '../moderation/service.ts';
import type { DomainPolicyRow, LogRow, ReportRow } from '../moderation/store.ts';

export const POLICY_PATH = '/may-chu/chinh-sach';
export const MODERATION_PATH = '/quan-tri/kiem-duyet';
export const MY_BLOCKS_PATH = '/cai-dat/chan';

type Body = Record<string, unknown>;
const field = (b: Body, k: string, max = 5000): string => {
  const v = b[k];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s.slice(0, max) : '';
};

const SEVERITY: Record<string, string> = { silence: 'Giới hạn', suspend: 'Đình chỉ' };
const SEVERITY_HINT: Record<string, string> = {
  silence: 'bài của họ không vào dòng thời gian công khai và bảng tin xếp hạng; người theo dõi họ vẫn thấy',
  suspend: 'không nhận hoạt động nào từ họ, không gửi gì tới họ, bài của họ không hiện ở đây',
};
const CATEGORY: Record<string, string> = { spam: 'Thư rác', legal: 'Vi phạm pháp luật', violation: 'Vi phạm quy tắc máy chủ', other: 'Khác' };
const ACTION: Record<string, string> = {
  takedown: 'Gỡ một bài viết',
  report_resolved: 'Xử lý một báo cáo',
  domain_silence: 'Giới hạn một máy chủ',
  domain_suspend: 'Đình chỉ một máy chủ',
  domain_policy_removed: 'Bỏ chính sách với một máy chủ',
};

const day = (ms: number): string => new Date(ms).toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short' });
const csrfField = (token: string): SafeHtml => html`<input type="hidden" name="csrf" value="${token}">`;

function shell(title: string, body: SafeHtml): string {
  return page({ title: `${title} — Tra`, body: html`<div class="account-page moderation">${body}</div>`, styles: [STYLE_PATH], headerSearch: true, nav: 'social' });
}

function flash(o: { notice?: string; errors?: string[] }): SafeHtml {
  return html`${o.notice ? html`<p class="notice" role="status">${o.notice}</p>` : ''}${(o.errors ?? []).length ? html`<div class="form-errors" role="alert">${o.errors!.map((m) => html`<p>${m}</p>`)}</div>` : ''}`;
}

function handle(ctx: SocialContext, a: AccountRow | undefined): string {
  if (!a) return 'tài khoản không còn';
  return a.domain ? `@${a.username}@${a.domain}` : `@${a.username}`;
}

function policyTable(rows: DomainPolicyRow[]): SafeHtml {
  if (!rows.length) return html`<p>Máy chủ này không giới hạn hay đình chỉ máy chủ nào.</p>`;
  return html`<table><thead><tr><th scope="col">Máy chủ</th><th scope="col">Mức</th><th scope="col">Lý do</th><th scope="col">Từ</th></tr></thead><tbody>
${rows.map((p) => html`<tr><td>${p.domain}</td><td title="${SEVERITY_HINT[p.severity]}">${SEVERITY[p.severity]}</td><td>${p.publicComment}</td><td>${day(p.updatedAt)}</td></tr>`)}
</tbody></table>`;
}

function logList(rows: LogRow[]): SafeHtml {
  if (!rows.length) return html`<p>Chưa có việc kiểm duyệt nào.</p>`;
  return html`<ul class="moderation-log">${rows.map((r) => html`<li><strong>${ACTION[r.action] ?? r.action}</strong> — ${day(r.createdAt)}${r.domain ? html` — máy chủ ${r.domain}` : ''}: ${r.note}</li>`)}</ul>`;
}

export function policyPage(o: { policies: DomainPolicyRow[]; log: LogRow[]; host: string }): string {
  return shell(
    'Chính sách kiểm duyệt',
    html`<h1>Chính sách kiểm duyệt của ${o.host}</h1>
<p>Máy chủ này không nhập danh sách chặn của ai, không lọc theo từ khoá và không chấm điểm người dùng. Mỗi người tự ẩn hoặc chặn tài khoản và máy chủ cho riêng mình. Người vận hành chỉ xử lý từng báo cáo, và mọi quyết định với máy chủ khác được công bố ở đây kèm lý do.</p>
<section><h2>Máy chủ bị giới hạn hoặc đình chỉ</h2>
<p class="hint">Giới hạn: ${SEVERITY_HINT.silence}. Đình chỉ: ${SEVERITY_HINT.suspend}.</p>
${policyTable(o.policies)}</section>
<section><h2>Nhật ký kiểm duyệt</h2>
<p class="hint">Ngày giờ và lý do của từng việc; nội dung bị gỡ không được đăng lại ở đây.</p>
${logList(o.log)}</section>`,
  );
}

interface ReportView {
  report: ReportRow;
  reporter?: AccountRow;
  target?: AccountRow;
  statuses: StatusRow[];
}

function reportCard(ctx: SocialContext, csrf: string, v: ReportView): SafeHtml {
  const r = v.report;
  return html`<article class="report" id="bao-cao-${r.id}">
<h3>Báo cáo về ${handle(ctx, v.target)} <small>(${CATEGORY[r.category] ?? r.category}, ${day(r.createdAt)})</small></h3>
<p>Người báo cáo: ${r.accountId ? handle(ctx, v.reporter) : 'một máy chủ khác'}${r.forwarded ? ' — đã chuyển tới máy chủ của tài khoản này' : ''}</p>
${r.comment ? html`<blockquote>${r.comment}</blockquote>` : ''}
${v.statuses.length ? html`<ul class="reported-posts">${v.statuses.map((st) => html`<li>${st.deletedAt !== null ? html`<em>Bài ${st.id} đã bị xoá.</em>` : html`<div class="content">${st.spoilerText ? html`<p><strong>${st.spoilerText}</strong></p>` : ''}${htmlContent(st)}</div>
<form method="post" action="${MODERATION_PATH}/go-bai">${csrfField(csrf)}<input type="hidden" name="status_id" value="${st.id}"><input type="hidden" name="report_id" value="${r.id}">
<div class="field"><label for="go-${st.id}">Lý do gỡ bài (công khai trong nhật ký)</label><input id="go-${st.id}" name="note" required maxlength="1000"></div>
<div class="actions"><button type="submit" class="danger">Gỡ bài này</button></div></form>`}</li>`)}</ul>` : ''}
${r.resolvedAt === null
  ? html`<form method="post" action="${MODERATION_PATH}/bao-cao/${r.id}">${csrfField(csrf)}
<div class="field"><label for="xl-${r.id}">Cách xử lý (công khai trong nhật ký)</label><input id="xl-${r.id}" name="note" required maxlength="1000"></div>
<div class="actions"><button type="submit">Đánh dấu đã xử lý</button></div></form>`
  : html`<p>Đã xử lý ${day(r.resolvedAt)}: ${r.resolutionNote ?? ''}</p>`}
</article>`;
}

/** Stored status HTML is made by us (escaped) or sanitised on arrival; shown as it is. */
function htmlContent(st: StatusRow): SafeHtml {
  return raw(st.content);
}

export function moderationPage(ctx: SocialContext, o: { csrf: string; open: ReportView[]; resolved: ReportView[]; policies: DomainPolicyRow[]; notice?: string; errors?: string[] }): string {
  return shell(
    'Kiểm duyệt',
    html`<h1>Kiểm duyệt</h1>
${flash(o)}
<p class="hint">Mọi việc ở đây được ghi vào <a href="${POLICY_PATH}">nhật ký công khai</a> kèm lý do.</p>
<section><h2>Báo cáo đang chờ (${o.open.length})</h2>
${o.open.length ? o.open.map((v) => reportCard(ctx, o.csrf, v)) : html`<p>Không có báo cáo nào đang chờ.</p>`}</section>
<section><h2>Chính sách với máy chủ khác</h2>
${policyTable(o.policies)}
<form method="post" action="${MODERATION_PATH}/may-chu">${csrfField(o.csrf)}
<div class="field"><label for="domain">Máy chủ</label><input id="domain" name="domain" required maxlength="253" placeholder="vi-du.social"></div>
<div class="field"><label for="severity">Mức</label><select id="severity" name="severity"><option value="silence">Giới hạn</option><option value="suspend">Đình chỉ</option><option value="none">Bỏ chính sách</option></select></div>
<div class="field"><label for="public_comment">Lý do công khai</label><input id="public_comment" name="public_comment" maxlength="1000"></div>
<div class="field"><label for="private_comment">Ghi chú riêng của người vận hành</label><input id="private_comment" name="private_comment" maxlength="1000"></div>
<div class="actions"><button type="submit">Lưu chính sách</button></div></form></section>
<section><h2>Gỡ một bài viết</h2>
<p class="hint">Bài của máy chủ này bị xoá ở mọi máy chủ đã nhận nó; bài của máy chủ khác chỉ bị gỡ khỏi máy chủ này.</p>
<form method="post" action="${MODERATION_PATH}/go-bai">${csrfField(o.csrf)}
<div class="field"><label for="status_id">Mã bài viết</label><input id="status_id" name="status_id" required maxlength="40" inputmode="numeric"></div>
<div class="field"><label for="note">Lý do (công khai trong nhật ký)</label><input id="note" name="note" required maxlength="1000"></div>
<div class="actions"><button type="submit" class="danger">Gỡ bài</button></div></form></section>
<section><h2>Báo cáo đã xử lý gần đây</h2>
${o.resolved.length ? o.resolved.map((v) => reportCard(ctx, o.csrf, v)) : html`<p>Chưa có.</p>`}</section>`,
  );
}

export function myBlocksPage(ctx: SocialContext, o: { csrf: string; blocks: AccountRow[]; mutes: Array<{ account: AccountRow; expiresAt: number | null }>; domains: string[]; notice?: string; errors?: string[] }): string {
  const undo = (action: string, name: string, value: string, label: string) =>
    html`<form method="post" action="${MY_BLOCKS_PATH}" class="inline">${csrfField(o.csrf)}<input type="hidden" name="action" value="${action}"><input type="hidden" name="${name}" value="${value}"><button type="submit">${label}</button></form>`;
  return shell(
    'Chặn và ẩn',
    html`<h1>Chặn và ẩn</h1>
${flash(o)}
<p class="hint">Chỉ bạn thấy danh sách này. Ẩn một tài khoản: bài của họ không hiện trong dòng thời gian và bảng tin của bạn. Chặn: thêm vào đó, hai bên thôi theo dõi nhau, họ không theo dõi, nhắc tới hay xem bài riêng tư của bạn được.</p>
<section><h2>Tài khoản bạn chặn</h2>
${o.blocks.length ? html`<ul>${o.blocks.map((a) => html`<li>${handle(ctx, a)} ${undo('unblock', 'account_id', a.id, 'Bỏ chặn')}</li>`)}</ul>` : html`<p>Chưa chặn ai.</p>`}</section>
<section><h2>Tài khoản bạn ẩn</h2>
${o.mutes.length ? html`<ul>${o.mutes.map((m) => html`<li>${handle(ctx, m.account)}${m.expiresAt ? html` (tới ${day(m.expiresAt)})` : ''} ${undo('unmute', 'account_id', m.account.id, 'Bỏ ẩn')}</li>`)}</ul>` : html`<p>Chưa ẩn ai.</p>`}</section>
<section><h2>Máy chủ bạn ẩn</h2>
${o.domains.length ? html`<ul>${o.domains.map((d) => html`<li>${d} ${undo('unblock_domain', 'domain', d, 'Bỏ ẩn')}</li>`)}</ul>` : html`<p>Chưa ẩn máy chủ nào.</p>`}
<form method="post" action="${MY_BLOCKS_PATH}">${csrfField(o.csrf)}<input type="hidden" name="action" value="block_domain">
<div class="field"><label for="an-may-chu">Ẩn cả một máy chủ</label><input id="an-may-chu" name="domain" required maxlength="253" placeholder="vi-du.social"></div>
<div class="actions"><button type="submit">Ẩn máy chủ</button></div></form></section>`,
  );
}

export async function moderationPages(app: FastifyInstance, { ctx }: { ctx: SocialContext }): Promise<void> {
  const m = () => moderationOf(ctx);
  const send = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
  const signedIn = (req: FastifyRequest, reply: FastifyReply, back: string): PageSession | undefined => {
    const s = sessionOf(ctx, req);
    if (!s) void reply.redirect(`/dang-nhap?tiep=${encodeURIComponent(back)}`, 303);
    return s;
  };
  const operator = (req: FastifyRequest, reply: FastifyReply): PageSession | undefined => {
    const s = signedIn(req, reply, MODERATION_PATH);
    if (s && (s.account.role !== 'admin' || s.account.domain !== null)) throw new SocialError(403, 'Chỉ quản trị viên mới vào được trang này');
    return s;
  };

  app.get(POLICY_PATH, async (_req, reply) =>
    send(reply, 200, policyPage({ policies: m().store.policies(), log: m().store.logEntries(200), host: ctx.urls.host })),
  );

  const reportView = (r: ReportRow): ReportView => ({
    report: r,
    reporter: r.accountId ? ctx.store.accounts.byId(r.accountId) : undefined,
    target: ctx.store.accounts.byId(r.targetAccountId),
    statuses: r.statusIds.map((id) => ctx.store.statuses.byId(id)).filter((x): x is StatusRow => !!x),
  });
  const moderationView = (s: PageSession, reply: FastifyReply, status = 200, extra: { notice?: string; errors?: string[] } = {}) =>
    send(reply, status, moderationPage(ctx, {
      csrf: s.csrf,
      open: m().store.reports({ open: true, limit: 100 }).map(reportView),
      resolved: m().store.reports({ open: false, limit: 20 }).map(reportView),
      policies: m().store.policies(),
      ...extra,
    }));
  /** Run an operator's action; a refusal is shown on the page with its status. */
  const act = (s: PageSession, reply: FastifyReply, fn: () => string) => {
    try {
      return moderationView(s, reply, 200, { notice: fn() });
    } catch (err) {
      if (err instanceof SocialError && err.statusCode < 500) return moderationView(s, reply, err.statusCode, { errors: [err.message] });
      throw err;
    }
  };

  app.get(MODERATION_PATH, async (req, reply) => {
    const s = operator(req, reply);
    return s ? moderationView(s, reply) : reply;
  });

  app.post(`${MODERATION_PATH}/bao-cao/:id`, async (req, reply) => {
    const s = operator(req, reply);
    if (!s) return reply;
    const b = (req.body ?? {}) as Body;
    checkCsrf(ctx, req, s, b.csrf);
    return act(s, reply, () => {
      const id = normalizeId((req.params as { id: string }).id);
      if (!id) throw new SocialError(404, 'Không tìm thấy báo cáo này');
      m().resolve(s.account.id, id, field(b, 'note', 1000));
      return 'Đã đánh dấu báo cáo là đã xử lý.';
    });
  });

  app.post(`${MODERATION_PATH}/go-bai`, async (req, reply) => {
    const s = operator(req, reply);
    if (!s) return reply;
    const b = (req.body ?? {}) as Body;
    checkCsrf(ctx, req, s, b.csrf);
    return act(s, reply, () => {
      const id = normalizeId(field(b, 'status_id', 40).trim());
      if (!id) throw new SocialError(404, 'Không tìm thấy bài viết này');
      const st = m().takedown(s.account.id, id, field(b, 'note', 1000), normalizeId(field(b, 'report_id', 40)) ?? undefined);
      const local = ctx.store.accounts.byId(st.accountId)?.domain === null;
      return local ? `Đã gỡ bài ${st.id}; lệnh xoá được gửi tới các máy chủ đã nhận bài.` : `Đã gỡ bài ${st.id} khỏi máy chủ này.`;
    });
  });

  app.post(`${MODERATION_PATH}/may-chu`, async (req, reply) => {
    const s = operator(req, reply);
    if (!s) return reply;
    const b = (req.body ?? {}) as Body;
    checkCsrf(ctx, req, s, b.csrf);
    return act(s, reply, () => {
      const severity = field(b, 'severity', 20) as 'none' | 'silence' | 'suspend';
      const row = m().setPolicy(s.account.id, field(b, 'domain', 300), severity, field(b, 'public_comment', 1000), field(b, 'private_comment', 1000));
      return row ? `${SEVERITY[row.severity]} máy chủ ${row.domain}.` : 'Đã bỏ chính sách với máy chủ này.';
    });
  });

  // --- A reader's own blocks, mutes and hidden servers.
  const mine = (s: PageSession, reply: FastifyReply, status = 200, extra: { notice?: string; errors?: string[] } = {}) => {
    const acct = (id: string) => ctx.store.accounts.byId(id);
    return send(reply, status, myBlocksPage(ctx, {
      csrf: s.csrf,
      blocks: m().store.blocks(s.account.id, { limit: 200 }).map((r) => acct(r.targetAccountId)).filter((a): a is AccountRow => !!a),
      mutes: m().store.mutes(s.account.id, { limit: 200 }).flatMap((r) => {
        const a = acct(r.targetAccountId);
        return a ? [{ account: a, expiresAt: r.expiresAt }] : [];
      }),
      domains: m().store.domainBlocks(s.account.id, { limit: 200 }).map((r) => r.domain),
      ...extra,
    }));
  };

  app.get(MY_BLOCKS_PATH, async (req, reply) => {
    const s = signedIn(req, reply, MY_BLOCKS_PATH);
    return s ? mine(s, reply) : reply;
  });

  app.post(MY_BLOCKS_PATH, async (req, reply) => {
    const s = signedIn(req, reply, MY_BLOCKS_PATH);
    if (!s) return reply;
    const b = (req.body ?? {}) as Body;
    checkCsrf(ctx, req, s, b.csrf);
    const account = () => {
      const id = normalizeId(field(b, 'account_id', 40));
      if (!id) throw new SocialError(404, 'Không tìm thấy tài khoản này');
      return id;
    };
    try {
      const action = field(b, 'action', 40);
      let notice: string;
      switch (action) {
        case 'block':
          m().block(s.account.id, account());
          notice = 'Đã chặn.';
          break;
        case 'unblock':
          m().unblock(s.account.id, account());
          notice = 'Đã bỏ chặn.';
          break;
        case 'mute':
          m().mute(s.account.id, account(), { notifications: field(b, 'notifications') !== '0', durationSeconds: Number(field(b, 'duration', 20) || 0) });
          notice = 'Đã ẩn.';
          break;
        case 'unmute':
          m().unmute(s.account.id, account());
          notice = 'Đã bỏ ẩn.';
          break;
        case 'block_domain':
          notice = `Đã ẩn máy chủ ${m().blockDomain(s.account.id, field(b, 'domain', 300))}.`;
          break;
        case 'unblock_domain':
          m().unblockDomain(s.account.id, field(b, 'domain', 300));
          notice = 'Đã bỏ ẩn máy chủ.';
          break;
        default:
          throw new SocialError(422, 'Không rõ việc cần làm');
      }
      return mine(s, reply, 200, { notice });
    } catch (err) {
      if (err instanceof SocialError && err.statusCode < 500) return mine(s, reply, err.statusCode, { errors: [err.message] });
      throw err;
    }
  });
}
