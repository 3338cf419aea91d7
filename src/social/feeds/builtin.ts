/**
 * The feeds every account has. Their specs live here, in code; the feed store records each
 * version the first time it sees it (a changed spec here becomes a new version in their public
 * history, like any user's edit).
 */
import { normalizeSpec, type FeedSpec } from './spec.ts';

export interface BuiltinFeed {
  id: string;
  spec: FeedSpec;
  /** Which of the reader's data the feed uses (shown on its page; docs/FEEDS.md "Privacy"). */
  personal: string;
}

export const DEFAULT_FEED = 'theo-thoi-gian';

export const BUILTIN_FEEDS: BuiltinFeed[] = [
  {
    id: DEFAULT_FEED,
    spec: normalizeSpec({
      name: 'Theo thời gian',
      description: 'Bài của người bạn theo dõi và của chính bạn, mới nhất trước. Không chấm điểm, không xếp hạng.',
      include: { follows: true, self: true, replies: true, reblogs: true },
      order: 'chronological',
    }),
    personal: 'Chỉ danh sách người bạn tự chọn theo dõi, để biết bài của ai được vào; không dùng gì khác về bạn, và không xếp hạng.',
  },
  {
    id: 'nguon-toi-theo-doi',
    spec: normalizeSpec({
      name: 'Tin từ nguồn tôi theo dõi',
      description: 'Bài của những người và trang tin bạn theo dõi trong hai ngày qua, bài mới và được thảo luận lên trước, mỗi nguồn tối đa ba bài.',
      include: { follows: true, replies: false },
      order: 'ranked',
      signals: [
        { name: 'recency', weight: 3, params: { half_life_hours: 8 } },
        { name: 'replies', weight: 0.5 },
        { name: 'boosts', weight: 0.5 },
        { name: 'favourites', weight: 0.25 },
        { name: 'source_diversity', weight: 0.75 },
      ],
      caps: { per_author: 3 },
      window_hours: 48,
    }),
    personal: 'Danh sách người bạn theo dõi, để biết bài của ai được vào. Điểm chỉ dùng dữ liệu công khai của bài (thời gian, số trả lời, chia sẻ, thích), không dùng gì về bạn.',
  },
  {
    id: 'tin-nong',
    spec: normalizeSpec({
      name: 'Thảo luận quanh tin nóng',
      description: 'Bài công khai dẫn tới hoặc bàn về những câu chuyện đài quan sát của Tra thấy đang nổi hôm nay. Giống nhau với mọi người đọc.',
      include: { everyone: true, rising: true },
      order: 'ranked',
      signals: [
        { name: 'rising_story', weight: 2 },
        { name: 'recency', weight: 2, params: { half_life_hours: 6 } },
        { name: 'replies', weight: 0.75 },
        { name: 'boosts', weight: 0.5 },
        { name: 'favourites', weight: 0.25 },
        { name: 'source_diversity', weight: 1 },
      ],
      caps: { per_author: 2 },
      window_hours: 36,
    }),
    personal: 'Không dùng dữ liệu nào về bạn: mọi người thấy cùng một bảng tin.',
  },
];
