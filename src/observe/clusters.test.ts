import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterStories, type ClusterDoc } from './clusters.ts';

const H = 3_600_000;
const t0 = Date.parse('2025-09-11T06:00:00+07:00');

const docs: ClusterDoc[] = [
  { id: 'a1', source: 'Báo A', title: 'Bà chủ nhà thuốc Mỹ Châu ra tòa vụ chạy án 7 tỷ đồng', time: t0 + 2 * H },
  { id: 'b1', source: 'Báo B', title: 'Bà chủ Mỹ Châu Pharmacy khóc nức nở khi nghe tuyên án chạy án', time: t0 + 9 * H },
  { id: 'c1', source: 'Báo C', title: 'Nha sĩ Tuyết Chinh bị bắt vì đánh khách hàng', time: t0 + 1 * H },
  { id: 'a2', source: 'Báo A', title: 'Bắt khẩn cấp nha sĩ Tuyết Chinh hành hung khách hàng', time: t0 + 1.5 * H },
  { id: 'x1', source: 'Báo B', title: 'Giá xăng giảm nhẹ từ chiều nay', time: t0 + 3 * H },
  { id: 'x2', source: 'Báo C', title: 'Đội tuyển bóng chuyền nữ giành vé dự giải thế giới', time: t0 + 4 * H },
  // The same story again three days later: a new story, the first one has closed.
  { id: 'c2', source: 'Báo C', title: 'Nha sĩ Tuyết Chinh bị đề nghị truy tố vì đánh khách hàng', time: t0 + 80 * H },
];

// Document frequencies of a larger imaginary collection: names are rare, everyday words common.
const common = new Set(['bị', 'bắt', 'khách hàng', 'chiều', 'giá', 'đồng', 'tỷ', 'đội', 'giải', 'nữ', 'tuyển']);
const df = (t: string) => (common.has(t) || t.split(' ').some((w) => common.has(w)) ? 400 : 3);

test('articles about one story across outlets form one cluster with the first publisher', () => {
  const out = clusterStories(docs, { df, documents: 10_000, windowHours: 36 });
  const dentist = out.find((c) => c.first.id === 'c1');
  assert.ok(dentist);
  assert.equal(dentist.size, 2);
  assert.equal(dentist.first.source, 'Báo C');
  assert.deepEqual(dentist.followers.map((f) => [f.id, f.delayMinutes]), [['a2', 30]]);
  assert.equal(dentist.first.published, '2025-09-11T07:00:00+07:00');
  const trial = out.find((c) => c.first.id === 'a1');
  assert.ok(trial);
  assert.deepEqual(trial.followers.map((f) => f.id), ['b1']);
  assert.deepEqual(trial.sources, ['Báo A', 'Báo B']);
  // Unrelated news stays alone; the late article starts a new story (window closed).
  for (const id of ['x1', 'x2', 'c2']) assert.equal(out.find((c) => c.first.id === id)?.size, 1, id);
  // Largest first.
  assert.ok(out[0].size >= out[out.length - 1].size);
});

test('a wider window keeps the story open; near-duplicates are marked', () => {
  const out = clusterStories(docs, { df, documents: 10_000, windowHours: 96 });
  const dentist = out.find((c) => c.first.id === 'c1');
  assert.deepEqual(dentist?.followers.map((f) => f.id), ['a2', 'c2']);
  // c2 comes from the first article's own outlet: a follow-up, shown as such.
  assert.deepEqual(dentist?.followers.map((f) => f.sameOutlet), [false, true]);
  const dup = clusterStories(
    [
      { id: 'p', source: 'A', title: 'Khởi công cầu Tứ Liên nối Tây Hồ và Đông Anh', time: t0 },
      { id: 'q', source: 'B', title: 'Khởi công cầu Tứ Liên nối Tây Hồ và Đông Anh', time: t0 + H },
    ],
    { df, documents: 10_000 },
  );
  assert.equal(dup.length, 1);
  assert.equal(dup[0].followers[0].nearDuplicate, true);
});
