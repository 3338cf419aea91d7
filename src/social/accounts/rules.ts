/**
 * What a username and a password must look like, with one Vietnamese line for each refusal.
 * Usernames follow Mastodon's rule (letters a–z, digits, underscore; dots and dashes inside; at
 * most 30 characters) so that `@user@host` works on every server; a few names that are paths of
 * this server or would impersonate it are reserved.
 */
import { MAX_PASSWORD_BYTES } from './password.ts';

export const USERNAME_MAX = 30;
export const PASSWORD_MIN = 8;

const USERNAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const RESERVED = new Set(['admin', 'administrator', 'root', 'api', 'oauth', 'users', 'inbox', 'outbox', 'actor', 'instance', 'well-known', 'nodeinfo', 'static', 'tra', 'support', 'postmaster', 'webmaster', 'abuse', 'security', 'quan-tri', 'quantri']);

/**
 * Names shaped like a site's domain (`vnexpress.net`, `tuoitre.vn`) are the handles of news
 * sources (src/social/sources): no person may take one, so a source's handle can never be
 * someone else's.
 */
export const SOURCE_LIKE = /\.(vn|com|net|org|info|biz|tv|news|io|asia|edu|gov|int|co|me)$/i;

/** Handles beginning so are saved searches published as actors (src/social/sources/searches.ts). */
export const SAVED_SEARCH_PREFIX = 'tim-kiem.';

/** The commonest passwords (top of public leak lists, and their Vietnamese favourites). */
const COMMON = new Set([
  '12345678', '123456789', '1234567890', '11111111', '00000000', '88888888', '66666666', '12341234', '87654321', '123123123',
  'password', 'password1', 'password123', 'qwertyui', 'qwerty123', 'iloveyou', 'abc12345', 'abcd1234', '1q2w3e4r', 'admin123',
  'matkhau', 'matkhau1', 'matkhau123', 'anhyeuem', 'emyeuanh', 'vietnam1', 'vietnam123', 'hanoi123', 'saigon123', 'anhyeuem123',
]);

/** Why a username cannot be used, or undefined when it can. */
export function usernameProblem(username: string): string | undefined {
  if (username === '') return 'thiếu tên người dùng';
  if (username.length > USERNAME_MAX) return `tên người dùng dài quá ${USERNAME_MAX} ký tự`;
  if (!USERNAME.test(username)) return `tên người dùng "${username}" không hợp lệ: chỉ dùng chữ cái không dấu a–z, chữ số, dấu gạch dưới _ (dấu chấm và gạch ngang chỉ ở giữa)`;
  if (RESERVED.has(username.toLowerCase())) return `tên người dùng "${username}" được giữ cho máy chủ; hãy chọn tên khác`;
  if (username.toLowerCase().startsWith(SAVED_SEARCH_PREFIX)) return `tên người dùng "${username}" bắt đầu bằng "${SAVED_SEARCH_PREFIX}", được giữ cho các tìm kiếm đã lưu; hãy chọn tên khác`;
  if (SOURCE_LIKE.test(username)) return `tên người dùng "${username}" có dạng tên miền, được giữ cho các nguồn tin; hãy chọn tên khác`;
  return undefined;
}

/** Why a password is too weak, or undefined when it is acceptable. */
export function passwordProblem(password: string, username = ''): string | undefined {
  const p = password.normalize('NFC');
  if ([...p].length < PASSWORD_MIN) return `mật khẩu yếu: cần ít nhất ${PASSWORD_MIN} ký tự`;
  if (Buffer.byteLength(p) > MAX_PASSWORD_BYTES) return `mật khẩu dài quá ${MAX_PASSWORD_BYTES} byte`;
  const lower = p.toLowerCase();
  if (COMMON.has(lower)) return 'mật khẩu yếu: đây là một trong những mật khẩu phổ biến nhất; hãy chọn mật khẩu khác';
  if (new Set(p).size <= 2) return 'mật khẩu yếu: gần như chỉ lặp một ký tự; hãy chọn mật khẩu khác';
  if (username && lower.includes(username.toLowerCase()) && username.length >= 4 && [...p].length - username.length < 4) return 'mật khẩu yếu: gần giống tên người dùng; hãy chọn mật khẩu khác';
  return undefined;
}
