/**
 * `tra import-warc` while another writer (a crawl) holds the data directory (issue #11, item 8):
 * before, the archive rows were committed, the engine then refused, and a rerun skipped the file
 * as already imported, so its pages never reached the index. Now the engine's write lock is taken
 * before any archive row is written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openEngine } from '../../src/engine/index.ts';
import { tra, lastJson, lines } from './run.ts';
import { gzipEach, page, response, warcinfo } from './warc.ts';

test('import-warc while another process writes: one line, nothing recorded; once the writer is gone, the same file imports and is searchable', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-hostile-lock-'));
  try {
    const data = path.join(dir, 'data');
    const file = path.join(dir, 'ngoai.warc.gz');
    fs.writeFileSync(file, gzipEach([warcinfo(), response('https://bao.example.vn/khoa.html', page('Bài về khoá ghi', `<p>${'Một bài nhập từ tệp WARC khi đang có tiến trình khác ghi. '.repeat(10)}</p>`))]));
    const writer = await openEngine(data); // stands for a running crawl
    let r;
    try {
      r = await tra(['import-warc', '--data', data, file]);
    } finally {
      writer.close();
    }
    assert.equal(r.code, 1);
    const err = lines(r.stderr);
    assert.equal(err.length, 1, r.stderr);
    assert.match(err[0], /^tra: .*đang ghi vào thư mục dữ liệu này/);
    if (fs.existsSync(path.join(data, 'archive.sqlite'))) {
      const db = new DatabaseSync(path.join(data, 'archive.sqlite'));
      try {
        assert.deepEqual(db.prepare('SELECT count(*) AS n FROM captures').get(), { n: 0 });
        assert.deepEqual(db.prepare('SELECT count(*) AS n FROM warc_files').get(), { n: 0 });
      } finally {
        db.close();
      }
    }
    const again = await tra(['import-warc', '--data', data, file]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stderr, '', 'not skipped as already imported');
    assert.deepEqual(lastJson(again.stdout), { records: 2, articles: 1 });
    const s = await tra(['search', '--data', data, '--json', 'khoá ghi']);
    assert.equal((JSON.parse(s.stdout) as { hits: Array<{ url: string }> }).hits[0]?.url, 'https://bao.example.vn/khoa.html');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
