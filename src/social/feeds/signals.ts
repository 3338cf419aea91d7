/**
 * The signals a ranked feed may order by. Each is a small pure function of one post's public
 * facts (its time, its public counts, its links, whether it is about a rising story) and of the
 * feed's clock — never of who reads it, what they clicked or how long they looked. A feed
 * weighs them; a post's score is the sum of weight × value over the feed's signals, and
 * "Vì sao tôi thấy bài này?" shows every term of that sum.
 *
 * `source_diversity` is the one signal that looks beyond the post: its value is minus the number
 * of posts by the same author already placed above it in the same feed (0 for an author's best
 * post), so a feed that weighs it spreads authors out. It is still a pure function of the post and
 * that count, which rank.ts computes deterministically.
 */

/** What a signal may read of a post: public facts only. */
export interface PostFacts {
  id: string;
  authorId: string;
  createdAt: number;
  replies: number;
  reblogs: number;
  favourites: number;
  links: number;
  /** How the post is about a rising story, if it is. */
  rising?: { how: 'link' | 'words'; label: string };
}

export interface SignalContext {
  /** The feed's clock (ms): passed in, so a page can be reproduced. */
  now: number;
  /** Posts by the same author placed above this one (source_diversity). */
  authorAbove: number;
}

export interface SignalValue {
  value: number;
  /** One Vietnamese line saying what the value was made from. */
  note: string;
}

export interface SignalDef {
  /** Vietnamese name shown in specs and explanations. */
  label: string;
  /** What it measures, one Vietnamese sentence (docs and the feed page). */
  explains: string;
  params: Record<string, { min: number; max: number; default: number; label: string }>;
  compute(p: PostFacts, params: Record<string, number>, c: SignalContext): SignalValue;
}

const r2 = (x: number) => Math.round(x * 100) / 100;
// One formatter, made once: toLocaleString would make one per call (the same output, slowly).
const VI = new Intl.NumberFormat('vi-VN');
const fmt = (x: number) => VI.format(r2(x));
const log2p1 = (n: number) => Math.log2(1 + Math.max(0, n));

function count(label: string, what: string, pick: (p: PostFacts) => number): SignalDef {
  return {
    label,
    explains: `log₂(1 + số ${what}): ${what} đầu tiên đáng 1, ${what} thứ hai thêm 0,58, càng nhiều càng thêm ít.`,
    params: {},
    compute: (p) => {
      const n = pick(p);
      return { value: log2p1(n), note: `${n} ${what} → log₂(1 + ${n}) = ${fmt(log2p1(n))}` };
    },
  };
}

export const SIGNALS = {
  recency: {
    label: 'Độ mới',
    explains: 'Bài mới đáng 1, giảm một nửa sau mỗi "nửa đời" (half_life_hours, mặc định 6 giờ).',
    params: { half_life_hours: { min: 0.25, max: 720, default: 6, label: 'nửa đời (giờ)' } },
    compute: (p, params, c) => {
      const half = params.half_life_hours ?? 6;
      const hours = Math.max(0, (c.now - p.createdAt) / 3_600_000);
      const value = Math.pow(0.5, hours / half);
      return { value, note: `đăng ${fmt(hours)} giờ trước, nửa đời ${fmt(half)} giờ → 0,5^(${fmt(hours)}/${fmt(half)}) = ${fmt(value)}` };
    },
  },
  replies: count('Trả lời', 'trả lời', (p) => p.replies),
  boosts: count('Chia sẻ lại', 'lượt chia sẻ lại', (p) => p.reblogs),
  favourites: count('Yêu thích', 'lượt thích', (p) => p.favourites),
  has_link: {
    label: 'Có liên kết',
    explains: '1 khi bài có ít nhất một liên kết (dẫn nguồn), 0 khi không.',
    params: {},
    compute: (p) => ({ value: p.links > 0 ? 1 : 0, note: p.links > 0 ? `bài có ${p.links} liên kết` : 'bài không có liên kết' }),
  },
  rising_story: {
    label: 'Tin đang nổi',
    explains: '1 khi bài dẫn liên kết tới một bài báo của câu chuyện đài quan sát thấy đang nổi hôm nay, 0,5 khi bài nhắc đến câu chuyện đó, 0 khi không.',
    params: {},
    compute: (p) => {
      if (!p.rising) return { value: 0, note: 'không gắn với câu chuyện đang nổi nào' };
      return p.rising.how === 'link'
        ? { value: 1, note: `dẫn liên kết tới bài báo của câu chuyện đang nổi "${p.rising.label}"` }
        : { value: 0.5, note: `nhắc đến câu chuyện đang nổi "${p.rising.label}"` };
    },
  },
  source_diversity: {
    label: 'Đa dạng nguồn',
    explains: 'Trừ 1 cho mỗi bài của cùng tác giả đã xếp phía trên: bài hay nhất của một người không bị trừ, bài thứ hai bị trừ 1, thứ ba trừ 2…',
    params: {},
    compute: (_p, _params, c) => ({ value: -c.authorAbove, note: c.authorAbove === 0 ? 'bài đầu tiên của tác giả này trong bảng tin' : `đã có ${c.authorAbove} bài của tác giả này xếp phía trên` }),
  },
} satisfies Record<string, SignalDef>;

export type SignalName = keyof typeof SIGNALS;

/** Contributions are kept in millionths of a point, as integers: their sum is the score exactly. */
export const MICRO = 1_000_000;

export function contributionMicro(weight: number, value: number): number {
  return Math.round(weight * value * MICRO);
}

export const fromMicro = (m: number): number => m / MICRO;
