/**
 * A feed spec read aloud: Vietnamese sentences generated from the spec itself (never written by
 * hand beside it), so what the page says is what the feed does. Account ids are named through
 * `nameOf` (the caller knows the accounts); everything else comes from the spec.
 */
import type { FeedSpec } from './spec.ts';
import { SIGNALS, type SignalDef } from './signals.ts';
import { MAX_CANDIDATES, MAX_PAGE } from './limits.ts';

const num = (x: number) => (Math.round(x * 1000) / 1000).toLocaleString('vi-VN');
const list = (xs: string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} hoặc ${xs[xs.length - 1]}`);

export interface Described {
  /** Who enters, what must be true of a post, the order, the caps: one sentence each. */
  lines: string[];
}

export function describeSpec(spec: FeedSpec, nameOf: (accountId: string) => string = (id) => `tài khoản ${id}`): Described {
  const inc = spec.include;
  const lines: string[] = [];
  const who: string[] = [];
  if (inc.follows) who.push('các tài khoản bạn theo dõi');
  if (inc.self) who.push('chính bạn');
  if (inc.accounts?.length) who.push(`${inc.accounts.length === 1 ? 'tài khoản' : `${inc.accounts.length} tài khoản`} ${list(inc.accounts.slice(0, 10).map(nameOf))}${inc.accounts.length > 10 ? ' và những tài khoản khác trong danh sách' : ''}`);
  if (inc.everyone || who.length === 0) who.push('mọi người (mọi bài công khai máy chủ này biết)');
  lines.push(`Bài vào bảng tin: bài của ${list(who)}.`);
  const must: string[] = [];
  if (inc.query) must.push(`khớp truy vấn tìm kiếm "${inc.query}" (như ô tìm kiếm của Tra: gõ không dấu vẫn khớp, gõ có dấu chỉ khớp đúng dấu đó)`);
  if (inc.hashtags?.length) must.push(`có hashtag ${list(inc.hashtags.map((t) => '#' + t))}`);
  if (inc.languages?.length) must.push(`viết bằng ${list(inc.languages.map((l) => LANGUAGES[l] ?? `ngôn ngữ "${l}"`))}`);
  if (inc.rising) must.push('dẫn liên kết tới, hoặc nhắc đến, một câu chuyện đài quan sát của Tra thấy đang nổi trong ngày (theo dữ liệu công khai của trang Quan sát)');
  if (must.length) lines.push(`Bài phải ${must.join('; và ')}.`);
  lines.push(inc.replies === false ? 'Không có bài trả lời.' : 'Có cả bài trả lời.');
  lines.push(inc.reblogs ? 'Có cả lượt chia sẻ lại (boost).' : 'Không có lượt chia sẻ lại (boost).');
  if (spec.order === 'chronological') {
    lines.push('Thứ tự: mới nhất trước, theo thời gian đăng; không chấm điểm, không dùng tín hiệu nào.');
  } else {
    const by = [inc.hashtags?.length ? 'hashtag' : '', inc.query ? 'truy vấn' : '', inc.rising ? 'câu chuyện đang nổi' : ''].filter(Boolean);
    lines.push(`Xét các bài đăng trong ${spec.window_hours} giờ qua: tối đa ${num(MAX_CANDIDATES)} bài mới nhất được chọn theo người đăng${by.length ? ` và ${list(by)}` : ''} (${MAX_CANDIDATES / MAX_PAGE} trang, mỗi trang tối đa ${MAX_PAGE} bài), nên bảng tin dài nhiều nhất ${num(MAX_CANDIDATES)} bài.`);
    const terms = spec.signals.map((s) => {
      const d: SignalDef = SIGNALS[s.name];
      const params = Object.entries(s.params ?? {}).map(([k, v]) => `${d.params[k]?.label ?? k} ${num(v)}`);
      return `${num(s.weight)} × ${d.label}${params.length ? ` (${params.join(', ')})` : ''}`;
    });
    lines.push(`Thứ tự: điểm cao trước; điểm = ${terms.join(' + ')}. Hai bài bằng điểm: bài có id lớn hơn (mới hơn) trước.`);
    for (const s of spec.signals) lines.push(`${SIGNALS[s.name].label}: ${SIGNALS[s.name].explains}`);
  }
  if (spec.caps.per_author) lines.push(`Mỗi tác giả có nhiều nhất ${spec.caps.per_author} bài trong bảng tin.`);
  lines.push('Bài của người tắt "cho phép khám phá" (discoverable) không bao giờ vào bảng tin xếp hạng; trong bảng tin theo thời gian chúng chỉ đến từ người bạn theo dõi.');
  return { lines };
}

const LANGUAGES: Record<string, string> = { vi: 'tiếng Việt', en: 'tiếng Anh', fr: 'tiếng Pháp', zh: 'tiếng Trung', ja: 'tiếng Nhật', ko: 'tiếng Hàn', de: 'tiếng Đức', ru: 'tiếng Nga', und: 'ngôn ngữ không rõ' };
