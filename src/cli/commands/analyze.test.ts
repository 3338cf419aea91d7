import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { TOKEN_KIND } from './analyze.ts';

const TRA = path.join(import.meta.dirname, '..', '..', '..', 'bin', 'tra.js');

test('tra analyze names the kind of each token in Vietnamese (no English "(abbr)")', () => {
  const r = spawnSync(process.execPath, [TRA, 'analyze', 'TP.HCM ngày 12/2025 #tin @ban a@b.vn https://x.vn'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /"TP\.HCM" → tp\.hcm \/ tp\.hcm \(viết tắt\)\n/);
  assert.match(r.stdout, /"12\/2025" → 12\/2025 \/ 12\/2025 \(số\)\n/);
  assert.match(r.stdout, /"a@b\.vn" → .* \(thư điện tử\)\n/);
  assert.match(r.stdout, /"https:\/\/x\.vn" → .* \(địa chỉ web\)\n/);
  assert.match(r.stdout, /"ngày" → ngày \/ ngay\n/, 'a plain word needs no label');
  assert.doesNotMatch(r.stdout, /\((abbr|number|email|url|mention)\)/);
  // The JSON output keeps the contract's type names.
  const j = spawnSync(process.execPath, [TRA, 'analyze', '--json', 'TP.HCM'], { encoding: 'utf8' });
  assert.equal(JSON.parse(j.stdout).tokens[0].type, 'abbr');
  for (const label of Object.values(TOKEN_KIND)) assert.doesNotMatch(label, /^(abbr|number|email|url|mention)$/);
});
