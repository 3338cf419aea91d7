import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccentRestorer, NgramCounter } from './restore.ts';
import { tokenize } from './tokenize.ts';
import { fold } from './fold.ts';

// A small corpus written for these tests: each ambiguous folded syllable appears in contexts
// that decide it (đường/dương, giá/gia, năm/nam, tính/tình …).
const CORPUS = [
  'Con đường làng quê em rợp bóng tre.',
  'Con đường này dẫn tới trường học.',
  'Chúng tôi đi trên con đường mới mở.',
  'Đường phố Hà Nội đông người vào buổi sáng.',
  'Tàu vượt đại dương trong nhiều tuần.',
  'Đại dương bao la và sâu thẳm.',
  'Cá voi sống ở đại dương.',
  'Thái Bình Dương là đại dương lớn nhất.',
  'Ông ấy được gia hạn hợp đồng thêm một năm.',
  'Giấy phép được gia hạn đến cuối năm.',
  'Hộ chiếu được gia hạn nhanh chóng.',
  'Xe cũ vẫn bán được giá.',
  'Nhà trong phố cổ luôn bán được giá.',
  'Giá vàng hôm nay tăng mạnh.',
  'Giá xăng giảm nhẹ trong tuần này.',
  'Gia đình tôi sống ở Hà Nội.',
  'Chuyển đổi số là xu thế tất yếu.',
  'Doanh nghiệp đẩy mạnh chuyển đổi số.',
  'Người dân Hà Nội đón năm mới.',
  'Năm nay mùa màng bội thu.',
  'Miền Nam có mùa mưa dài.',
  'Đội tuyển Việt Nam thắng đậm.',
  'Bệnh nhân có kết quả dương tính.',
  'Mẫu xét nghiệm dương tính với vi rút.',
  'Đường hầm xuyên núi dài hai cây số.',
  'Tình yêu quê hương thật đẹp.',
  'Bài hát về tình yêu được nhiều người nghe.',
  'Cô ấy tính toán rất nhanh.',
  'Máy tính mới chạy nhanh.',
  'Hôm nay trời mưa to ở Hà Nội.',
  'Thời tiết hôm nay đẹp.',
  'Ngày 8-8 năm 2025 trời nắng.',
];

const trained = AccentRestorer.train(CORPUS);

const withTrigrams = AccentRestorer.train(CORPUS, { trigrams: true });

test('restoration follows the context (bigram and trigram models)', () => {
  for (const r of [trained, withTrigrams]) {
    assert.equal(r.restore('con duong'), 'con đường');
    assert.equal(r.restore('dai duong'), 'đại dương');
    assert.equal(r.restore('duong pho'), 'đường phố');
    assert.equal(r.restore('ket qua duong tinh'), 'kết quả dương tính');
    assert.equal(r.restore('tinh yeu'), 'tình yêu');
    assert.equal(r.restore('may tinh'), 'máy tính');
    assert.equal(r.restore('chuyen doi so'), 'chuyển đổi số');
    assert.equal(r.restore('doi tuyen viet nam'), 'đội tuyển việt nam');
    assert.equal(r.restore('nam moi'), 'năm mới');
    assert.equal(r.restore('duoc gia han'), 'được gia hạn');
    assert.equal(r.restore('ban duoc gia.'), 'bán được giá.');
  }
});

test('the end of a phrase is evidence too', () => {
  // "gia" is followed by hạn in the corpus, "giá" ends a sentence: the full stop decides.
  assert.equal(trained.restore('duoc gia han'), 'được gia hạn');
  assert.equal(trained.restore('ban duoc gia.'), 'bán được giá.');
});

test('case, spacing and punctuation are kept', () => {
  assert.equal(trained.restore('Ha Noi'), 'Hà Nội');
  assert.equal(trained.restore('HA NOI'), 'HÀ NỘI');
  assert.equal(trained.restore('  Con   duong,\tdai duong!  '), '  Con   đường,\tđại dương!  ');
  assert.equal(trained.restore('"Gia vang" (hom nay)?'), '"Giá vàng" (hôm nay)?');
  assert.equal(trained.restore('Thai Binh Duong'), 'Thái Bình Dương');
});

test('the syllable count and order are preserved', () => {
  for (const s of ['con duong lang que em', 'gia dinh toi song o ha noi', 'xe cu van ban duoc gia', 'abc xyz con duong 12/2025 dai duong']) {
    const out = trained.restore(s);
    const a = tokenize(s);
    const b = tokenize(out);
    assert.equal(b.length, a.length, out);
    // Only marks were added: folding the output gives the input's tokens back.
    assert.deepEqual(b.map((t) => t.folded), a.map((t) => fold(t.text)));
  }
});

