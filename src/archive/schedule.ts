/**
 * When to look at an article again. After NewsDiffs (newsdiffs/website/frontend/management/
 * commands/scraper.py): the longer an article has gone without changing, the less often it is
 * checked — every 15 minutes in its first 3 hours, hourly for the rest of its first day, every
 * 3 hours for a week, every 3 days for a month, monthly for a year, then never (it is kept, not
 * re-fetched). Every change restarts the clock, so an article being actively corrected is watched
 * closely again.
 */
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

/** Delay in ms before the next check, given ms since the article last changed. */
export function recheckDelay(sinceChangeMs: number): number {
  if (sinceChangeMs < 3 * 60 * MIN) return 15 * MIN;
  if (sinceChangeMs < DAY) return 60 * MIN;
  if (sinceChangeMs < 7 * DAY) return 3 * 60 * MIN;
  if (sinceChangeMs < 30 * DAY) return 3 * DAY;
  if (sinceChangeMs < 360 * DAY) return 30 * DAY;
  return Number.MAX_SAFE_INTEGER / 2;
}

export function nextCheck(now: number, lastChanged: number): number {
  return now + recheckDelay(Math.max(0, now - lastChanged));
}
