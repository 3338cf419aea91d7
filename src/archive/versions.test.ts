import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentHash } from './versions.ts';
import { recheckDelay } from './schedule.ts';
import { simhash, hamming, NEAR_DUPLICATE_BITS } from './fingerprint.ts';

const body = 'Theo báo cáo nhanh, đến 9:15 sáng nay đã có 3.200 hộ dân được di dời.\nCập nhật 24/11/2026 09:20 (GMT+7)\nQuảng cáo\nLực lượng biên phòng đã liên lạc với toàn bộ tàu cá.';

test('trivial changes (clock, date line, ads, whitespace, quotes, counters) are not new versions', () => {
  const h = contentHash('Bão số 9 “đổ bộ”', body);
  const trivial = body.replace('9:15', '10:32').replace('24/11/2026 09:20', '25/11/2026 07:00').replace('Quảng cáo\n', '').replace(/ /g, '  ') + '\n1.234 lượt xem';
  assert.equal(contentHash('Bão số 9 "đổ bộ"', trivial), h);
  assert.notEqual(contentHash('Bão số 9 “đổ bộ”', body.replace('3.200', '5.400')), h, 'a changed figure is an edit');
  assert.notEqual(contentHash('Bão số 10 “đổ bộ”', body), h, 'a changed title is an edit');
});

test('re-check schedule: often while young, rarely when old (NewsDiffs)', () => {
  const min = 60_000;
  assert.equal(recheckDelay(10 * min), 15 * min);
  assert.equal(recheckDelay(5 * 60 * min), 60 * min);
  assert.equal(recheckDelay(3 * 24 * 60 * min), 3 * 60 * min);
  assert.ok(recheckDelay(400 * 24 * 60 * min) > 365 * 24 * 60 * min);
});

test('SimHash: a reprint with another headline and one changed sentence is near; another story is far', () => {
  const story = Array.from({ length: 6 }, (_, i) => `Câu thứ ${i} của bài: thành phố sẽ mở rộng đường vành đai thêm hai làn xe, ưu tiên các nút giao thường xuyên ùn tắc vào giờ cao điểm buổi sáng.`).join(' ');
  const reprint = 'Theo Báo Tin Nhanh. ' + story.replace('Câu thứ 5 của bài', 'Câu cuối');
  const other = Array.from({ length: 6 }, (_, i) => `Đoạn ${i}: giá lúa gạo tại đồng bằng sông Cửu Long tăng mạnh sau vụ thu hoạch muộn, thương lái đua nhau thu mua.`).join(' ');
  const a = simhash(story)!, b = simhash(reprint)!, c = simhash(other)!;
  assert.ok(hamming(a.hex, b.hex) <= NEAR_DUPLICATE_BITS, `reprint distance ${hamming(a.hex, b.hex)}`);
  assert.ok(hamming(a.hex, c.hex) > 2 * NEAR_DUPLICATE_BITS, `other distance ${hamming(a.hex, c.hex)}`);
  assert.equal(simhash('quá ngắn'), undefined);
  assert.equal(simhash(story.normalize('NFD'))!.hex, a.hex, 'NFD and NFC give the same fingerprint');
});

test('vietnamTime gives a capture time as ISO 8601 at +07:00', async () => {
  const { vietnamTime } = await import('./versions.ts');
  assert.equal(vietnamTime('2026-03-10T01:05:00.000Z'), '2026-03-10T08:05:00+07:00');
  assert.equal(vietnamTime('2026-03-10T20:30:15.250Z'), '2026-03-11T03:30:15.250+07:00', 'the day turns over in Vietnam first');
  assert.equal(vietnamTime('không phải ngày'), 'không phải ngày');
});
