/**
 * Opaque cursors for paginated API results. A cursor carries the offset of the next page and a
 * short fingerprint of the query and filters it was made for, so a cursor reused with another
 * query is refused instead of silently returning the wrong page.
 */
import { createHash } from 'node:crypto';
import { BadRequest } from './errors.ts';

export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 10);
}

export function encodeCursor(offset: number, fp: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fp }), 'utf8').toString('base64url');
}

/** The offset a cursor points at; throws BadRequest (field "cursor") when it is not ours or not for this query. */
export function decodeCursor(cursor: string, fp: string): number {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  const o = (v as { o?: unknown } | undefined)?.o;
  const f = (v as { f?: unknown } | undefined)?.f;
  if (typeof o !== 'number' || !Number.isInteger(o) || o < 0 || typeof f !== 'string') {
    throw new BadRequest('"cursor" không hợp lệ: hãy dùng đúng giá trị mà API trả về trong tiêu đề X-Next-Cursor (hoặc Link rel="next").', 'cursor');
  }
  if (f !== fp) {
    throw new BadRequest('"cursor" này thuộc về một truy vấn khác: khi đổi từ khoá hay bộ lọc, hãy bắt đầu lại không có cursor.', 'cursor');
  }
  return o;
}
