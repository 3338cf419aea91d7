/**
 * One fetcher run in the test's own process against loopback web hosts, for the fetcher tests
 * that look at what it did row by row: a schema, the hosts, a blob directory, the fetcher
 * (one-hop polite defaults, private addresses allowed, its log kept). On a failure the fetcher's
 * log and the last requests are printed; everything is stopped and removed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testSchema, type TestSchema } from './pg.ts';
import { startWebHosts, type HostSpec, type WebHosts } from './webhosts.ts';
import { DirBlobStore } from '../../src/cluster/blob/dir.ts';
import { addUrls } from '../../src/cluster/frontier/hosts.ts';
import { Fetcher, type FetcherOptions } from '../../src/cluster/fetcher/fetcher.ts';

export interface FetcherRun {
  s: TestSchema;
  web: WebHosts;
  blob: DirBlobStore;
  fetcher: Fetcher;
  /** The fetcher's log lines. */
  lines: string[];
  /** Queue every host's feed and start fetching. */
  start(): Promise<void>;
}

export async function withFetcher(specs: HostSpec[], opts: Partial<FetcherOptions>, body: (r: FetcherRun) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tra-fetcher-run-'));
  const s = await testSchema();
  const web = await startWebHosts(specs);
  const blob = await new DirBlobStore(join(dir, 'blob')).open();
  const ctl = new AbortController();
  const lines: string[] = [];
  const fetcher = new Fetcher({
    pool: s.pool, blob, hosts: 1, leaseMs: 10_000, timeoutMs: 3_000, delayMs: 50, idleMs: 50,
    ...opts, allowPrivateAddresses: true, signal: ctl.signal, log: (l) => lines.push(l),
  });
  let running: Promise<void> | undefined;
  try {
    await body({
      s, web, blob, fetcher, lines,
      async start() {
        await addUrls(s.pool, web.feeds, { kind: 'feed', crawlDelayMs: 50 });
        running = fetcher.run();
      },
    });
  } catch (e) {
    process.stderr.write(`--- fetcher log\n${lines.slice(-30).join('\n')}\n--- requests\n${web.log.slice(-30).map((r) => JSON.stringify(r)).join('\n')}\n`);
    throw e;
  } finally {
    ctl.abort();
    await running;
    await web.close();
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