test('tokens that are not known syllables are kept as typed', () => {
  const s = 'iPhone 15 https://tra.vn/duong?x=1 #duongpho TP.HCM zyx qwerty kwang';
  assert.equal(trained.restore(s), s);
  // An unseen folded syllable between known ones stays too.
  assert.equal(trained.restore('con duong khuyu'), 'con đường khuyu');
  assert.equal(trained.restore(''), '');
  assert.equal(trained.restore(' ... '), ' ... ');
});

test('syllables typed with marks are kept and used as evidence', () => {
  // "tính" typed: the neighbour follows it.
  assert.equal(trained.restore('duong tính'), 'dương tính');
  // New-style tone placement and NFD input are kept exactly as typed.
  assert.equal(trained.restore('hoà binh'), 'hoà bình');
  const nfd = 'con đường'.normalize('NFD');
  assert.equal(trained.restore(nfd + ' dai duong'), nfd + ' đại dương');
});

test('candidates are the spellings of a folded syllable, most frequent first', () => {
  const c = trained.candidates('duong');
  assert.deepEqual(c.map((x) => x.norm).sort(), ['dương', 'đường']);
  assert.ok(c[0].count >= c[1].count);
  assert.equal(c.find((x) => x.norm === 'đường')?.count, 5);
  // Folding is applied to the argument; unknown forms have no candidates.
  assert.deepEqual(trained.candidates('DUONG'), c);
  assert.deepEqual(trained.candidates('zzz'), []);
  // Non-syllable words are context only, never candidates.
  assert.deepEqual(trained.candidates('2025'), []);
});

test('fromCounts uses the counts the engine has (norm keys, "a b" bigrams)', () => {
  const r = AccentRestorer.fromCounts(
    [['đường', 50], ['dương', 40], ['con', 30], ['đại', 20], ['dài', 25], ['https://x.vn', 3], ['2025', 4]],
    [['con đường', 20], ['đại dương', 15], ['con dài', 1], ['đường 2025', 2]],
  );
  assert.equal(r.restore('con duong'), 'con đường');
  assert.equal(r.restore('dai duong'), 'đại dương');
  assert.equal(r.restore('duong'), 'đường');
  assert.equal(r.restore('dai'), 'dài');
});

test('train is counting plus fromCounts', () => {
  const counter = new NgramCounter();
  for (const s of CORPUS) counter.add(s);
  assert.equal(counter.unigrams.get('đường'), 5);
  assert.equal(counter.bigrams.get('con đường'), 3);
  // No bigram across punctuation.
  assert.equal(counter.bigrams.get('dương là'), 1);
  assert.equal(counter.bigrams.get('dương trong'), 1);
  assert.equal(counter.bigrams.get('la và'), 1);
  assert.equal(counter.bigrams.get('dương mẫu'), undefined);
  const r = AccentRestorer.fromCounts(counter.unigrams, counter.bigrams);
  for (const s of ['con duong', 'ban duoc gia.', 'Ha Noi']) assert.equal(r.restore(s), trained.restore(s));
});

test('serialisation round-trips', () => {
  const buf = trained.toBuffer();
  const back = AccentRestorer.fromBuffer(buf);
  assert.deepEqual(back.toBuffer(), buf);
  assert.deepEqual(back.size, trained.size);
  for (const f of ['duong', 'gia', 'nam', 'tinh']) assert.deepEqual(back.candidates(f), trained.candidates(f));
  for (const s of CORPUS) {
    const plain = fold(s);
    assert.equal(back.restore(plain), trained.restore(plain));
  }
});

test('a damaged model is refused with an error', () => {
  const buf = trained.toBuffer();
  assert.throws(() => AccentRestorer.fromBuffer(buf.subarray(0, buf.length - 3)), /accent model/);
  const bad = buf.slice();
  bad[0] = 0;
  assert.throws(() => AccentRestorer.fromBuffer(bad), /not an accent model/);
});

test('an empty model restores nothing', () => {
  const r = AccentRestorer.fromCounts([], []);
  assert.equal(r.restore('con duong'), 'con duong');
  assert.deepEqual(AccentRestorer.fromBuffer(r.toBuffer()).candidates('duong'), []);
});

