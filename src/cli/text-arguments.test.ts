import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TRA = path.join(import.meta.dirname, '..', '..', 'bin', 'tra.js');
const run = (args: string[]) => spawnSync(process.execPath, [TRA, ...args], { encoding: 'utf8' });

test('a query or text starting with "-" that is no option is text, and "--" ends the options', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-dash-'));
  try {
    const file = path.join(dir, 'd.jsonl');
    writeFileSync(file, [
      { id: 'a', title: 'Giá vàng tăng mạnh', text: 'Giá vàng hôm nay tăng, USD giảm.' },
      { id: 'b', title: 'Giá vàng đi ngang', text: 'Giá vàng trong nước đứng yên.' },
    ].map((d) => JSON.stringify(d)).join('\n') + '\n');
    const data = path.join(dir, 'data');
    assert.equal(run(['index', '--data', data, file]).status, 0);
    const excl = run(['search', '--data', data, '--json', '-USD vàng']);
    assert.equal(excl.status, 0, excl.stderr);
    assert.deepEqual(JSON.parse(excl.stdout).hits.map((h: { id: string }) => h.id), ['b']);
    const sep = run(['search', '--data', data, '--json', '--', '-USD', 'giá']);
    assert.equal(sep.status, 0, sep.stderr);
    assert.deepEqual(JSON.parse(sep.stdout).hits.map((h: { id: string }) => h.id), ['b']);
    const rest = run(['restore', '--data', data, '--json', '- Gia vang tang']);
    assert.equal(rest.status, 0, rest.stderr);
    assert.equal(JSON.parse(rest.stdout).input, '- Gia vang tang');
    // A mistyped long option is still reported as one.
    const typo = run(['search', '--data', data, '--limt', '3', 'vàng']);
    assert.notEqual(typo.status, 0);
    assert.match(typo.stderr, /--limt/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
