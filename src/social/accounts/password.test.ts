import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, needsRehash, parseHash, verifyPassword } from './password.ts';
import { passwordProblem, usernameProblem } from './rules.ts';
import { AttemptLimiter } from './rate-limit.ts';

test('argon2id hashes carry their parameters, verify the right password only, and match NFD to NFC', async () => {
  const h = await hashPassword('Mật khẩu dài lắm');
  assert.match(h, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
  assert.equal(await verifyPassword('Mật khẩu dài lắm', h), true);
  assert.equal(await verifyPassword('Mật khẩu dài lắm'.normalize('NFD'), h), true);
  assert.equal(await verifyPassword('mật khẩu dài lắm', h), false);
  assert.notEqual(h, await hashPassword('Mật khẩu dài lắm'), 'a new salt every time');
  assert.equal(needsRehash(h), false);
  const weak = await hashPassword('x-y-z-w-v', { m: 1024, t: 1, p: 1 });
  assert.equal(await verifyPassword('x-y-z-w-v', weak), true);
  assert.equal(needsRehash(weak), true);
});

test('a stored hash asking for absurd parameters is refused, not run', async () => {
  assert.equal(parseHash('$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'), undefined);
  assert.equal(await verifyPassword('anything', '$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'), false);
  assert.equal(await verifyPassword('anything', 'plain text'), false);
});

test('usernames and passwords are refused with one Vietnamese line each', () => {
  assert.equal(usernameProblem('lan_phuong'), undefined);
  assert.match(usernameProblem('lan phương')!, /không hợp lệ/);
  assert.match(usernameProblem('.lan')!, /không hợp lệ/);
  assert.match(usernameProblem('admin')!, /được giữ/);
  assert.match(usernameProblem('a'.repeat(31))!, /30/);
  assert.equal(passwordProblem('mat-khau-dai-1'), undefined);
  assert.match(passwordProblem('ngan')!, /ít nhất 8/);
  assert.match(passwordProblem('matkhau123')!, /phổ biến/);
  assert.match(passwordProblem('aaaaaaaaaa')!, /lặp/);
  assert.match(passwordProblem('lanphuong1', 'lanphuong')!, /tên người dùng/);
});

test('the attempt limiter allows max per window, then says how long to wait, and stays bounded', () => {
  const l = new AttemptLimiter({ max: 3, windowMs: 1000 }, 100);
  for (let i = 0; i < 3; i++) {
    assert.equal(l.retryAfter('k', 0), 0);
    l.hit('k', i);
  }
  assert.equal(l.retryAfter('k', 10), 990);
  assert.equal(l.retryAfter('k', 1001), 0, 'the oldest attempt left the window');
  l.clear('k');
  assert.equal(l.retryAfter('k', 11), 0);
  for (let i = 0; i < 1000; i++) l.hit(`ip:${i}`, 0);
  assert.equal(l.size, 100);
});
