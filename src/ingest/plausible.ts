/**
 * The plausible window of publication times.
 *
 * A document's `published` is kept exactly as given (a defect is data too), but a time outside
 * this window never dates it: the index treats it as undated (no day in trends, the observatory,
 * date filters or newest-first order) and marks it as suspect. The window:
 * - not before 1990-01-01 (Vietnamese online news starts in the late 1990s; earlier dates in
 *   feeds are placeholders such as 0001-01-01 or the Unix epoch);
 * - not more than one day after the moment the document is indexed (clocks and time zones
 *   differ by hours, not days; `+275760-09-13` is the largest date JavaScript can represent).
 * Bounding the dates also bounds every time axis built from them.
 */
import { parseTime } from './timestamps.ts';

export const EARLIEST_PLAUSIBLE_MS = Date.UTC(1990, 0, 1);
export const FUTURE_SLACK_MS = 86_400_000;

/**
 * Milliseconds since the epoch of a plausible `published`, or undefined (absent, unparsable or
 * outside the window). Read as timestamps.ts `parseTime` reads it: a time without a zone is
 * Vietnam time.
 */
export function plausibleTime(published: unknown, nowMs: number = Date.now()): number | undefined {
  if (typeof published === 'string' && published.length > 64) return undefined;
  const t = parseTime(published);
  if (!Number.isFinite(t) || t < EARLIEST_PLAUSIBLE_MS || t > nowMs + FUTURE_SLACK_MS) return undefined;
  return t;
}

/** True when `published` is present and parses, but lies outside the plausible window. */
export function isImplausiblePublished(published: unknown, nowMs: number = Date.now()): boolean {
  return Number.isFinite(parseTime(published)) && plausibleTime(published, nowMs) === undefined;
}
