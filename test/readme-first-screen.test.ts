/**
 * The README's "Your own documents" section does what it says: its example line indexes, the
 * search it shows finds it with the original link, and the delete it shows removes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const TRA = path.join(ROOT, 'bin', 'tra.js');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The section's `npx tra …` lines, as arguments (quotes honoured, comments dropped). */
function commands(section: string): string[][] {
  return [...section.matchAll(/^npx tra (.*?)(?:\s+#.*)?$/gm)].map((m) => [...m[1].matchAll(/"([^"]*)"|(\S+)/g)].map((a) => a[1] ?? a[2]));
}

test('the README\'s first screen: index your own JSON Lines, find it with its link, delete it', () => {
  const start = readme.indexOf('### Your own documents');
  assert.ok(start > 0 && readme.slice(0, start).split('\n').length < 30, 'the section starts on the first screen');
  const section = readme.slice(start, readme.indexOf('\n## ', start));
  const example = /```json\n(.*)\n```/.exec(section)![1];
  const doc = JSON.parse(example) as { id: string; url: string; title: string };
  const cmds = commands(section);
  assert.deepEqual(cmds.map((c) => c[0]), ['index', 'search', 'delete', 'delete']);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tra-readme-'));
  try {
    fs.writeFileSync(path.join(dir, 'my-news.jsonl'), example + '\n');
    const run = (args: string[]) => {
      const r = spawnSync(process.execPath, [TRA, ...args.map((a) => (a === './data' ? path.join(dir, 'data') : a === 'my-news.jsonl' ? path.join(dir, a) : a)), ...(args[0] === 'search' ? ['--json'] : [])], { encoding: 'utf8', input: '' });
      return r;
    };
    const idx = run(cmds[0]);
    assert.equal(idx.status, 0, idx.stderr);
    assert.equal(JSON.parse(idx.stdout.trim()).indexed, 1);
    const s = run(cmds[1]);
    assert.equal(s.status, 0, s.stderr);
    const hit = JSON.parse(s.stdout).hits[0];
    assert.equal(hit.id, doc.id);
    assert.equal(hit.url, doc.url);
    const del = run(cmds[2]);
    assert.equal(del.status, 0, del.stderr);
    assert.equal(JSON.parse(run(cmds[1]).stdout).total, 0);
    const byQuery = run(cmds[3]);
    assert.match(byQuery.stderr, /không có tài liệu nào khớp/, 'nothing left to ask about');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
