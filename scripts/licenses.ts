/**
 * Lists the licence of every installed package and checks that each is compatible with Tra's
 * Apache-2.0 licence. `npm run licenses` prints the table; the test in test/licenses.test.ts
 * fails when a package with an incompatible or unknown licence is added.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

/** Licences whose terms allow use in and distribution with an Apache-2.0 project. */
export const COMPATIBLE = new Set([
  'MIT', 'ISC', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', '0BSD', 'BlueOak-1.0.0', 'CC0-1.0',
  'Unlicense', 'Python-2.0', 'CC-BY-4.0', 'MIT-0', 'Zlib', 'WTFPL',
]);

export interface PackageLicence {
  name: string;
  version: string;
  license: string;
  compatible: boolean;
}

/**
 * Packages whose package.json names no licence but whose own README states one (checked by hand,
 * exact versions only: a new version is looked at again). Both come with s3rver, a test server.
 */
const STATED_IN_README: Record<string, string> = {
  'only@0.0.2': 'MIT', // Readme.md: "(The MIT License)"
  'humanize-number@0.0.2': 'MIT', // Readme.md: "## License  MIT"
};

function licenceOf(pkg: { name?: string; version?: string; license?: unknown; licenses?: unknown }): string {
  const l = pkg.license ?? pkg.licenses ?? STATED_IN_README[`${pkg.name}@${pkg.version}`];
  if (typeof l === 'string') return l;
  if (Array.isArray(l)) return l.map((x) => (typeof x === 'string' ? x : (x as { type?: string }).type)).join(' OR ');
  if (l && typeof l === 'object' && 'type' in l) return String((l as { type: unknown }).type);
  return 'UNKNOWN';
}

/** An SPDX expression is compatible when every AND-term has a compatible alternative. */
export function isCompatible(expr: string): boolean {
  const clean = expr.replace(/[()]/g, ' ').trim();
  return clean.split(/\s+AND\s+/).every((part) => part.split(/\s+OR\s+/).some((l) => COMPATIBLE.has(l.trim())));
}

export function listLicences(root: string): PackageLicence[] {
  const out: PackageLicence[] = [];
  const seen = new Set<string>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      const full = path.join(dir, entry);
      if (entry.startsWith('@')) {
        walk(full);
        continue;
      }
      const pj = path.join(full, 'package.json');
      if (existsSync(pj)) {
        const pkg = JSON.parse(readFileSync(pj, 'utf8')) as { name?: string; version?: string; license?: unknown; licenses?: unknown };
        const key = `${pkg.name}@${pkg.version}`;
        if (pkg.name && !seen.has(key)) {
          seen.add(key);
          const license = licenceOf(pkg);
          out.push({ name: pkg.name, version: pkg.version ?? '', license, compatible: isCompatible(license) });
        }
        walk(path.join(full, 'node_modules'));
      }
    }
  };
  walk(path.join(root, 'node_modules'));
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  const all = listLicences(root);
  for (const p of all) process.stdout.write(`${p.compatible ? ' ' : '!'} ${p.name}@${p.version}\t${p.license}\n`);
  const bad = all.filter((p) => !p.compatible);
  process.stdout.write(`${all.length} packages, ${bad.length} with a licence not known to be compatible with Apache-2.0\n`);
  process.exitCode = bad.length ? 1 : 0;
}
