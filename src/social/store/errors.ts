/**
 * A refusal the user can act on: an HTTP status and one Vietnamese line saying what was wrong and
 * what to do. The Mastodon API sends it as `{"error": message}`, the pages as an HTML message, the
 * CLI as its one-line error.
 */
export class SocialError extends Error {
  readonly statusCode: number;
  /** Seconds to wait (429). */
  readonly retryAfter: number | undefined;
  /** The form field it concerns, when there is one. */
  readonly field: string | undefined;
  constructor(statusCode: number, message: string, o: { retryAfter?: number; field?: string } = {}) {
    super(message);
    this.name = 'SocialError';
    this.statusCode = statusCode;
    this.retryAfter = o.retryAfter;
    this.field = o.field;
  }
}

export const notFound = (what = 'Không tìm thấy bản ghi này'): SocialError => new SocialError(404, what);
