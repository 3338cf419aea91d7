/**
 * The account pages' HTML (Vietnamese, server-rendered, no JavaScript needed): sign-in, sign-up,
 * settings, the OAuth consent page and the operator's settings. Every form posts with its CSRF
 * token; every value is escaped by the `html` template.
 */
import { html, type SafeHtml } from '../../server/html.ts';
import { page } from '../../server/layout.ts';
import type { AccountRow, AppRow } from '../store/rows.ts';
import type { InstanceSettings } from '../store/settings.ts';
import { describeScope } from '../oauth/scopes.ts';
import { PASSWORD_MIN, USERNAME_MAX } from '../accounts/rules.ts';

export const STYLE_PATH = '/mxh/style.css';

/** A few rules for these pages only, on top of the site's stylesheet. */
export const STYLE = `
.account-page { max-width: 34rem; }
.account-page form { margin: 1rem 0 1.5rem; }
.account-page .field { display: flex; flex-direction: column; gap: .25rem; margin: .75rem 0; }
.account-page .field label { font-weight: 600; }
.account-page .field input, .account-page .field textarea, .account-page .field select { font: inherit; padding: .5rem .6rem; border: 1px solid var(--line, #ccc); border-radius: var(--radius, 6px); }
.account-page .hint { color: var(--muted, #666); font-size: .9rem; margin: .1rem 0; }
.account-page .check { flex-direction: row; align-items: center; gap: .5rem; }
.account-page .actions { display: flex; gap: .75rem; flex-wrap: wrap; align-items: center; margin-top: 1rem; }
.account-page section { border-top: 1px solid var(--line, #ddd); padding-top: .5rem; margin-top: 1.5rem; }
.account-page .notice { border-left: 3px solid var(--accent, #0a6); padding: .25rem .75rem; }
.account-page ul.scopes li { margin: .25rem 0; }
.account-page button.danger { background: transparent; color: #b3261e; border: 1px solid currentColor; }
.account-page .code { font-family: monospace; font-size: 1.1rem; padding: .5rem; border: 1px dashed var(--line, #ccc); word-break: break-all; }
`;

function errors(messages: string[]): SafeHtml | '' {
  if (messages.length === 0) return '';
  return html`<div class="form-errors" role="alert">${messages.map((m) => html`<p>${m}</p>`)}</div>`;
}

function notice(message: string | undefined): SafeHtml | '' {
  return message ? html`<p class="notice" role="status">${message}</p>` : '';
}

function shell(title: string, body: SafeHtml): string {
  return page({ title: `${title} — Tra`, body: html`<div class="account-page">${body}</div>`, styles: [STYLE_PATH], headerSearch: true });
}

const csrfField = (token: string): SafeHtml => html`<input type="hidden" name="csrf" value="${token}">`;
const nextField = (next: string | undefined): SafeHtml | '' => (next ? html`<input type="hidden" name="tiep" value="${next}">` : '');

export function signInPage(o: { csrf: string; next?: string; username?: string; errors?: string[]; notice?: string; heading?: string }): string {
  return shell(
    'Đăng nhập',
    html`<h1>${o.heading ?? 'Đăng nhập'}</h1>
${notice(o.notice)}
${errors(o.errors ?? [])}
<form method="post" action="/dang-nhap">
${csrfField(o.csrf)}${nextField(o.next)}
<div class="field"><label for="username">Tên người dùng</label>
<input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="${USERNAME_MAX}" value="${o.username ?? ''}"></div>
<div class="field"><label for="password">Mật khẩu</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"></div>
<div class="actions"><button type="submit">Đăng nhập</button>
<a href="/dang-ky${o.next ? `?tiep=${encodeURIComponent(o.next)}` : ''}">Chưa có tài khoản? Đăng ký</a></div>
</form>`,
  );
}

