/**
 * `tra versions` at a terminal: headed by the address as the user typed it (not the archive's
 * canonical key), capture times in Vietnam time; `--json` keeps the contract's shape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openArchiveDb } from '../src/archive/db.ts';
import { recordArticle } from '../src/archive/articles.ts';

const TRA = path.resolve(import.meta.dirname, '..', 'bin', 'tra.js');

test('tra versions shows the URL asked for and capture times at +07:00', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-versions-'));
  try {
    const db = openArchiveDb(dir);
    try {
      const url = 'https://bao.example.vn/thoi-su/tin-1.html';
      recordArticle(db, { url, captured: Date.parse('2026-03-10T01:05:00Z'), source: 'Báo Ví Dụ', extracted: { title: 'Tin một', text: 'Có 3 người.', captions: [], isArticle: true } });
      recordArticle(db, { url, captured: Date.parse('2026-03-10T20:30:00Z'), source: 'Báo Ví Dụ', extracted: { title: 'Tin một', text: 'Có 5 người.', captions: [], isArticle: true } });
    } finally {
      db.close();
    }
    const asked = 'http://bao.example.vn/thoi-su/tin-1.html?utm_source=zalo';
    const r = spawnSync(process.execPath, [TRA, 'versions', '--data', dir, asked], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], `${asked} — 2 phiên bản`);
    assert.ok(!r.stdout.includes('tin-1.htm '), 'the canonical key (.htm) is not shown');
    assert.match(r.stdout, /#1 lưu lúc 2026-03-10T08:05:00\+07:00: Tin một \(lấy từ https:\/\/bao\.example\.vn\/thoi-su\/tin-1\.html\)/);
    assert.match(r.stdout, /#2 lưu lúc 2026-03-11T03:30:00\+07:00/);
    assert.match(r.stdout, /\[-3-\]\{\+5\+\}/);
    const j = JSON.parse(spawnSync(process.execPath, [TRA, 'versions', '--data', dir, '--json', asked], { encoding: 'utf8' }).stdout);
    assert.equal(j.url, asked);
    assert.equal(j.versions[0].captured, '2026-03-10T01:05:00.000Z', 'JSON keeps UTC, as the contract\'s consumers read it');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
