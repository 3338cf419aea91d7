/**
 * The bounds of one ranking (docs/FEEDS.md "Candidates and their bound"): what a reader's request
 * may cost, whatever the instance's size. describe.ts says them in the feed's rules; rank.ts keeps them.
 */
/** The longest page a feed is served in (the API's `limit` ≤ 40; the pages show 20). */
export const MAX_PAGE = 40;
/**
 * Candidates of a ranked feed: the newest posts of its window that its SQL or index filters
 * select, at most 25 of the longest page — so a ranked feed is at most 25 pages long, and the
 * work of one reader's ranking is bounded whatever the instance's size.
 */
export const MAX_CANDIDATES = 25 * MAX_PAGE;
/** Posts taken from each rising story's match set (newest first, over the window's days). */
export const RISING_MATCHES_PER_STORY = 2000;