export function signUpPage(o: { csrf: string; mode: InstanceSettings['registrations']; next?: string; username?: string; displayName?: string; invite?: string; errors?: string[] }): string {
  if (o.mode === 'closed') {
    return shell('Đăng ký', html`<h1>Đăng ký</h1><p>Máy chủ này đang đóng đăng ký. Hãy liên hệ người vận hành nếu bạn muốn có tài khoản.</p><p><a href="/dang-nhap">Đăng nhập</a></p>`);
  }
  return shell(
    'Đăng ký',
    html`<h1>Tạo tài khoản</h1>
${errors(o.errors ?? [])}
<form method="post" action="/dang-ky">
${csrfField(o.csrf)}${nextField(o.next)}
<div class="field"><label for="username">Tên người dùng</label>
<input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="${USERNAME_MAX}" pattern="[A-Za-z0-9_]([A-Za-z0-9_.\\-]*[A-Za-z0-9_])?" value="${o.username ?? ''}" aria-describedby="username-hint">
<p class="hint" id="username-hint">Chữ cái không dấu, chữ số và dấu gạch dưới; tối đa ${USERNAME_MAX} ký tự. Người khác sẽ nhắc đến bạn là @tên.</p></div>
<div class="field"><label for="display_name">Tên hiển thị</label>
<input id="display_name" name="display_name" maxlength="30" value="${o.displayName ?? ''}" autocomplete="name"></div>
<div class="field"><label for="password">Mật khẩu</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${PASSWORD_MIN}" maxlength="1024" aria-describedby="password-hint">
<p class="hint" id="password-hint">Ít nhất ${PASSWORD_MIN} ký tự; không dùng mật khẩu phổ biến.</p></div>
<div class="field"><label for="password_confirmation">Nhập lại mật khẩu</label>
<input id="password_confirmation" name="password_confirmation" type="password" autocomplete="new-password" required maxlength="1024"></div>
${o.mode === 'invite' ? html`<div class="field"><label for="invite">Mã mời</label><input id="invite" name="invite" required maxlength="100" value="${o.invite ?? ''}" autocomplete="off"><p class="hint">Máy chủ này chỉ nhận đăng ký bằng mã mời.</p></div>` : ''}
<div class="actions"><button type="submit">Đăng ký</button><a href="/dang-nhap">Đã có tài khoản? Đăng nhập</a></div>
</form>`,
  );
}

export interface ConsentView {
  csrf: string;
  account: AccountRow;
  app: AppRow;
  scopes: string[];
  /** The query parameters to post back. */
  hidden: Record<string, string>;
}

export function consentPage(o: ConsentView): string {
  return shell(
    'Cấp quyền cho ứng dụng',
    html`<h1>Cấp quyền cho ứng dụng</h1>
<p><strong>${o.app.name}</strong>${o.app.website ? html` (<a href="${o.app.website}" rel="noopener noreferrer">${o.app.website}</a>)` : ''} muốn dùng tài khoản <strong>@${o.account.username}</strong> của bạn để:</p>
<ul class="scopes">${o.scopes.map((s) => html`<li><code>${s}</code>: ${describeScope(s)}</li>`)}</ul>
<p class="hint">Bạn có thể thu hồi quyền này bất cứ lúc nào trong <a href="/cai-dat">Cài đặt</a>.</p>
<form method="post" action="/oauth/authorize">
${csrfField(o.csrf)}
${Object.entries(o.hidden).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
<div class="actions"><button type="submit" name="decision" value="allow">Cho phép</button>
<button type="submit" name="decision" value="deny" class="secondary">Từ chối</button></div>
</form>
<p class="hint">Không phải bạn? <a href="/cai-dat">Đăng xuất trong Cài đặt</a> rồi đăng nhập bằng tài khoản khác.</p>`,
  );
}

export function codePage(code: string, appName: string): string {
  return shell(
    'Mã cấp quyền',
    html`<h1>Mã cấp quyền</h1><p>Sao chép mã này và dán vào <strong>${appName}</strong>:</p><p class="code" id="ma-cap-quyen">${code}</p><p class="hint">Mã dùng được một lần, trong 10 phút.</p>`,
  );
}

export interface SettingsView {
  csrf: string;
  account: AccountRow;
  apps: Array<{ app: AppRow; tokens: number; lastUsedAt: number | null }>;
  notice?: string;
  errors?: string[];
}

