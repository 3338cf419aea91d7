/**
 * How well legacy-encoding detection works on real text:
 *   npx node src/vi/legacy/eval.ts [DANTRI_DOCS_DIR] [EXTRACTION_HTML_DIR]
 *
 * 1. Every 9th Dân Trí article (../shared/data/news-dantri/docs) is encoded in TCVN3, VNI and
 *    windows-1258 and detected back: whole articles and their first line alone, as bytes, as the
 *    windows-1252 string a careless reader makes of them, and inside an undeclared HTML page.
 * 2. The pages of ../shared/data/extraction/html (mostly English news) must all stay UTF-8.
 * Prints, per case, which encodings were detected and how often.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { decodeHtml, decodeText, encodeLegacy, windows1252View, type LegacyEncoding } from './index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const docsDir = process.argv[2] ?? path.join(root, 'shared/data/news-dantri/docs');
const htmlDir = process.argv[3] ?? path.join(root, 'shared/data/extraction/html');
const ENCODINGS: LegacyEncoding[] = ['tcvn3', 'vni', 'windows-1258'];
const utf8 = (s: string) => new TextEncoder().encode(s);

const tally = new Map<string, Map<string, number>>();
function count(kase: string, got: string): void {
  const m = tally.get(kase) ?? new Map<string, number>();
  m.set(got, (m.get(got) ?? 0) + 1);
  tally.set(kase, m);
}

if (existsSync(docsDir)) {
  const files = readdirSync(docsDir).filter((f, i) => f.endsWith('.txt') && i % 9 === 0);
  for (const f of files) {
    const lines = readFileSync(path.join(docsDir, f), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    const doc = lines.join('\n').normalize('NFC');
    count('utf-8 article', decodeText(utf8(doc)).encoding);
    for (const enc of ENCODINGS) {
      for (const [kind, text] of [['article', doc], ['first line', lines[0].normalize('NFC')]]) {
        const bytes = encodeLegacy(text, enc);
        count(`${enc} ${kind}, bytes`, decodeText(bytes).encoding);
        count(`${enc} ${kind}, windows-1252 string`, decodeText(windows1252View(bytes)).encoding);
      }
      const page = Uint8Array.from([...utf8('<html><head><title>t</title></head><body><p>'), ...encodeLegacy(doc, enc), ...utf8('</p></body></html>')]);
      count(`${enc} article, undeclared HTML`, decodeHtml(page).encoding);
    }
  }
}
if (existsSync(htmlDir)) {
  for (const f of readdirSync(htmlDir).filter((n) => n.endsWith('.html.gz'))) {
    count('extraction pages (UTF-8)', decodeHtml(new Uint8Array(gunzipSync(readFileSync(path.join(htmlDir, f))))).encoding);
  }
}
for (const [kase, m] of tally) console.log(`${kase.padEnd(46)} ${[...m].map(([k, v]) => `${k}: ${v}`).join(', ')}`);
