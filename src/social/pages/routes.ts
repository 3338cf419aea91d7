/**
 * The account pages: /dang-ky (sign up), /dang-nhap (sign in), /dang-xuat (sign out), /cai-dat
 * (profile, password, authorised apps, deletion) and /quan-tri (the operator's instance settings).
 * Every POST checks its CSRF token first; a refusal re-renders the form with one line saying why.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SocialContext } from '../http.ts';
import { SocialError } from '../store/errors.ts';
import { REGISTRATION_MODES, type RegistrationMode } from '../store/settings.ts';
import { checkCsrf, csrfFor, endSession, sessionOf, startSession, type PageSession } from './session.ts';
import { adminPage, settingsPage, signInPage, signUpPage, STYLE, STYLE_PATH } from './views.ts';
import { DEFAULT_AVATAR_PATH, DEFAULT_HEADER_PATH } from '../mastodon/entities.ts';
import { socialPages } from './social.ts';
import { LinkError } from '../sources/index.ts';

type Body = Record<string, unknown>;
const field = (b: Body, k: string, max = 5000): string => {
  const v = b[k];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s.slice(0, max) : '';
};

/** A redirect target that stays on this site: a path, never `//host` or a backslash trick. */
export function safeNext(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length > 4000) return undefined;
  if (!v.startsWith('/') || v.startsWith('//') || v.includes('\\') || /[\r\n]/.test(v)) return undefined;
  return v;
}

const AVATAR_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="#d9e6e1"/><circle cx="32" cy="25" r="12" fill="#6c8a80"/><path d="M10 60c2-13 11-20 22-20s20 7 22 20z" fill="#6c8a80"/></svg>`;
const HEADER_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100"><rect width="300" height="100" fill="#d9e6e1"/></svg>`;

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

