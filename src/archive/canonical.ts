/**
 * Canonical URLs: one stable key per article, whichever form of its address we met.
 *
 * News sites publish the same article under many addresses: with tracking parameters from social
 * shares (`utm_*`, `fbclid`), as AMP pages (`amp.` host, `/amp/` path, `.amp` suffix, `?amp=1`),
 * on a mobile host (`m.`), with `www.` or without, ending `.htm` or `.html` (about 1,480 VnExpress
 * items in ../shared/data/news-rss appear under both). The canonical form removes all of those, so
 * the frontier, the versions table and the index agree on one identity.
 *
 * The canonical form is an identity key, not necessarily a fetchable address: we fetch the URL as
 * listed and remember every form we met as an alias.
 */

/** Query parameters that only say where a click came from. Compared in lower case. */
const TRACKING_PARAMS = new Set([
  'fbclid', 'gclid', 'dclid', 'gbraid', 'wbraid', 'msclkid', 'yclid', 'igshid', 'mc_cid', 'mc_eid',
  '_ga', '_gl', 'ref', 'ref_src', 'referrer', 'src', 'source', 'cmpid', 'ito', 'zarsrc', 'zacc',
  'vn_source', 'vn_medium', 'vn_campaign', 'vn_term', 'vn_content', 'vnsource', 'amp', 'outputtype',
]);
const TRACKING_PREFIXES = ['utm_', 'vn_', 'pk_', 'mtm_', 'hsa_', 'oly_'];

function isTrackingParam(name: string): boolean {
  const n = name.toLowerCase();
  return TRACKING_PARAMS.has(n) || TRACKING_PREFIXES.some((p) => n.startsWith(p));
}

/**
 * The canonical key of a URL. Throws TypeError on a string that is not an absolute http(s) URL.
 * - scheme and host in lower case, `http` → `https` (news sites serve both), default port dropped;
 * - host prefixes `www.`, `m.`, `mobile.`, `amp.` dropped;
 * - AMP path forms dropped: a leading or trailing `/amp` segment, a `.amp` before the extension,
 *   `/amp.html`;
 * - `.html` and `.htm` unified to `.htm`; `index.html` and a trailing slash dropped;
 * - tracking parameters dropped, the rest sorted; fragment dropped.
 */
export function canonicalUrl(input: string): string {
  const u = new URL(input.trim());
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`not an http(s) URL: ${input}`);
  let host = u.hostname.toLowerCase().replace(/\.$/, '');
  for (;;) {
    const m = /^(www\d?|m|mobile|amp)\.(.+\..+)$/.exec(host);
    if (!m) break;
    host = m[2];
  }
  const port = u.port && !((u.protocol === 'http:' && u.port === '80') || (u.protocol === 'https:' && u.port === '443')) ? `:${u.port}` : '';

  let path = u.pathname.replace(/\/{2,}/g, '/');
  path = path.replace(/^\/amp(?=\/)/i, '').replace(/\/amp\/?$/i, '').replace(/\/amp\.html?$/i, '');
  path = path.replace(/\.amp(\.html?)$/i, '$1').replace(/\.amp$/i, '');
  path = path.replace(/\/index\.html?$/i, '/');
  path = path.replace(/\.html$/i, '.htm');
  if (path.length > 1) path = path.replace(/\/+$/, '');
  if (path === '') path = '/';

  const params = [...u.searchParams.entries()].filter(([k]) => !isTrackingParam(k));
  params.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const query = params.length ? '?' + new URLSearchParams(params).toString() : '';
  return `https://${host}${port}${path}${query}`;
}

/** `canonicalUrl` that returns undefined instead of throwing. */
export function tryCanonicalUrl(input: string): string | undefined {
  try {
    return canonicalUrl(input);
  } catch {
    return undefined;
  }
}

/**
 * The SURT form used as the key of a CDXJ index (Sort-friendly URI Reordering Transform, as pywb
 * and the Internet Archive write it): host labels reversed and comma-joined, `www` dropped, then
 * `)` and the path with query, all lower case. `https://vnexpress.net/a-1.html?x=1` →
 * `net,vnexpress)/a-1.html?x=1`.
 */
export function surt(input: string): string {
  let u: URL;
  try {
    u = new URL(input);
  } catch {
    return input.toLowerCase();
  }
  const labels = u.hostname.toLowerCase().split('.').filter(Boolean);
  if (labels[0] === 'www') labels.shift();
  const port = u.port ? `:${u.port}` : '';
  const params = [...u.searchParams.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const query = params.length ? '?' + new URLSearchParams(params).toString() : '';
  return `${labels.reverse().join(',')}${port})${u.pathname}${query}`.toLowerCase();
}

/** `host[:port]` of a URL: the unit robots.txt applies to. */
export function hostKey(input: string): string {
  return new URL(input).host.toLowerCase();
}
