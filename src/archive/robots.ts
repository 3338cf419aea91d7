/**
 * robots.txt rules (RFC 9309) on top of robots-parser, with the cache policy the crawler needs.
 *
 * The fetch itself is the crawler's job (it is an HTTP exchange like any other and goes into the
 * WARC); this module turns what came back into a decision:
 * - 2xx: the rules of the file; `Crawl-delay` (seconds, fractions allowed) slows the host down;
 * - 4xx (no robots.txt): everything allowed, as the RFC says;
 * - 5xx or unreachable: everything disallowed for now (the RFC's "complete disallow"), and the
 *   file is asked for again after a short while instead of a day.
 */
import * as robotsModule from 'robots-parser';

interface Robot {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
  getSitemaps(): string[];
}
// robots-parser is CommonJS with a loose declaration file; under ESM its function is `default`.
const robotsParser = ((robotsModule as unknown as { default?: unknown }).default ?? robotsModule) as (url: string, body: string) => Robot;

export const ROBOTS_TTL_MS = 24 * 3600 * 1000;
export const ROBOTS_ERROR_TTL_MS = 15 * 60 * 1000;

export interface RobotsRules {
  allowed(url: string): boolean;
  /** Crawl-delay in ms for our agent, if the file sets one. */
  crawlDelayMs(): number | undefined;
  sitemaps(): string[];
}

/** The product token robots.txt groups are matched against. */
export function agentToken(userAgent: string): string {
  return userAgent.split(/[/\s]/)[0] || userAgent;
}

export function robotsUrl(pageUrl: string): string {
  const u = new URL(pageUrl);
  return `${u.protocol}//${u.host}/robots.txt`;
}

export function rulesFrom(robotsTxtUrl: string, status: number, body: string, userAgent: string): RobotsRules {
  const agent = agentToken(userAgent);
  if (status >= 200 && status < 300) {
    const r = robotsParser(robotsTxtUrl, body);
    return {
      allowed: (url) => r.isAllowed(url, agent) !== false,
      crawlDelayMs: () => {
        const d = r.getCrawlDelay(agent);
        return typeof d === 'number' && Number.isFinite(d) && d > 0 ? d * 1000 : undefined;
      },
      sitemaps: () => r.getSitemaps(),
    };
  }
  if (status >= 400 && status < 500) return { allowed: () => true, crawlDelayMs: () => undefined, sitemaps: () => [] };
  return { allowed: () => false, crawlDelayMs: () => undefined, sitemaps: () => [] };
}

/** How long a robots.txt answer with this status stays valid. */
export function robotsTtl(status: number): number {
  return status >= 200 && status < 500 ? ROBOTS_TTL_MS : ROBOTS_ERROR_TTL_MS;
}
