/**
 * A generated social data directory for the social benches: 1,000 local accounts, 200 follows
 * each (200,000 follows), 100,000 public and unlisted posts over 90 days ending now, Vietnamese
 * sentences from a fixed vocabulary (so search has real work: marks, folded forms, pairs), 50
 * hashtags, replies, boosts and favourites on a share of posts, links to 40 "story" articles whose
 * URLs the feed bench hands to "Thảo luận quanh tin nóng" as rising stories. A seeded generator:
 * the same arguments give the same directory.
 *
 *   node bench/social-gen.ts DIR [--accounts 1000] [--posts 100000] [--follows 200]
 *
 * Moved here from the accounts part's scratch script (then /tmp/socbench/gen.ts) and extended.
 */
import { mkdirSync } from 'node:fs';
import { openSocialStore } from '../src/social/store/index.ts';

export interface GenOptions {
  accounts: number;
  posts: number;
  follows: number;
  days: number;
  /** The newest post's time (default now). */
  end?: number;
}

export const STORY_URLS = Array.from({ length: 40 }, (_, i) => `https://tin.example.vn/thoi-su/cau-chuyen-${i}.html`);
export const STORY_WORDS = ['bão số 10', 'giá vàng', 'thuế quan', 'cao tốc Bắc Nam', 'điểm chuẩn đại học', 'sạt lở Quảng Nam', 'chuyển đổi số', 'dịch sốt xuất huyết'];

const SUBJECTS = ['Người dân Hà Nội', 'Sinh viên Đà Nẵng', 'Bà con miền Tây', 'Giáo viên vùng cao', 'Các doanh nghiệp nhỏ', 'Công nhân khu công nghiệp', 'Tài xế công nghệ', 'Nông dân trồng lúa', 'Phụ huynh học sinh', 'Người lao động'];
const VERBS = ['đang bàn tán về', 'lo lắng vì', 'vui mừng với', 'chờ đợi', 'chia sẻ ý kiến về', 'phản ánh', 'theo dõi sát', 'đặt câu hỏi về'];
const TOPICS = [...STORY_WORDS, 'mưa lớn kéo dài', 'giá xăng giảm', 'lễ hội pháo hoa', 'tuyến metro mới', 'bóng đá Việt Nam', 'học phí năm nay', 'giá điện tăng', 'ô nhiễm không khí', 'nhà ở xã hội', 'du lịch Phú Quốc', 'trí tuệ nhân tạo', 'an toàn thực phẩm'];
const TAILS = ['hôm nay.', 'từ sáng sớm.', 'suốt tuần qua.', 'trên mạng xã hội.', 'ở khu phố tôi.', 'mọi người nghĩ sao?', 'thật đáng suy nghĩ.', 'cần được giải quyết sớm.'];

export function rng(seed: number): (n: number) => number {
  let s = seed | 0;
  return (n: number) => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

export function generate(dir: string, o: GenOptions): { ms: number; accountIds: string[] } {
  mkdirSync(dir, { recursive: true });
  const store = openSocialStore(dir);
  const t0 = performance.now();
  const rand = rng(12345);
  const ids: string[] = [];
  store.tx(() => {
    for (let i = 0; i < o.accounts; i++) ids.push(store.accounts.createLocal({ username: `u${i}`, passwordHash: 'x', displayName: `Người dùng ${i}` }).id);
  });
  // One account in twenty does not want to be discovered, one in twenty-five not indexed.
  store.tx(() => {
    for (let i = 0; i < o.accounts; i++) {
      if (i % 20 === 7) store.accounts.updateProfile(ids[i], { discoverable: false });
      if (i % 25 === 3) store.accounts.updateProfile(ids[i], { indexable: false });
    }
  });
  store.tx(() => {
    for (let i = 0; i < o.accounts; i++) {
      const seen = new Set<number>();
      while (seen.size < Math.min(o.follows, o.accounts - 1)) {
        const j = rand(o.accounts);
        if (j !== i) seen.add(j);
      }
      for (const j of seen) store.follows.follow(ids[i], ids[j], { state: 'accepted' });
    }
  });
  const end = o.end ?? Date.now();
  const span = o.days * 86_400_000;
  const made: string[] = [];
  for (let b = 0; b < o.posts; b += 5000) {
    store.tx(() => {
      for (let k = b; k < Math.min(o.posts, b + 5000); k++) {
        const t = end - span + Math.floor(((k + 1) / o.posts) * span);
        const tag = `tin${k % 50}`;
        const link = k % 9 === 0 ? ` ${STORY_URLS[rand(STORY_URLS.length)]}` : '';
        const text = `${SUBJECTS[rand(SUBJECTS.length)]} ${VERBS[rand(VERBS.length)]} ${TOPICS[rand(TOPICS.length)]} ${TAILS[rand(TAILS.length)]}${link} #${tag}`;
        const author = ids[rand(o.accounts)];
        const replyTo = k % 7 === 0 && made.length > 10 ? made[made.length - 1 - rand(Math.min(200, made.length))] : undefined;
        const st = store.statuses.create({
          accountId: author,
          text,
          content: `<p>${text}</p>`,
          visibility: k % 10 === 0 ? 'unlisted' : 'public',
          language: 'vi',
          createdAt: t,
          inReplyToId: replyTo ?? null,
          tags: [{ key: tag, name: tag }],
        });
        made.push(st.id);
        if (k % 11 === 0 && made.length > 10) store.statuses.favourite(ids[rand(o.accounts)], made[made.length - 1 - rand(Math.min(100, made.length))]);
        if (k % 23 === 0 && made.length > 10) {
          const of = made[made.length - 1 - rand(Math.min(100, made.length))];
          store.statuses.create({ accountId: ids[rand(o.accounts)], content: '', visibility: 'public', createdAt: t, reblogOfId: of });
        }
      }
    });
  }
  store.close();
  return { ms: Math.round(performance.now() - t0), accountIds: ids };
}

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir || dir.startsWith('--')) {
    console.error('dùng: node bench/social-gen.ts DIR [--accounts 1000] [--posts 100000] [--follows 200]');
    process.exit(2);
  }
  const r = generate(dir, { accounts: arg('accounts', 1000), posts: arg('posts', 100_000), follows: arg('follows', 200), days: arg('days', 90) });
  console.log(JSON.stringify({ dir, ms: r.ms }));
}
