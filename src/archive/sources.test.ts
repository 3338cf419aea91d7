import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openArchiveDb } from './db.ts';
import { hostKey, hostOf, outletName, readSourceNames, writeSourceName, SourceNamesError, sourceNameFor } from './sources.ts';
import { recordArticle } from './articles.ts';
import { docOf } from './index-sink.ts';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tra-names-'));
}

test('hostKey takes a host or a URL on it, and refuses what is neither', () => {
  assert.equal(hostKey('VnExpress.net'), 'vnexpress.net');
  assert.equal(hostKey('https://www.vnexpress.net/thoi-su'), 'vnexpress.net');
  assert.equal(hostKey('127.0.0.1:8080'), '127.0.0.1:8080');
  assert.equal(hostKey('Báo Mới'), undefined);
  assert.equal(hostKey(''), undefined);
  assert.equal(hostOf('https://www.tuoitre.vn/a.htm'), 'tuoitre.vn');
});

test('outletName: the operator\'s mapping, then a real given name, then the declared name, then the host', () => {
  const dir = tmpDir();
  const db = openArchiveDb(dir);
  try {
    const url = 'https://baomoi.example.vn/tin-1.html';
    assert.equal(outletName(db, url, 'baomoi.example.vn', undefined), 'baomoi.example.vn', 'nothing better than the host');
    assert.equal(outletName(db, url, 'baomoi.example.vn', '  Báo   Mới '), 'Báo Mới', 'the page\'s og:site_name beats the host fallback');
    assert.equal(outletName(db, url, 'baomoi.example.vn', 'baomoi.example.vn'), 'baomoi.example.vn', 'a declared host is no name');
    assert.equal(outletName(db, url, 'Báo Mới Online', 'BAO MOI'), 'Báo Mới Online', 'a configured name beats the declared one');
    writeSourceName(dir, 'baomoi.example.vn', 'Báo Mới');
    assert.equal(outletName(db, url, 'Báo Mới Online', 'BAO MOI'), 'Báo Mới', 'the operator has the last word');
    assert.equal(sourceNameFor(db, url), 'Báo Mới');
    writeSourceName(dir, 'vnexpress.net', 'VnExpress');
    assert.equal(outletName(db, 'https://suckhoe.vnexpress.net/x.html', 'vnexpress.net', 'Sức khỏe'), 'VnExpress', 'a subdomain takes its site\'s name');
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('DIR/sources.json: written sorted and kept, a broken file is named with its line and never overwritten', () => {
  const dir = tmpDir();
  try {
    writeSourceName(dir, 'vnexpress.net', 'VnExpress');
    writeSourceName(dir, 'tuoitre.vn', 'Tuổi Trẻ');
    assert.deepEqual(readSourceNames(dir), { 'tuoitre.vn': 'Tuổi Trẻ', 'vnexpress.net': 'VnExpress' });
    writeSourceName(dir, 'vnexpress.net', undefined);
    assert.deepEqual(readSourceNames(dir), { 'tuoitre.vn': 'Tuổi Trẻ' });
    const file = path.join(dir, 'sources.json');
    fs.writeFileSync(file, '{\n  "names": {\n    "tuoitre.vn": "Tuổi Trẻ",\n  }\n}\n');
    assert.throws(() => readSourceNames(dir), (e: Error) => e instanceof SourceNamesError && /sources\.json:\d: không phải JSON hợp lệ/.test(e.message));
    assert.throws(() => writeSourceName(dir, 'vnexpress.net', 'VnExpress'), SourceNamesError);
    assert.match(fs.readFileSync(file, 'utf8'), /"tuoitre.vn": "Tuổi Trẻ",\n/, 'the operator\'s broken file is left for them to fix');
    fs.writeFileSync(file, '{"names": {"Báo Mới": "x"}}');
    assert.throws(() => readSourceNames(dir), /"Báo Mới" không phải tên miền/);
    fs.writeFileSync(file, '{"names": {"a.vn": ""}}');
    assert.throws(() => readSourceNames(dir), /"a.vn" phải là một tên không rỗng/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an archived article is filed under the page\'s declared name and indexed with its host apart', () => {
  const dir = tmpDir();
  const db = openArchiveDb(dir);
  try {
    const url = 'https://www.baomoi.example.vn/tin-1.html';
    const r = recordArticle(db, { url, captured: Date.parse('2026-03-10T01:00:00Z'), source: sourceNameFor(db, url), extracted: { title: 'Tin', text: 'Nội dung', captions: [], isArticle: true, siteName: 'Báo Mới' } });
    const row = db.prepare('SELECT a.canonical, a.source, v.title, v.text, v.url, a.first_seen, v.captured FROM articles a JOIN versions v ON v.id = a.latest_version WHERE a.id = ?').get(r.articleId) as Record<string, unknown>;
    assert.equal(row.source, 'Báo Mới');
    const doc = docOf({ ...row, article_id: 1, version_id: 1, summary: null, published: null, modified: null, author: null, section: null, lang: null, gone: 0 } as unknown as Parameters<typeof docOf>[0]);
    assert.equal(doc.source, 'Báo Mới');
    assert.equal(doc.host, 'baomoi.example.vn');
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