export function settingsPage(o: SettingsView): string {
  const a = o.account;
  return shell(
    'Cài đặt tài khoản',
    html`<h1>Cài đặt tài khoản @${a.username}</h1>
${notice(o.notice)}
${errors(o.errors ?? [])}
<section aria-labelledby="ho-so"><h2 id="ho-so">Hồ sơ</h2>
<form method="post" action="/cai-dat/ho-so">${csrfField(o.csrf)}
<div class="field"><label for="display_name">Tên hiển thị</label><input id="display_name" name="display_name" maxlength="30" value="${a.displayName}"></div>
<div class="field"><label for="note">Giới thiệu</label><textarea id="note" name="note" rows="4" maxlength="500">${a.note}</textarea></div>
<div class="field"><label for="avatar">Địa chỉ ảnh đại diện</label><input id="avatar" name="avatar" type="url" maxlength="2000" value="${a.avatarUrl ?? ''}" placeholder="https://…"><p class="hint">Một địa chỉ https tới ảnh; để trống để dùng ảnh mặc định.</p></div>
<div class="field check"><input id="locked" name="locked" type="checkbox" value="1"${a.locked ? html` checked` : ''}><label for="locked">Duyệt từng người theo dõi</label></div>
<div class="field check"><input id="discoverable" name="discoverable" type="checkbox" value="1"${a.discoverable ? html` checked` : ''} aria-describedby="discoverable-goi-y"><label for="discoverable">Cho bài của tôi vào các bảng tin xếp hạng và gợi ý</label></div>
<p class="hint" id="discoverable-goi-y">Bật: bài công khai của bạn có thể hiện trong các bảng tin xếp hạng (như "Thảo luận quanh tin nóng") của cả những người chưa theo dõi bạn. Tắt: chỉ người theo dõi bạn thấy bài trong bảng tin "Theo thời gian" của họ; không bảng tin xếp hạng nào lấy bài của bạn.</p>
<div class="field check"><input id="indexable" name="indexable" type="checkbox" value="1"${a.indexable ? html` checked` : ''} aria-describedby="indexable-goi-y"><label for="indexable">Cho tìm kiếm bài viết công khai của tôi</label></div>
<p class="hint" id="indexable-goi-y">Bật: ai cũng tìm được bài công khai của bạn bằng ô tìm bài viết (và bảng tin theo truy vấn). Tắt: bài của bạn được gỡ khỏi chỉ mục tìm kiếm trong vài giây; người khác vẫn đọc được trên hồ sơ của bạn. Bài chỉ cho người theo dõi và bài nhắn riêng không bao giờ được tìm thấy.</p>
<div class="actions"><button type="submit">Lưu hồ sơ</button></div>
</form></section>
<section aria-labelledby="mat-khau"><h2 id="mat-khau">Đổi mật khẩu</h2>
<form method="post" action="/cai-dat/mat-khau">${csrfField(o.csrf)}
<div class="field"><label for="current_password">Mật khẩu hiện tại</label><input id="current_password" name="current_password" type="password" autocomplete="current-password" required maxlength="1024"></div>
<div class="field"><label for="new_password">Mật khẩu mới</label><input id="new_password" name="password" type="password" autocomplete="new-password" required minlength="${PASSWORD_MIN}" maxlength="1024"></div>
<div class="field"><label for="new_password_confirmation">Nhập lại mật khẩu mới</label><input id="new_password_confirmation" name="password_confirmation" type="password" autocomplete="new-password" required maxlength="1024"></div>
<p class="hint">Các phiên đăng nhập khác sẽ bị đăng xuất.</p>
<div class="actions"><button type="submit">Đổi mật khẩu</button></div>
</form></section>
<section aria-labelledby="ung-dung"><h2 id="ung-dung">Ứng dụng đã cấp quyền</h2>
${o.apps.length === 0 ? html`<p>Chưa có ứng dụng nào.</p>` : html`<ul>${o.apps.map((x) => html`<li><strong>${x.app.name}</strong> — quyền: <code>${x.app.scopes.join(' ')}</code>
<form method="post" action="/cai-dat/ung-dung/thu-hoi" class="inline">${csrfField(o.csrf)}<input type="hidden" name="app_id" value="${x.app.id}"><button type="submit" class="secondary">Thu hồi</button></form></li>`)}</ul>`}
</section>
<section aria-labelledby="dang-xuat"><h2 id="dang-xuat">Đăng xuất</h2>
<form method="post" action="/dang-xuat">${csrfField(o.csrf)}<button type="submit" class="secondary">Đăng xuất</button></form></section>
<section><h2>Chặn và ẩn</h2><p><a href="/cai-dat/chan">Tài khoản và máy chủ bạn đã chặn hoặc ẩn</a></p></section>
${a.role === 'admin' ? html`<section><h2>Quản trị</h2><p><a href="/quan-tri">Cài đặt máy chủ</a> · <a href="/quan-tri/kiem-duyet">Kiểm duyệt</a></p></section>` : ''}
<section aria-labelledby="xoa"><h2 id="xoa">Xoá tài khoản</h2>
<p>Xoá vĩnh viễn tài khoản và mọi bài viết của bạn; các máy chủ khác trên fediverse sẽ được báo. Tên @${a.username} sẽ không được cấp lại cho ai.</p>
<form method="post" action="/cai-dat/xoa-tai-khoan">${csrfField(o.csrf)}
<div class="field"><label for="delete_password">Nhập mật khẩu để xác nhận</label><input id="delete_password" name="password" type="password" autocomplete="current-password" required maxlength="1024"></div>
<div class="actions"><button type="submit" class="danger">Xoá tài khoản của tôi</button></div>
</form></section>`,
  );
}