test('restoreTokens explains each choice with posterior probabilities', () => {
  const toks = trained.restoreTokens('Con duong, 2025 dai duong');
  assert.deepEqual(toks.map((t) => t.text), ['Con', 'duong', '2025', 'dai', 'duong']);
  assert.deepEqual(toks.map((t) => t.restored), ['Con', 'đường', '2025', 'đại', 'dương']);
  assert.deepEqual(toks.map((t) => [t.start, t.end]), tokenize('Con duong, 2025 dai duong').map((t) => [t.start, t.end]));
  // The numbers are kept as typed and have no alternatives; probabilities sum to one.
  assert.deepEqual(toks[2].alternatives, []);
  for (const t of [toks[1], toks[3], toks[4]]) {
    const sum = t.alternatives.reduce((a, x) => a + x.p, 0);
    assert.ok(Math.abs(sum - 1) < 1e-9, String(sum));
    for (let i = 1; i < t.alternatives.length; i++) assert.ok(t.alternatives[i - 1].p >= t.alternatives[i].p);
  }
  assert.equal(toks[1].alternatives[0].norm, 'đường');
  assert.equal(toks[4].alternatives[0].norm, 'dương');
  assert.ok(toks[4].alternatives[0].p > 0.5);
});

test('with trigram counts, two words of context decide', () => {
  // "cho bạn" and "cho bán" are equally common and both end sentences: only the word before
  // "cho" tells them apart.
  const corpus = ['Tôi gửi cho bạn.', 'Mẹ gửi cho bạn.', 'Anh ấy gửi cho bạn.', 'Xã không cho bán.', 'Chợ không cho bán.', 'Họ không cho bán.'];
  const tri = AccentRestorer.train(corpus, { trigrams: true });
  assert.ok(tri.size.trigrams > 0);
  assert.equal(tri.restore('gui cho ban'), 'gửi cho bạn');
  assert.equal(tri.restore('khong cho ban'), 'không cho bán');
  // The bigram model cannot tell them apart: it gives both the same answer.
  const bi = AccentRestorer.train(corpus);
  assert.equal(bi.size.trigrams, 0);
  assert.equal(bi.restore('gui cho ban').split(' ')[2], bi.restore('khong cho ban').split(' ')[2]);
  // The trigram layer survives serialisation.
  const back = AccentRestorer.fromBuffer(tri.toBuffer());
  assert.equal(back.size.trigrams, tri.size.trigrams);
  assert.equal(back.restore('khong cho ban'), 'không cho bán');
});

test('a model read back from a Node Buffer (as from a file) works', () => {
  const bytes = trained.toBuffer();
  // A Buffer that is a view at an odd offset into a larger allocation, like pooled buffers.
  const pool = Buffer.alloc(bytes.length + 7);
  pool.set(bytes, 3);
  const back = AccentRestorer.fromBuffer(pool.subarray(3, 3 + bytes.length));
  assert.equal(back.restore('con duong, dai duong'), 'con đường, đại dương');
  assert.deepEqual(back.toBuffer(), bytes);
});

test('on arbitrary input only marks change: same length outside tokens, same folded tokens', () => {
  // A small deterministic generator of messy text: syllables from the corpus, case changes,
  // numbers, punctuation, odd spaces, URLs.
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const words = [...new Set(CORPUS.join(' ').split(/[\s.,]+/).filter(Boolean).map((w) => fold(w)))];
  const extras = ['2025', '8-8', 'https://tra.vn/x', '#tag', 'iPhone', 'TP.HCM', ',', '.', '!', '(', ')', '"', '\u00a0', '  ', '\n'];
  for (let round = 0; round < 200; round++) {
    let s = '';
    const n = 1 + rand(12);
    for (let i = 0; i < n; i++) {
      let w = rand(4) === 0 ? extras[rand(extras.length)] : words[rand(words.length)];
      if (rand(5) === 0) w = w.toUpperCase();
      else if (rand(4) === 0) w = w.charAt(0).toUpperCase() + w.slice(1);
      s += w + (rand(3) === 0 ? '' : ' ');
    }
    for (const r of [trained, withTrigrams]) {
      const out = r.restore(s);
      assert.equal(out.length, s.length, s);
      assert.equal(fold(out), fold(s), s);
      // Capitalisation follows the input letter by letter.
      for (let i = 0; i < s.length; i++) assert.equal(out[i] === out[i].toUpperCase(), s[i] === s[i].toUpperCase(), s);
    }
  }
});