export async function accountPages(app: FastifyInstance, { ctx }: { ctx: SocialContext }): Promise<void> {
  app.get(STYLE_PATH, async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLE));
  app.get(DEFAULT_AVATAR_PATH, async (_req, reply) => reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(AVATAR_SVG));
  app.get(DEFAULT_HEADER_PATH, async (_req, reply) => reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(HEADER_SVG));

  // --- Sign in.
  app.get('/dang-nhap', async (req, reply) => {
    const q = req.query as Body;
    const next = safeNext(q.tiep);
    const session = sessionOf(ctx, req);
    if (session && next) return reply.redirect(next, 303);
    const csrf = csrfFor(ctx, req, reply, undefined);
    return html(reply, 200, signInPage({ csrf, next, notice: session ? `Bạn đang đăng nhập là @${session.account.username}.` : undefined }));
  });

  app.post('/dang-nhap', async (req, reply) => {
    const b = (req.body ?? {}) as Body;
    const next = safeNext(field(b, 'tiep'));
    const username = field(b, 'username', 100);
    checkCsrf(ctx, req, undefined, b.csrf);
    try {
      const account = await ctx.accounts.signIn(username, field(b, 'password', 2000), req.ip);
      startSession(ctx, req, reply, account);
      return reply.redirect(next ?? '/cai-dat', 303);
    } catch (err) {
      if (!(err instanceof SocialError)) throw err;
      if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
      return html(reply, err.statusCode, signInPage({ csrf: csrfFor(ctx, req, reply, undefined), next, username, errors: [err.message] }));
    }
  });

  app.post('/dang-xuat', async (req, reply) => {
    const session = sessionOf(ctx, req);
    checkCsrf(ctx, req, session, ((req.body ?? {}) as Body).csrf);
    endSession(ctx, req, reply);
    return reply.redirect('/', 303);
  });

  // --- Sign up.
  app.get('/dang-ky', async (req, reply) => {
    const next = safeNext((req.query as Body).tiep);
    const invite = typeof (req.query as Body).moi === 'string' ? String((req.query as Body).moi).slice(0, 100) : undefined;
    return html(reply, 200, signUpPage({ csrf: csrfFor(ctx, req, reply, undefined), mode: ctx.store.settings.get().registrations, next, invite }));
  });

  app.post('/dang-ky', async (req, reply) => {
    const b = (req.body ?? {}) as Body;
    checkCsrf(ctx, req, undefined, b.csrf);
    const next = safeNext(field(b, 'tiep'));
    const username = field(b, 'username', 100);
    const displayName = field(b, 'display_name', 100);
    const invite = field(b, 'invite', 100);
    const again = (status: number, message: string) =>
      html(reply, status, signUpPage({ csrf: csrfFor(ctx, req, reply, undefined), mode: ctx.store.settings.get().registrations, next, username, displayName, invite, errors: [message] }));
    const password = field(b, 'password', 2000);
    if (password !== field(b, 'password_confirmation', 2000)) return again(422, 'Hai lần nhập mật khẩu không khớp nhau');
    try {
      const account = await ctx.accounts.signUp({ username, password, displayName, inviteCode: invite || undefined });
      startSession(ctx, req, reply, account);
      return reply.redirect(next ?? '/cai-dat?moi=1', 303);
    } catch (err) {
      if (err instanceof SocialError) return again(err.statusCode, err.message);
      throw err;
    }
  });

  // --- Settings (signed in only).
  const signedIn = (req: FastifyRequest, reply: FastifyReply): PageSession | undefined => {
    const s = sessionOf(ctx, req);
    if (!s) void reply.redirect(`/dang-nhap?tiep=${encodeURIComponent('/cai-dat')}`, 303);
    return s;
  };
  const settings = (s: PageSession, reply: FastifyReply, status = 200, extra: { notice?: string; errors?: string[] } = {}) =>
    html(reply, status, settingsPage({ csrf: s.csrf, account: ctx.store.accounts.byId(s.account.id)!, apps: ctx.store.oauth.authorizedApps(s.account.id), ...extra }));

  app.get('/cai-dat', async (req, reply) => {
    const s = signedIn(req, reply);
    if (!s) return reply;
    return settings(s, reply, 200, { notice: (req.query as Body).moi ? `Chào mừng @${s.account.username}! Tài khoản của bạn đã sẵn sàng.` : undefined });
  });

  app.post('/cai-dat/ho-so', async (req, reply) => {
    const s = signedIn(req, reply);
    if (!s) return reply;
    const b = (req.body ?? {}) as Body;
    checkCsrf(ctx, req, s, b.csrf);
    const avatar = field(b, 'avatar', 2100).trim();
    if (avatar && !/^https?:\/\/[^\s]+$/i.test(avatar)) return settings(s, reply, 422, { errors: ['Địa chỉ ảnh đại diện phải bắt đầu bằng https:// (hoặc http://)'] });
    if ([...field(b, 'display_name', 200)].length > 30) return settings(s, reply, 422, { errors: ['Tên hiển thị dài quá 30 ký tự'] });
    if ([...field(b, 'note', 2000)].length > 500) return settings(s, reply, 422, { errors: ['Phần giới thiệu dài quá 500 ký tự'] });
    ctx.actions.updateProfile(s.account.id, {
      displayName: field(b, 'display_name', 200),
      note: field(b, 'note', 2000),
      avatarUrl: avatar || null,
      locked: field(b, 'locked') === '1',
      discoverable: field(b, 'discoverable') === '1',
      indexable: field(b, 'indexable') === '1',
    });
    return settings(s, reply, 200, { notice: 'Đã lưu hồ sơ.' });
  });

  app.post('/cai-dat/mat-khau', async (req, reply) => {
    const s = signedIn(req, reply);
    if (!s) return reply;
    const b = (req.body ?? {}) as Body;
    checkCsrf(ctx, req, s, b.csrf);
    if (field(b, 'password', 2000) !== field(b, 'password_confirmation', 2000)) return settings(s, reply, 422, { errors: ['Hai lần nhập mật khẩu mới không khớp nhau'] });
    try {
      await ctx.accounts.changePassword(s.account.id, field(b, 'current_password', 2000), field(b, 'password', 2000), s.id);
    } catch (err) {
      if (err instanceof SocialError) return settings(s, reply, err.statusCode, { errors: [err.message] });
      throw err;
    }
    return settings(s, reply, 200, { notice: 'Đã đổi mật khẩu; các phiên đăng nhập khác đã bị đăng xuất.' });
  });

  app.post('/cai-dat/ung-dung/thu-hoi', async (req, reply) => {
    const s = signedIn(req, reply);
    if (!s) return reply;
    const b = (req.body ?? {}) as Body;
    checkCsrf(ctx, req, s, b.csrf);
    const n = ctx.store.oauth.revokeApp(s.account.id, field(b, 'app_id', 40));
    return settings(s, reply, 200, { notice: n > 0 ? 'Đã thu hồi quyền của ứng dụng.' : 'Ứng dụng này không còn quyền nào.' });
  });

  app.post('/cai-dat/xoa-tai-khoan', async (req, reply) => {
    const s = signedIn(req, reply);
    if (!s) return reply;
    const b = (req.body ?? {}) as Body;
    checkCsrf(ctx, req, s, b.csrf);
    try {
      await ctx.accounts.deleteAccount(s.account.id, field(b, 'password', 2000));
    } catch (err) {
      if (err instanceof SocialError) return settings(s, reply, err.statusCode, { errors: [err.message] });
      throw err;
    }
    endSession(ctx, req, reply);
    return html(reply, 200, signInPage({ csrf: csrfFor(ctx, req, reply, undefined), notice: `Tài khoản @${s.account.username} đã được xoá.` }));
  });

  // --- The operator's settings (admin role only).
  const admin = (req: FastifyRequest, reply: FastifyReply): PageSession | undefined => {
    const s = signedIn(req, reply);
    if (s && s.account.role !== 'admin') throw new SocialError(403, 'Chỉ quản trị viên mới vào được trang này');
    return s;
  };
  const adminView = (s: PageSession, reply: FastifyReply, status = 200, extra: { notice?: string; errors?: string[]; invite?: string } = {}) =>
    html(reply, status, adminPage({ csrf: s.csrf, settings: ctx.store.settings.get(), newsroom: !!app.federation?.sources, ...extra }));

  app.get('/quan-tri', async (req, reply) => {
    const s = admin(req, reply);
    return s ? adminView(s, reply) : reply;
  });

  app.post('/quan-tri/cai-dat', async (req, reply) => {
    const s = admin(req, reply);
    if (!s) return reply;
    const b = (req.body ?? {}) as Body;
    checkCsrf(ctx, req, s, b.csrf);
    const mode = field(b, 'registrations', 20) as RegistrationMode;
    if (!REGISTRATION_MODES.includes(mode)) return adminView(s, reply, 422, { errors: ['Chế độ đăng ký phải là open, invite hoặc closed'] });
    ctx.store.settings.update({ registrations: mode, verifiedOnlyPosting: field(b, 'verified_only') === '1' });
    return adminView(s, reply, 200, { notice: 'Đã lưu cài đặt máy chủ.' });
  });

  app.post('/quan-tri/xac-minh', async (req, reply) => {
    const s = admin(req, reply);
    if (!s) return reply;
    const b = (req.body ?? {}) as Body;
    checkCsrf(ctx, req, s, b.csrf);
    const a = ctx.store.accounts.local(field(b, 'username', 100).trim());
    if (!a || a.deletedAt !== null) return adminView(s, reply, 404, { errors: [`Không có tài khoản "${field(b, 'username', 100)}" trên máy chủ này`] });
    const verified = field(b, 'verified') === '1';
    ctx.store.accounts.setVerified(a.id, verified);
    return adminView(s, reply, 200, { notice: `@${a.username}: ${verified ? 'đã xác minh' : 'bỏ xác minh'}.` });
  });

  // The newsroom link (`tra sources link`), when federation runs here (src/social/sources).
  app.post('/quan-tri/toa-soan', async (req, reply) => {
    const s = admin(req, reply);
    if (!s) return reply;
    const b = (req.body ?? {}) as Body;
    checkCsrf(ctx, req, s, b.csrf);
    const sources = app.federation?.sources;
    if (!sources) return adminView(s, reply, 404, { errors: ['Máy chủ này không chạy mạng liên hợp: không có tài khoản nguồn tin để liên kết'] });
    try {
      const r = sources.link(field(b, 'site', 200), field(b, 'username', 100).trim() || null, { remove: field(b, 'remove') === '1' });
      return adminView(s, reply, 200, { notice: r.newsroom ? `@${r.newsroom} ↔ nguồn @${r.source} (${r.site}).` : `Đã bỏ liên kết toà soạn của nguồn @${r.source}.` });
    } catch (e) {
      if (e instanceof LinkError) return adminView(s, reply, 422, { errors: [e.message.charAt(0).toUpperCase() + e.message.slice(1)] });
      throw e;
    }
  });

  app.post('/quan-tri/moi', async (req, reply) => {
    const s = admin(req, reply);
    if (!s) return reply;
    checkCsrf(ctx, req, s, ((req.body ?? {}) as Body).csrf);
    const code = ctx.store.invites.create({ createdBy: s.account.id, maxUses: 1, expiresAt: Date.now() + 7 * 86_400_000 });
    return adminView(s, reply, 200, { invite: code });
  });

  // --- Home timeline, compose, threads, profiles, notifications, post search (social.ts).
  await app.register(socialPages, { ctx });
  await app.register((await import('./moderation.ts')).moderationPages, { ctx });
}
