/**
 * `tra index` of JSON Lines as other collectors write them: an RSS dump's `link`, `description`
 * and `pubDate` become `url`, `summary` and `published` (so hits link to the original and are
 * dated), said once per file; a document with nothing to search is said once, with its line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TRA = path.resolve(import.meta.dirname, '..', 'bin', 'tra.js');

test('tra index takes news-rss lines as they come: hits carry the original link and date', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'tra-alias-'));
  try {
    const file = path.join(tmp, 'rss.jsonl');
    const lines = [
      { id: 'r1', title: 'Đồng Nai dựng màn hình lớn xem diễu binh', link: 'https://tuoitre.vn/dong-nai-2025090118284708.htm', summary: 'Người dân xem diễu binh', source: 'Tuổi Trẻ', published: '2025-09-01T19:22:46+07:00' },
      { id: 'r2', title: 'Diễu binh mừng Quốc khánh', link: 'https://vnexpress.net/dieu-binh-4933.html', description: 'Khối diễu binh qua Ba Đình', pubDate: '2025-09-02T08:00:00+07:00' },
      { id: 'r3', noi_dung: 'diễu binh', web: 'https://a.vn/x' },
      { id: 'r4', noi_dung: 'diễu binh lần nữa' },
    ];
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const r = spawnSync(process.execPath, [TRA, 'index', '--data', path.join(tmp, 'd'), file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(Object.keys(JSON.parse(r.stdout.trim().split('\n').pop()!)), ['indexed', 'skipped', 'ms']);
    const err = r.stderr.trim().split('\n');
    assert.equal(err.length, 3, r.stderr);
    assert.match(err[0], /rss\.jsonl: .*"link" → "url" \(2 tài liệu\).*"description" → "summary" \(1 tài liệu\).*"pubDate" → "published" \(1 tài liệu\)/);
    assert.match(err[1], /rss\.jsonl:3: không có "title", "summary" hay "text".*\(cùng vấn đề ở 1 tài liệu khác trong tệp\)/);
    assert.match(err[2], /rss\.jsonl:3: không có "url" nhưng trường "web"/);
    const s = JSON.parse(execFileSync(process.execPath, [TRA, 'search', '--data', path.join(tmp, 'd'), '--json', 'diễu binh'], { encoding: 'utf8' }));
    const byId = new Map((s.hits as Array<{ id: string; url?: string; published?: string; snippet?: string }>).map((h) => [h.id, h]));
    assert.equal(byId.get('r1')?.url, 'https://tuoitre.vn/dong-nai-2025090118284708.htm');
    assert.equal(byId.get('r2')?.url, 'https://vnexpress.net/dieu-binh-4933.html');
    assert.equal(byId.get('r2')?.published, '2025-09-02T08:00:00+07:00');
    assert.match(byId.get('r2')?.snippet ?? '', /Ba Đình/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('tra index --help shows the accepted fields, the aliases and when to use --repair-dates', () => {
  const help = execFileSync(process.execPath, [TRA, 'index', '--help'], { encoding: 'utf8' });
  for (const s of ['"id"', '"url"', '"published"', 'link', 'description', 'pubDate', '--repair-dates', 'Tuổi Trẻ', '--keep-samples']) assert.ok(help.includes(s), s);
});
