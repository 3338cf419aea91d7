import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupStories } from './stories.ts';

const docs = [
  { title: 'Nhà hoạt động Charlie Kirk bị ám sát ở Utah', summary: 'Cảnh sát đang truy tìm nghi phạm.' },
  { title: 'Vụ ám sát Charlie Kirk: FBI công bố ảnh nghi phạm', summary: 'Nhà hoạt động bảo thủ bị bắn khi đang phát biểu.' },
  { title: 'Charlie Kirk qua đời, ông Trump ra lệnh treo cờ rủ', summary: '' },
  { title: 'Giá vàng hôm nay tăng mạnh', summary: 'Giá vàng miếng vượt 130 triệu đồng.' },
  { title: 'Giá vàng lập đỉnh mới', summary: '' },
];

test('terms sharing documents form one story, labelled from a headline as written', () => {
  const stories = groupStories(
    [
      { term: 'charlie kirk', count: 3, expected: 0, score: 9 },
      { term: 'ám sát', count: 2, expected: 0.1, score: 6 },
      { term: 'giá vàng', count: 2, expected: 0.2, score: 5 },
      { term: 'nhà hoạt', count: 2, expected: 0, score: 4.5 },
    ],
    docs,
    10,
  );
  assert.equal(stories.length, 2);
  assert.equal(stories[0].label, 'Charlie Kirk');
  assert.deepEqual(stories[0].terms, ['charlie kirk', 'ám sát', 'nhà hoạt']);
  assert.deepEqual(stories[0].docs, [0, 1, 2]);
  assert.equal(stories[0].count, 3);
  assert.equal(stories[1].label, 'Giá vàng');
  assert.deepEqual(stories[1].docs, [3, 4]);
});

test('the label is the longest phrase at least half the documents repeat', () => {
  const same = [
    { title: 'Bão Yagi đổ bộ Quảng Ninh' },
    { title: 'Bão Yagi đổ bộ Quảng Ninh, mất điện diện rộng' },
    { title: 'Sau khi bão Yagi đổ bộ Quảng Ninh và Hải Phòng' },
    { title: 'Bão Yagi gây thiệt hại lớn' },
  ];
  const [s] = groupStories([{ term: 'bão yagi', count: 4, expected: 0, score: 8 }], same, 5);
  assert.equal(s.label, 'Bão Yagi đổ bộ Quảng Ninh');
  // The limit caps the number of stories.
  assert.equal(groupStories([{ term: 'bão yagi', count: 4, expected: 0, score: 8 }, { term: 'hải phòng', count: 1, expected: 0, score: 5 }], same, 1).length, 1);
});

test('a lone syllable is listed only when written as a name', () => {
  const day = [
    { title: 'Israel không kích Qatar', summary: 'Đòn tấn công vào Doha khiến Qatar phản đối.' },
    { title: 'Qatar: lãnh đạo Hamas an toàn', summary: 'Chính phủ Qatar lên án.' },
    { title: 'Học sinh yếu kém được phụ đạo', summary: 'Nhiều em kém môn toán.' },
    { title: 'Chất lượng kém của hàng nhái', summary: 'Hàng kém chất lượng tràn lan.' },
  ];
  const stories = groupStories(
    [
      { term: 'qatar', count: 2, expected: 0, score: 6 },
      { term: 'kém', count: 2, expected: 0.2, score: 5 },
    ],
    day,
    5,
  );
  assert.deepEqual(stories.map((s) => s.label), ['Qatar']);
});

test('a story holds the documents of every term that joined it: a later term sharing them is not a second row', () => {
  const day = [
    { title: 'U23 Việt Nam thắng Thái Lan ở chung kết', summary: '' },
    { title: 'U23 Việt Nam vô địch sau trận chung kết kịch tính', summary: '' },
    { title: 'Chung kết: Thái Lan thua trên sân Rajamangala', summary: '' },
    { title: 'Sân Rajamangala chật kín khán giả Thái Lan', summary: '' },
    { title: 'Giá vàng giảm', summary: '' },
  ];
  const stories = groupStories(
    [
      { term: 'u23', count: 2, expected: 0, score: 9 }, // docs 0, 1
      { term: 'chung kết', count: 3, expected: 0, score: 8 }, // docs 0, 1, 2: joins (2 of 2 shared)
      { term: 'sân rajamangala', count: 2, expected: 0, score: 7 }, // docs 2, 3: shares doc 2 with the story's union only
    ],
    day,
    10,
  );
  assert.equal(stories.length, 1, JSON.stringify(stories.map((s) => s.label)));
  assert.deepEqual(stories[0].docs, [0, 1, 2, 3]);
});

