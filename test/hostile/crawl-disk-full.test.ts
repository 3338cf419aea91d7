/** A full disk during a crawl: one line, nothing committed lost, the next run completes it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSite } from '../fixtures/site/server.ts';
import { tra } from './run.ts';

test('a disk that fills during tra crawl gives one line, and the rerun completes the crawl', async () => {
  const site = await startSite({ crawlDelaySeconds: 0.01, slowMs: 20 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-crawl-full-'));
  try {
    const args = ['crawl', '--data', dir, '--once', '--source', `${site.main}/rss/tin-moi.rss`, '--delay-ms', '5'];
    const full = await tra(args, { TRA_TEST_ENOSPC_AFTER: '2000' });
    assert.equal(full.code, 1, full.stderr);
    const lines = full.stderr.trim().split('\n').filter((l) => l.startsWith('tra: ') && /đĩa/.test(l));
    assert.equal(lines.length, 1, full.stderr);
    assert.match(lines[0], /hết chỗ trên đĩa.*chạy lại lệnh/);
    assert.doesNotMatch(full.stderr, /\n\s+at /, 'no stack trace');
    const again = await tra(args);
    assert.equal(again.code, 0, again.stderr);
    const s = await tra(['search', '--data', dir, '--json', 'bão']);
    assert.equal(s.code, 0, s.stderr);
    assert.ok((JSON.parse(s.stdout) as { total: number }).total > 0);
  } finally {
    await site.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
