/**
 * OAuth scopes as Mastodon defines them: the top-level `read`, `write`, `follow` (legacy: the
 * follow, block and mute parts of read and write) and `push`, their sub-scopes (`read:statuses`,
 * `write:follows`…) and the admin scopes. A granted scope covers itself and its sub-scopes.
 */
const READ = ['accounts', 'blocks', 'bookmarks', 'favourites', 'filters', 'follows', 'lists', 'mutes', 'notifications', 'search', 'statuses'];
const WRITE = ['accounts', 'blocks', 'bookmarks', 'conversations', 'favourites', 'filters', 'follows', 'lists', 'media', 'mutes', 'notifications', 'reports', 'statuses'];
const ADMIN = ['accounts', 'reports', 'domain_allows', 'domain_blocks', 'ip_blocks', 'email_domain_blocks', 'canonical_email_blocks'];

export const TOP_SCOPES = ['read', 'write', 'follow', 'push', 'profile'];
export const ALL_SCOPES: ReadonlySet<string> = new Set([
  ...TOP_SCOPES,
  ...READ.map((s) => `read:${s}`),
  ...WRITE.map((s) => `write:${s}`),
  'admin:read', 'admin:write',
  ...ADMIN.map((s) => `admin:read:${s}`),
  ...ADMIN.map((s) => `admin:write:${s}`),
]);

/** What the legacy `follow` scope stands for. */
const FOLLOW = new Set(['read:follows', 'read:blocks', 'read:mutes', 'write:follows', 'write:blocks', 'write:mutes']);

/** Split a scope string ("read write:statuses", or "read+write" as some apps send it). */
export function splitScopes(s: string | undefined | null): string[] {
  return [...new Set(String(s ?? '').split(/[\s+,]+/).filter(Boolean))];
}

/** The scopes in a list that Mastodon does not know. */
export function unknownScopes(scopes: string[]): string[] {
  return scopes.filter((s) => !ALL_SCOPES.has(s));
}

/** Whether `granted` covers `required` (a scope or sub-scope). */
export function allows(granted: readonly string[], required: string): boolean {
  for (const g of granted) {
    if (g === required) return true;
    if (required.startsWith(g + ':')) return true;
    if (g === 'follow' && FOLLOW.has(required)) return true;
  }
  return false;
}

/** Whether every scope of `requested` is covered by `granted`. */
export function allAllowed(granted: readonly string[], requested: readonly string[]): boolean {
  return requested.every((r) => allows(granted, r));
}

/** Vietnamese words for the consent page: what each scope lets the app do. */
export function describeScope(s: string): string {
  const d: Record<string, string> = {
    read: 'đọc mọi dữ liệu tài khoản của bạn (bài viết, dòng thời gian, thông báo, danh sách, người theo dõi)',
    write: 'thay đổi mọi dữ liệu tài khoản của bạn (đăng và xoá bài, thích, đăng lại, sửa hồ sơ, danh sách)',
    follow: 'theo dõi, bỏ theo dõi, chặn và ẩn tài khoản khác',
    push: 'nhận thông báo đẩy',
    profile: 'chỉ xem hồ sơ cơ bản của bạn',
    'read:accounts': 'xem thông tin tài khoản',
    'read:statuses': 'xem bài viết và dòng thời gian',
    'read:notifications': 'xem thông báo',
    'read:lists': 'xem danh sách',
    'read:follows': 'xem bạn theo dõi ai',
    'read:favourites': 'xem bài bạn đã thích',
    'read:search': 'tìm kiếm thay bạn',
    'write:statuses': 'đăng và xoá bài viết',
    'write:accounts': 'sửa hồ sơ',
    'write:follows': 'theo dõi và bỏ theo dõi',
    'write:favourites': 'thích và bỏ thích bài viết',
    'write:lists': 'tạo và sửa danh sách',
    'write:notifications': 'xoá thông báo',
    'write:media': 'tải ảnh và tệp lên',
  };
  return d[s] ?? s;
}