test('stories that grew into each other after their terms were placed become one row', () => {
  const day = [
    { title: 'Tuyển Việt Nam vô địch SEA Games', source: 'Báo A' },
    { title: 'Người hâm mộ vỡ òa khi tuyển Việt Nam vô địch', source: 'Báo B' },
    { title: 'Người hâm mộ vỡ òa trên sân Rajamangala', source: 'Báo A' },
    { title: 'Cổ động viên vỡ òa sau trận chung kết', source: 'Báo C' },
    { title: 'Vỡ òa niềm vui trên đường phố', source: 'Báo B' },
    { title: 'Giá vàng giảm', source: 'Báo A' },
  ];
  const terms = [
    { term: 'vô địch', count: 2, expected: 0, score: 9 }, // docs 0, 1
    { term: 'vỡ òa', count: 4, expected: 0, score: 8 }, // docs 1–4: shares 1 of 2 → joins, the story grows to 0–4
    { term: 'hâm mộ', count: 2, expected: 0, score: 7 }, // docs 1, 2: inside the story
  ];
  const stories = groupStories(terms, day, 10);
  assert.equal(stories.length, 1, JSON.stringify(stories.map((s) => s.label)));
  assert.deepEqual(stories[0].docs, [0, 1, 2, 3, 4]);
  assert.deepEqual(stories[0].outlets.sort(), ['Báo A', 'Báo B', 'Báo C']);
  // Placed in another order, the second story is opened before the first grows, then merged.
  const late = groupStories([terms[0], { term: 'cổ động', count: 1, expected: 0, score: 8.5 }, terms[1]], [...day, { title: 'Cổ động viên vỡ òa', source: 'Báo C' }], 10);
  assert.equal(late.length, 1, JSON.stringify(late.map((s) => s.label)));
});

test('a lone syllable joins a story without bringing its documents', () => {
  const day = [
    { title: 'Ông Trump thăm đền Thiên Đàn ở Bắc Kinh' },
    { title: 'Ông Trump đến Bắc Kinh' },
    { title: 'Bảo vệ thiên nhiên vùng cao' },
    { title: 'Thiên nhiên hoang dã ở Tây Nguyên' },
  ];
  const stories = groupStories(
    [
      { term: 'bắc kinh', count: 2, expected: 0, score: 9 }, // docs 0, 1
      { term: 'thiên', count: 3, expected: 0, score: 8 }, // docs 0, 2, 3: joins, brings nothing
      { term: 'thiên nhiên', count: 2, expected: 0, score: 7 }, // docs 2, 3: a story of its own
    ],
    day,
    10,
  );
  assert.deepEqual(stories.map((s) => s.docs), [[0, 1], [2, 3]]);
});

test('a story told with everyday words only is dropped; one with more than its label is kept', () => {
  const day = [
    { title: 'Người trúng số nhận tiền mặt', source: 'Báo A' },
    { title: 'Rút tiền mặt ở cây ATM dịp lễ', source: 'Báo B' },
    { title: 'Thanh toán không tiền mặt tăng mạnh', source: 'Báo C' },
    { title: 'Cúp điện diện rộng ở Hà Nội', source: 'Báo A' },
    { title: 'Hà Nội cúp điện diện rộng vì sự cố lưới', source: 'Báo B' },
  ];
  const stories = groupStories(
    [
      { term: 'tiền mặt', count: 3, expected: 0.5, score: 6, seen: 0.6 },
      { term: 'cúp điện', count: 2, expected: 0.4, score: 5, seen: 0.5 },
      { term: 'diện rộng', count: 2, expected: 0.2, score: 4.5, seen: 0.3 },
    ],
    day,
    10,
  );
  // "tiền mặt" is seen on 60% of the baseline's days and its story holds nothing else: dropped.
  // "cúp điện" is everyday too, but "diện rộng" joined it: kept.
  assert.deepEqual(stories.map((s) => s.terms), [['cúp điện', 'diện rộng']]);
  // Without knowing how often a term is seen, it is not judged everyday.
  assert.equal(groupStories([{ term: 'tiền mặt', count: 3, expected: 0.5, score: 6 }], day, 10).length, 1);
});

