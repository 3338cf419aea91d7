// robots.txt behind a redirect, in a cluster's fetcher: followed while it stays on the host (every
// hop captured, its rules obeyed); a redirect to another host is not followed — robots.txt counts
// as unreachable and nothing of the host is fetched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PG_SKIP } from './pg.ts';
import { until } from './procs.ts';
import type { HostSpec } from './webhosts.ts';
import { withFetcher } from './fetcher-run.ts';

test('robots.txt redirects: followed on the same host, not to another one', { skip: PG_SKIP, timeout: 60_000 }, async () => {
  const same: HostSpec = { crawlDelayS: 0, latencyMs: 0, articles: 2, redirects: { '/robots.txt': '/robots-moi.txt' }, robotsAlias: '/robots-moi.txt' };
  const other: HostSpec = { crawlDelayS: 0, latencyMs: 0, articles: 2 };
  await withFetcher([same, other], { hosts: 2, feedIntervalMs: 3_600_000 }, async ({ s, web, fetcher, lines, start }) => {
    other.redirects = { '/robots.txt': `http://${web.hosts[0]}/robots-moi.txt` };
    const state = async (url: string) => (await s.pool.query<{ state: string }>('SELECT state FROM urls WHERE url = $1', [url])).rows[0]?.state;
    const robots = async (host: string) => (await s.pool.query<{ robots_status: number | null }>('SELECT robots_status FROM hosts WHERE host = $1', [host])).rows[0]?.robots_status;
    await start();
    const [a0, a1] = web.articleUrls(0);
    const secret = `http://${web.hosts[0]}/rieng/bi-mat.html`;
    await until('host A crawled', async () => (await state(a0)) === 'fetched' && (await state(a1)) === 'fetched' && (await state(secret)) === 'disallowed', 20_000, 50);
    await until('host B judged', async () => (await robots(web.hosts[1])) !== null && (await robots(web.hosts[1])) !== undefined, 20_000, 50);

    // Same host: both hops asked and captured, the rules of the target obeyed.
    const aRobots = web.log.filter((r) => r.host === web.hosts[0] && r.path.startsWith('/robots')).map((r) => [r.path, r.status]);
    assert.deepEqual(aRobots.slice(0, 2), [['/robots.txt', 301], ['/robots-moi.txt', 200]]);
    assert.equal(await robots(web.hosts[0]), 200);
    const caps = (await s.pool.query<{ url: string; status: number }>('SELECT url, status FROM captures WHERE url LIKE $1 ORDER BY id', [`http://${web.hosts[0]}/robots%`])).rows;
    assert.deepEqual(caps.slice(0, 2).map((c) => [c.url.replace(`http://${web.hosts[0]}`, ''), c.status]), [['/robots.txt', 301], ['/robots-moi.txt', 200]]);
    assert.ok(!web.log.some((r) => r.path === '/rieng/bi-mat.html'), 'the disallowed page was never asked for');

    // Another host: not followed; unreachable, so nothing of B is fetched.
    assert.equal(await robots(web.hosts[1]), 599);
    const bAsked = web.log.filter((r) => r.host === web.hosts[1]).map((r) => r.path);
    assert.deepEqual([...new Set(bAsked)], ['/robots.txt'], 'only its robots.txt was asked');
    assert.equal(await state(web.feeds[1]), 'disallowed');
    assert.ok(lines.some((l) => l.includes('chuyển hướng sang')), lines.join('\n'));
    assert.equal(fetcher.counters.errors, 0, lines.join('\n'));
  });
});