export function adminPage(o: { csrf: string; settings: InstanceSettings; notice?: string; errors?: string[]; invite?: string; newsroom?: boolean }): string {
  const s = o.settings;
  const opt = (v: string, label: string) => html`<option value="${v}"${s.registrations === v ? html` selected` : ''}>${label}</option>`;
  return shell(
    'Quản trị máy chủ',
    html`<h1>Quản trị máy chủ</h1>
${notice(o.notice)}
${errors(o.errors ?? [])}
<section><h2>Đăng ký và đăng bài</h2>
<form method="post" action="/quan-tri/cai-dat">${csrfField(o.csrf)}
<div class="field"><label for="registrations">Đăng ký tài khoản mới</label><select id="registrations" name="registrations">${opt('open', 'Mở cho mọi người')}${opt('invite', 'Chỉ bằng mã mời')}${opt('closed', 'Đóng')}</select></div>
<div class="field check"><input id="verified_only" name="verified_only" type="checkbox" value="1"${s.verifiedOnlyPosting ? html` checked` : ''}><label for="verified_only">Chỉ tài khoản đã xác minh được đăng bài (Nghị định 147/2024/NĐ-CP)</label></div>
<div class="actions"><button type="submit">Lưu</button></div>
</form></section>
<section><h2>Xác minh tài khoản</h2>
<p class="hint">Việc xác minh (giấy tờ, số điện thoại…) do người vận hành tự làm; ở đây chỉ ghi lại kết quả.</p>
<form method="post" action="/quan-tri/xac-minh">${csrfField(o.csrf)}
<div class="field"><label for="verify_username">Tên người dùng</label><input id="verify_username" name="username" required maxlength="${USERNAME_MAX}"></div>
<div class="field check"><input id="verified" name="verified" type="checkbox" value="1" checked><label for="verified">Đã xác minh</label></div>
<div class="actions"><button type="submit">Ghi lại</button></div>
</form></section>
${o.newsroom ? html`<section><h2>Toà soạn và nguồn tin</h2>
<p class="hint">Hồ sơ của toà soạn có trường “Nguồn tin” chỉ tới tài khoản nguồn của báo, và hồ sơ nguồn có trường “Toà soạn” chỉ ngược lại (như <span class="code">tra sources link</span>).</p>
<form method="post" action="/quan-tri/toa-soan">${csrfField(o.csrf)}
<div class="field"><label for="newsroom_site">Tên miền của báo</label><input id="newsroom_site" name="site" required maxlength="200" placeholder="vnexpress.net"></div>
<div class="field"><label for="newsroom_username">Tài khoản của toà soạn</label><input id="newsroom_username" name="username" maxlength="${USERNAME_MAX}"></div>
<div class="field check"><input id="newsroom_remove" name="remove" type="checkbox" value="1"><label for="newsroom_remove">Bỏ liên kết của báo này</label></div>
<div class="actions"><button type="submit">Ghi lại</button></div>
</form></section>` : ''}
<section><h2>Kiểm duyệt</h2><p><a href="/quan-tri/kiem-duyet">Báo cáo, gỡ bài, chính sách với máy chủ khác</a> · <a href="/may-chu/chinh-sach">Trang công khai</a></p></section>
<section><h2>Mã mời</h2>
${o.invite ? html`<p>Mã mời mới (chỉ hiện một lần): <span class="code" id="ma-moi">${o.invite}</span></p>` : ''}
<form method="post" action="/quan-tri/moi">${csrfField(o.csrf)}<button type="submit">Tạo mã mời dùng một lần</button></form></section>`,
  );
}
