import { test } from 'node:test';
import assert from 'node:assert/strict';
import { html, raw, escapeHtml, jsonForScript } from './html.ts';

test('interpolated strings are escaped, nested templates are not', () => {
  const evil = `<script>alert("x")</script>'&`;
  const inner = html`<b>${evil}</b>`;
  const out = html`<p title="${evil}">${inner}</p>`.value;
  assert.equal(out, '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;"><b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;</b></p>');
});

test('arrays join, empty values vanish, numbers print', () => {
  assert.equal(html`<ul>${['a<', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`.value, '<ul><li>a&lt;</li><li>b</li></ul>');
  assert.equal(html`[${null}${undefined}${false}${0}]`.value, '[0]');
  assert.equal(html`${raw('<hr>')}`.value, '<hr>');
});

test('escapeHtml leaves Vietnamese text alone', () => {
  assert.equal(escapeHtml('Chuyển đổi số & "hòa bình"'), 'Chuyển đổi số &amp; &quot;hòa bình&quot;');
});

test('JSON for a script element cannot close it', () => {
  const s = jsonForScript({ q: '</script><script>alert(1)</script>', t: 'a\u2028b' }).value;
  assert.ok(!s.includes('</script'));
  assert.ok(!s.includes('<'));
  assert.deepEqual(JSON.parse(s), { q: '</script><script>alert(1)</script>', t: 'a\u2028b' });
});
