import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countableLength, renderText, tagKey } from './content.ts';
import { allows, splitScopes, unknownScopes } from '../oauth/scopes.ts';
import { challengeOf, verifierMatches } from '../oauth/pkce.ts';

const ctx = {
  tagUrl: (n: string) => `https://tra.example/tags/${encodeURIComponent(n)}`,
  resolveMention: (u: string, d: string | null) => (u === 'lan' && d === null ? { username: 'lan', domain: null, url: 'https://tra.example/@lan', accountId: '1' } : undefined),
};

test('text becomes escaped HTML with paragraphs, links, hashtags and known mentions', () => {
  const r = renderText('Chào @lan và @ai@xa.example <b>đậm</b>\nxem https://vnexpress.net/a?b=1&c=2.\n\n#HoàBình #2025', ctx);
  assert.equal(
    r.html,
    '<p>Chào <span class="h-card" translate="no"><a href="https://tra.example/@lan" class="u-url mention">@<span>lan</span></a></span> và @ai@xa.example &lt;b&gt;đậm&lt;/b&gt;<br>xem <a href="https://vnexpress.net/a?b=1&amp;c=2" rel="nofollow noopener noreferrer" target="_blank">vnexpress.net/a?b=1&amp;c=2</a>.</p>' +
      '<p><a href="https://tra.example/tags/Ho%C3%A0B%C3%ACnh" class="mention hashtag" rel="tag">#<span>HoàBình</span></a> #2025</p>',
  );
  assert.deepEqual(r.tags, [{ key: 'hoabinh|ff', name: 'HoàBình' }]);
  assert.deepEqual(r.mentions.map((m) => m.accountId), ['1']);
  assert.equal(tagKey('HòaBình'), tagKey('hoàbình'));
  assert.equal(tagKey('HòaBình'.normalize('NFD')), tagKey('hoàbình'));
  assert.notEqual(tagKey('HóaBình'), tagKey('hoàbình'));
  assert.notEqual(tagKey('hoabinh'), tagKey('hoàbình'));
  assert.equal(tagKey('ChuyểnĐổiSố'), 'chuyênđôisô|rrs');
});

test('length is counted as Mastodon does, on the NFC text: links are 23, remote mentions their user part', () => {
  assert.equal(countableLength('Việt Nam'.normalize('NFD')), 8);
  assert.equal(countableLength('xem https://example.com/' + 'a'.repeat(100)), 4 + 23);
  assert.equal(countableLength('@lan@mastodon.example chào'), 4 + 5);
});

test('scopes: a top scope covers its sub-scopes, follow covers the follow parts, unknown ones are named', () => {
  assert.equal(allows(['read'], 'read:statuses'), true);
  assert.equal(allows(['read:statuses'], 'read'), false);
  assert.equal(allows(['read'], 'write:statuses'), false);
  assert.equal(allows(['follow'], 'write:follows'), true);
  assert.equal(allows(['follow'], 'write:statuses'), false);
  assert.deepEqual(splitScopes('read+write  follow'), ['read', 'write', 'follow']);
  assert.deepEqual(unknownScopes(['read', 'read:everything', 'admin:read:accounts']), ['read:everything']);
});

test('PKCE S256: the RFC 7636 example verifier matches its challenge; others do not', () => {
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  assert.equal(challengeOf(verifier), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  assert.equal(verifierMatches(verifier, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'), true);
  assert.equal(verifierMatches(verifier.slice(1) + 'A', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'), false);
  assert.equal(verifierMatches('short', challengeOf('short')), false);
});
