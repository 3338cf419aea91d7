import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

const TRA = path.resolve(import.meta.dirname, '..', 'bin', 'tra.js');

function tra(...args: string[]): string {
  return execFileSync(process.execPath, [TRA, ...args], { encoding: 'utf8' });
}

test('tra analyze --json follows the contract, offsets index the text as given (NFD)', () => {
  const text = 'Hoà bình ở Thành phố Hồ Chí Minh'.normalize('NFD');
  const out = JSON.parse(tra('analyze', '--json', text));
  assert.equal(out.normalized, 'hòa bình ở thành phố hồ chí minh');
  assert.equal(out.folded, 'hoa binh o thanh pho ho chi minh');
  assert.equal(out.tokens.length, 8);
  for (const t of out.tokens) {
    assert.equal(text.slice(t.start, t.end), t.text);
    assert.equal(typeof t.folded, 'string');
  }
  assert.equal(out.tokens[0].folded, 'hoa');
});

test('tra analyze --legacy converts TCVN3 text before analysing it', () => {
  const out = JSON.parse(tra('analyze', '--legacy', '--json', 'ViÖt Nam'));
  assert.equal(out.encoding, 'tcvn3');
  assert.equal(out.converted, 'Việt Nam');
  assert.equal(out.normalized, 'việt nam');
});

test('tra analyze without text is a usage error with a non-zero exit', () => {
  const r = spawnSync(process.execPath, [TRA, 'analyze'], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /text/);
});