test('a label neither starts nor ends inside a word, and keeps a person word', () => {
  // "Lễ kỷ niệm long trọng tám mươi năm Quốc khánh": the 8-syllable window around "quốc khánh"
  // starts at "niệm", half of "kỷ niệm".
  const day = [1, 2, 3].map((i) => ({ title: `Lễ kỷ niệm long trọng tám mươi năm Quốc khánh ${i === 1 ? 'ở Hà Nội' : 'tại Huế'}` }));
  const term = [{ term: 'quốc khánh', count: 3, expected: 0, score: 8 }];
  assert.match(groupStories(term, day, 5)[0].label, /^niệm/);
  const df = (t: string) => ({ niệm: 100, 'kỷ niệm': 96 })[t] ?? 1;
  assert.equal(groupStories(term, day, 5, { df })[0].label, 'kỷ niệm long trọng tám mươi năm Quốc khánh');
  // A kin word used as a title stays at a label's start.
  const teacher = [{ title: 'Cô giáo Hương được khen thưởng' }, { title: 'Học trò nhớ cô giáo Hương' }];
  assert.equal(groupStories([{ term: 'giáo hương', count: 2, expected: 0, score: 5 }], teacher, 5)[0].label.toLowerCase(), 'cô giáo hương');
});

test('two numbered storms are two stories, and a term placed always opens its own story past the limit', () => {
  const day = [
    { title: 'Bão số 9 đổ bộ Quảng Ninh, mất điện diện rộng', source: 'Báo A' },
    { title: 'Bão số 9 gây mưa lớn ở Hải Phòng', source: 'Báo B' },
    { title: 'Bão số 9 chưa tan, Biển Đông có thể đón bão số 10', source: 'Báo A' },
    { title: 'Sau bão số 9 sẽ là bão số 10?', source: 'Báo B' },
    { title: 'Giá vàng lập đỉnh mới', source: 'Báo A' },
    { title: 'Giá vàng hôm nay tăng mạnh', source: 'Báo B' },
  ];
  const terms = [
    { term: 'bão số 9', count: 4, expected: 0.5, score: 9 },
    { term: 'giá vàng', count: 2, expected: 0.2, score: 5 },
    { term: 'bão số 10', count: 2, expected: 0, score: 2 },
  ];
  const named = (t: string) => (t.startsWith('bão số') ? t : undefined);
  // Without names, the new storm's two articles are the current storm's: it joins that story.
  assert.deepEqual(groupStories(terms, day, 5).map((s) => s.terms), [['bão số 9', 'bão số 10'], ['giá vàng']]);
  // Named, it is its own story (and the stories are not merged afterwards either).
  const apart = groupStories(terms, day, 5, { nameOf: named });
  assert.deepEqual(apart.map((s) => s.terms), [['bão số 9'], ['giá vàng'], ['bão số 10']]);
  assert.deepEqual(apart[2].docs, [2, 3]);
  assert.deepEqual(apart[2].outlets.sort(), ['Báo A', 'Báo B']);
  // With one story allowed, only a term placed always gets a second one.
  assert.deepEqual(groupStories(terms, day, 1, { nameOf: named }).map((s) => s.terms), [['bão số 9']]);
  assert.deepEqual(groupStories(terms, day, 1, { nameOf: named, always: (t) => t === 'bão số 10' }).map((s) => s.terms), [['bão số 9'], ['bão số 10']]);
});

test('a term placed always joins an unnamed story on two shared documents, not on one digest', () => {
  const day = [
    { title: 'Bão Matmo vào Biển Đông, thành bão số 11', source: 'Báo A' },
    { title: 'Bão Matmo mạnh lên, bão số 11 hướng vào miền Bắc', source: 'Báo B' },
    { title: 'Bão Matmo gây mưa lớn', source: 'Báo A' },
    { title: 'Xem nhanh 12h: Dân chống bão Kalmaegi | Biển Đông sắp có bão số 14', source: 'Báo A' },
    { title: 'Bão số 14 lấp ló ngoài Biển Đông', source: 'Báo A' },
    { title: 'Người dân chống bão Kalmaegi', source: 'Báo B' },
    { title: 'Chống bão Kalmaegi trong đêm', source: 'Báo B' },
  ];
  const terms = [
    { term: 'bão matmo', count: 3, expected: 0, score: 8 },
    { term: 'chống bão', count: 3, expected: 0.2, score: 6 },
    { term: 'bão số 11', count: 2, expected: 0, score: 2 },
    { term: 'bão số 14', count: 2, expected: 0, score: 2 },
  ];
  const opts = { nameOf: (t: string) => (t.startsWith('bão số') ? t : undefined), always: (t: string) => t.startsWith('bão số') };
  const stories = groupStories(terms, day, 5, opts);
  // Storm 11's two articles are Matmo's: one story. Storm 14 shares one digest with the
  // Kalmaegi story: its own row, labelled by its number.
  assert.deepEqual(stories.map((s) => s.terms), [['bão matmo', 'bão số 11'], ['chống bão'], ['bão số 14']]);
  assert.match(stories[2].label, /bão số 14/i);
});
