import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeTcvn3, encodeVni, encodeWindows1258 } from '../../vi/legacy/index.ts';

const TRA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/tra.js');
const SENTENCE = 'Thành phố Hồ Chí Minh khởi công tuyến đường sắt đô thị mới vào cuối năm nay.';

function tra(args: string[], input?: Uint8Array) {
  const r = spawnSync(process.execPath, [TRA, ...args], { input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('tra decode converts TCVN3, VNI and windows-1258 files and reports the encoding', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tra-decode-'));
  try {
    const cases = [
      ['tcvn3', encodeTcvn3(SENTENCE)],
      ['vni', encodeVni(SENTENCE)],
      ['windows-1258', encodeWindows1258(SENTENCE)],
    ] as const;
    for (const [enc, bytes] of cases) {
      const file = path.join(dir, `${enc}.txt`);
      writeFileSync(file, bytes);
      const plain = tra(['decode', file]);
      assert.equal(plain.code, 0, plain.stderr);
      assert.equal(plain.stdout, SENTENCE);
      const json = tra(['decode', '--json', file]);
      assert.equal(json.code, 0, json.stderr);
      const out = JSON.parse(json.stdout) as { encoding: string; confidence: number; text: string };
      assert.equal(out.encoding, enc);
      assert.equal(out.text, SENTENCE);
      assert.ok(out.confidence > 0.5 && out.confidence <= 1, String(out.confidence));
    }
    // --from forces the reading; "-" reads standard input.
    const forced = tra(['decode', '--from', 'vni', '--json', '-'], encodeVni('Đà Nẵng'));
    assert.deepEqual(JSON.parse(forced.stdout), { encoding: 'vni', confidence: 1, text: 'Đà Nẵng' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tra decode fails with one clear line for a bad encoding or a missing file', () => {
  const bad = tra(['decode', '--from', 'klingon', '-'], new Uint8Array());
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /^tra: .*klingon.*--from/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  const missing = tra(['decode', path.join(tmpdir(), 'tra-no-such-file.txt')]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /^tra: .*tra-no-such-file\.txt/);
});
