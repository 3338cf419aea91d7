import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalUrl, surt } from './canonical.ts';

test('canonicalUrl: one key for tracking, AMP, mobile, www and .htm/.html variants', () => {
  const key = canonicalUrl('https://vnexpress.net/ha-noi-mo-duong-4846612.html');
  for (const v of [
    'http://vnexpress.net/ha-noi-mo-duong-4846612.html',
    'https://www.vnexpress.net/ha-noi-mo-duong-4846612.htm',
    'https://m.vnexpress.net/ha-noi-mo-duong-4846612.html?utm_source=facebook&utm_medium=social&fbclid=IwAR0',
    'https://amp.vnexpress.net/ha-noi-mo-duong-4846612.html',
    'https://vnexpress.net/ha-noi-mo-duong-4846612.amp.html',
    'https://vnexpress.net/amp/ha-noi-mo-duong-4846612.html',
    'https://vnexpress.net/ha-noi-mo-duong-4846612.html#box_comment',
    'HTTPS://VNEXPRESS.NET:443/ha-noi-mo-duong-4846612.html',
  ]) assert.equal(canonicalUrl(v), key, v);
  assert.equal(key, 'https://vnexpress.net/ha-noi-mo-duong-4846612.htm');
});

test('canonicalUrl keeps meaningful query parameters, sorted, and distinct paths distinct', () => {
  assert.equal(canonicalUrl('https://example.vn/tim?q=b%C3%A3o&page=2&utm_campaign=x'), 'https://example.vn/tim?page=2&q=b%C3%A3o');
  assert.notEqual(canonicalUrl('https://tuoitre.vn/a-1.htm'), canonicalUrl('https://tuoitre.vn/a-2.htm'));
  assert.equal(canonicalUrl('https://thanhnien.vn/thoi-su/'), 'https://thanhnien.vn/thoi-su');
  assert.throws(() => canonicalUrl('ftp://x.vn/a'), TypeError);
  assert.throws(() => canonicalUrl('không phải url'), TypeError);
});

test('surt reverses host labels the way CDXJ indexes expect', () => {
  assert.equal(surt('https://www.vnexpress.net/a-1.html?b=2&a=1'), 'net,vnexpress)/a-1.html?a=1&b=2');
  assert.equal(surt('http://127.0.0.1:8080/x'), '1,0,0,127:8080)/x');
});
