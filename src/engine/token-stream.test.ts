import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SegmentBuilder } from './builder.ts';
import { TokenDict, TokenEncoder } from './token-stream.ts';

const DOCS: Record<string, unknown>[] = [
  { title: 'Chuyển đổi số ở TP.HCM', summary: 'Hà Nội, 12/2025: giá 1.000 đồng; Covid-19 và U23.', published: '2025-08-09T10:00:00+07:00', source: 'Báo A', category: 'Công nghệ' },
  { title: 'Hoà bình — hòa bình — HOÀ BÌNH', text: 'Xem https://vi.wikipedia.org/wiki/Hà_Nội hoặc viết tới ban@toasoan.vn #chuyểnđổisố @tra', source: 'Báo B' },
  { title: 'Đường đến trường'.normalize('NFD'), summary: 'Thủy\u200b điện, khỏe mạnh; thuỷ điện!', text: '', published: 'không phải ngày' },
  { id: 'x', title: '', summary: 42, text: 'mưa mưa mưa mưa nắng. Mưa nắng', category: 'Thời tiết' },
  { title: 'WWW.EXAMPLE.COM và www.example.com', summary: '8-8 10:30 3,5 2025-08-09', source: '' },
];

function build(add: (b: SegmentBuilder) => void): Uint8Array {
  const b = new SegmentBuilder();
  add(b);
  return b.build().bytes;
}

test('documents tokenised on another thread build the very same segment', () => {
  const docs: Record<string, unknown>[] = [];
  for (let r = 0; r < 40; r++) for (const d of DOCS) docs.push({ ...d, title: `${String(d.title)} ${r % 7}` });
  const want = build((b) => docs.forEach((d, i) => b.add(i + 1, d)));
  // A tiny dictionary limit makes the numbering restart several times along the way; the
  // worker takes some batches as documents and some tokenised, in one builder.
  for (const [limit, mixed] of [[1 << 20, false], [5, false], [1 << 20, true], [5, true]] as const) {
    const enc = new TokenEncoder(limit);
    const dict = new TokenDict();
    const got = build((b) => {
      for (let s = 0; s < docs.length; s += 7) {
        const batch = docs.slice(s, s + 7);
        if (mixed && (s / 7) % 3 === 1) {
          batch.forEach((d, i) => b.add(s + i + 1, d));
          continue;
        }
        const e = enc.encode(batch);
        dict.take(e);
        let at = 0;
        batch.forEach((d, i) => (at = b.addTokens(s + i + 1, { published: d.published, source: d.source, category: d.category }, e.toks, at, dict)));
        assert.equal(at, e.toks.length);
      }
    });
    assert.ok(Buffer.from(got).equals(Buffer.from(want)), `limit ${limit}${mixed ? ', mixed' : ''}`);
    if (limit === 5) assert.ok(dict.epoch > 1, 'the dictionary was reset');
  }
});
