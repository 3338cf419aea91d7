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
      { term: 'rajamangala', count: 2, expected: 0, score: 7 }, // docs 2, 3: shares doc 2 with the story's union only
    ],
    day,
    10,
  );
  assert.equal(stories.length, 1, JSON.stringify(stories.map((s) => s.label)));
  assert.deepEqual(stories[0].docs, [0, 1, 2, 3]);
});
