import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAddress, parseIPv4, parseIPv6, formatIPv4, isForbidden } from './address-policy.ts';

test('every numeric spelling of 127.0.0.1 parses to the same address', () => {
  for (const s of ['127.0.0.1', '127.1', '127.0.1', '2130706433', '0x7f000001', '0X7F000001', '0177.0.0.1', '0x7f.1', '0177.0x0.0.01', '127.0.0.1.', '017700000001']) {
    const n = parseIPv4(s);
    assert.equal(n === undefined ? s : formatIPv4(n), '127.0.0.1', s);
    assert.equal(classifyAddress(s), 'loopback', s);
  }
});

test('strings that are not IPv4 addresses are not parsed as one', () => {
  for (const s of ['', 'localhost', '1.2.3.4.5', '256.0.0.1', '1.2.3.256', '08.0.0.1', '0x1g', '4294967296', '1..2', 'example.vn']) {
    assert.equal(parseIPv4(s), undefined, s);
  }
  assert.equal(formatIPv4(parseIPv4('4294967295')!), '255.255.255.255');
});

test('IPv4 ranges: loopback, private, link-local, multicast, unspecified, reserved, public', () => {
  const cases: Array<[string, string]> = [
    ['0.0.0.0', 'unspecified'], ['0', 'unspecified'], ['0.1.2.3', 'unspecified'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'], ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['224.0.0.1', 'multicast'], ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'], ['240.0.0.1', 'reserved'], ['192.0.2.1', 'reserved'], ['198.18.0.1', 'reserved'],
    ['172.32.0.1', 'public'], ['8.8.8.8', 'public'], ['1.1.1.1', 'public'], ['100.128.0.1', 'public'], ['203.162.4.191', 'public'],
  ];
  for (const [ip, cls] of cases) assert.equal(classifyAddress(ip), cls, ip);
});

test('IPv6 forms, including ones that carry an IPv4 address', () => {
  const cases: Array<[string, string]> = [
    ['::', 'unspecified'], ['::1', 'loopback'], ['[::1]', 'loopback'], ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['[::ffff:10.0.0.1]', 'private'], ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'], ['64:ff9b::127.0.0.1', 'loopback'], ['64:ff9b::808:808', 'public'], ['2002:7f00:1::', 'loopback'], ['2002:c0a8:101::1', 'private'],
    ['fe80::1%eth0', 'link-local'], ['fc00::1', 'private'], ['fd12:3456::1', 'private'], ['fec0::1', 'private'],
    ['ff02::1', 'multicast'], ['2001:db8::1', 'reserved'], ['2001::1', 'reserved'], ['100::1', 'reserved'],
    ['2001:4860:4860::8888', 'public'], ['2405:4800::1', 'public'],
  ];
  for (const [ip, cls] of cases) assert.equal(classifyAddress(ip), cls, ip);
  for (const s of [':::1', '1:2:3:4:5:6:7:8:9', '12345::1', '::ffff:1.2.3.256', 'g::1', '1:2']) assert.equal(parseIPv6(s), undefined, s);
  assert.equal(classifyAddress('tin-nhanh.vn'), undefined, 'a host name is not classified');
});

test('only public addresses are allowed', () => {
  assert.equal(isForbidden('public'), false);
  for (const c of ['loopback', 'private', 'link-local', 'multicast', 'unspecified', 'reserved'] as const) assert.equal(isForbidden(c), true);
});
