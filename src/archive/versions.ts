/**
 * What counts as a new version of an article.
 *
 * Pages change on every fetch for reasons that are not edits: a "cập nhật 10:32" clock, a view
 * counter, the date line, an ad slot, whitespace. The content hash is therefore taken on a reduced
 * form of title and body: NFC, whitespace collapsed, clock times, dates and counters blanked, ad
 * and "read more" labels dropped, Vietnamese quotes unified. Two captures with the same reduced
 * form are one version; anything else — a word, a figure, a name changed — is a new version.
 */
import { createHash } from 'node:crypto';

const AD_LINES = /^(quảng cáo|advertisement|sponsored|tài trợ|xem thêm|đọc thêm|tin liên quan|bài liên quan|xem tiếp|video đang được quan tâm)\b.{0,40}$/iu;

export function reduceForVersion(text: string): string {
  return text
    .normalize('NFC')
    .split(/\n+/)
    .map((l) => l.trim())
    .filter((l) => l && !AD_LINES.test(l))
    .join('\n')
    .replace(/\b\d{1,2}[:h]\d{2}(:\d{2})?\b/g, '#t')
    .replace(/\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b/g, '#d')
    .replace(/\b\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?\b/g, '#d')
    .replace(/\(?GMT\s*[+-]\s*\d+\)?/gi, '')
    .replace(/(?<![\p{L}\p{N}])\d[\d.,]*\s*(lượt xem|lượt thích|bình luận|views?|comments?)(?![\p{L}])/giu, '#n')
    .replace(/[“”„‟″]/g, '"')
    .replace(/[‘’‚‛′]/g, "'")
    .replace(/[ \t\u00a0]+/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && l !== '#n')
    .join('\n');
}

export function contentHash(title: string, text: string): string {
  return createHash('sha256').update(reduceForVersion(title)).update('\u0000').update(reduceForVersion(text)).digest('hex');
}

/**
 * An instant as Vietnam reads it: ISO 8601 with the +07:00 offset (Vietnam has kept UTC+7 without
 * daylight saving since 1975), e.g. `2026-03-10T08:05:00+07:00` for `2026-03-10T01:05:00.000Z`.
 * A value that is not a date is returned as given.
 */
export function vietnamTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t + 7 * 3600_000).toISOString().replace(/\.000Z$|Z$/, '') + '+07:00';
}
