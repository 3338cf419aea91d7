/**
 * A document as it enters Tra: the "Documents in" record of ../shared/CONTRACT.md. The archive
 * produces it, the store keeps it exactly as given, the engine indexes it. One definition, so
 * every stage agrees on the shape.
 *
 * Also here: the other names collectors give these fields (`link` for `url`, …), and the sample
 * articles Tra ships for a first run, which are marked so real data can replace them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJsonl } from './jsonl.ts';

export interface DocInput {
  id: string;
  title?: string;
  summary?: string;
  text?: string;
  url?: string;
  published?: string;
  source?: string;
  category?: string;
  [extra: string]: unknown;
}

/**
 * Field names other collectors use for the contract's fields, by contract field. A document
 * that lacks the contract name but carries one of these (an RSS dump's `link`, `description`,
 * `pubDate`) has the value moved under the contract name, so its hits link to the original and
 * are dated. Names are matched exactly (they are what RSS, Atom, JSON Feed, schema.org and
 * common scrapers write); the first alias present wins.
 */
export const FIELD_ALIASES: Readonly<Record<'title' | 'summary' | 'text' | 'url' | 'published' | 'source' | 'category', readonly string[]>> = {
  title: ['headline'],
  summary: ['description', 'sapo', 'abstract', 'excerpt', 'lead'],
  text: ['content', 'body', 'content_text', 'articleBody', 'full_text'],
  url: ['link', 'href', 'permalink'],
  published: ['pubDate', 'pub_date', 'date', 'published_at', 'publishedAt', 'datePublished', 'publish_date'],
  source: ['site_name', 'outlet', 'publisher', 'site'],
  category: ['section', 'articleSection'],
};

/** What renameAliases did to one document: each contract field filled, with the alias it came from. */
export type AliasUse = Array<[field: string, alias: string]>;

/**
 * Move aliased fields of `doc` under their contract names, in place, when the contract name is
 * absent (a document that has both keeps both as given). Only string values are moved; the value
 * is moved, not copied, so the stored document does not carry it twice.
 */
export function renameAliases(doc: Record<string, unknown>): AliasUse {
  const used: AliasUse = [];
  for (const [field, aliases] of Object.entries(FIELD_ALIASES)) {
    if (doc[field] !== undefined && doc[field] !== null && doc[field] !== '') continue;
    for (const alias of aliases) {
      const v = doc[alias];
      if (typeof v !== 'string' || v === '') continue;
      doc[field] = v;
      delete doc[alias];
      used.push([field, alias]);
      break;
    }
  }
  return used;
}

/** The fields a document is searched by; one with none of them can only be found by its id. */
export const SEARCHED_FIELDS = ['title', 'summary', 'text'] as const;

/**
 * Problems with a document's shape that do not stop it from being indexed: nothing to search by,
 * or no link to the original while a field that looks like one is present. `kind` names the
 * problem (to count it once per file), `message` says it for this document and what to do.
 */
export function shapeWarnings(doc: Record<string, unknown>): Array<{ kind: 'unsearchable' | 'link-elsewhere'; message: string }> {
  const out: Array<{ kind: 'unsearchable' | 'link-elsewhere'; message: string }> = [];
  if (!SEARCHED_FIELDS.some((k) => typeof doc[k] === 'string' && doc[k] !== '')) {
    const names = Object.keys(doc).filter((k) => k !== 'id').slice(0, 8);
    out.push({
      kind: 'unsearchable',
      message: `không có "title", "summary" hay "text" nên không tìm được theo nội dung (các trường có: ${names.length ? names.map((k) => `"${k}"`).join(', ') : 'không có'}); hãy đổi tên trường chứa tiêu đề/nội dung (xem "tra index --help")`,
    });
  }
  if (typeof doc.url !== 'string' || doc.url === '') {
    const linkish = Object.keys(doc).find((k) => typeof doc[k] === 'string' && /^https?:\/\/\S+$/i.test(doc[k] as string));
    if (linkish) {
      out.push({ kind: 'link-elsewhere', message: `không có "url" nhưng trường "${linkish}" trông như địa chỉ bài gốc; hãy đổi tên nó thành "url" để kết quả tìm kiếm dẫn về bài gốc` });
    }
  }
  return out;
}

/** A hint for a line without `id` that names its identifier differently. */
export function idAliasHint(doc: Record<string, unknown>): string | undefined {
  const alt = ['_id', 'guid', 'uuid', 'doc_id', 'ID', 'Id'].find((k) => (typeof doc[k] === 'string' && doc[k] !== '') || typeof doc[k] === 'number');
  return alt ? `có trường "${alt}": hãy đổi tên thành "id"` : undefined;
}

/** The accepted JSON Lines fields, as `tra index --help` and the README show them. */
export const JSONL_HELP = `Mỗi dòng của tệp là một tài liệu JSON (one JSON document per line):
  {"id": "vne-4801", "title": "…", "summary": "…", "text": "…", "url": "https://…",
   "published": "2025-09-02T08:15:00+07:00", "source": "VnExpress", "category": "Thời sự"}
  Chỉ "id" là bắt buộc (chuỗi hoặc số). Trường khác được giữ nguyên, không bao giờ là lỗi.
  Tên quen thuộc khác được nhận và đổi sang tên chuẩn khi thiếu tên chuẩn:
${Object.entries(FIELD_ALIASES).map(([k, v]) => `    ${k.padEnd(9)} ← ${v.join(', ')}`).join('\n')}
  Tài liệu không có trường nào để tìm (title/summary/text) được báo một dòng trên stderr.
  --repair-dates: dùng cho tin lấy từ RSS của Tuổi Trẻ, VnExpress, Thanh Niên (giờ trong URL,
  giờ UTC ghi nhầm +07:00); giá trị gốc được giữ ở "published_given".
`;

/** The sample articles shipped with Tra (fictional outlets "Báo Mẫu" and "Tin Nhanh"), each with `"sample": true`. */
export const SAMPLES_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'samples', 'tin-mau.jsonl');

/** Ids of the sample articles, as the samples file lists them. */
export async function sampleIds(file = SAMPLES_FILE): Promise<string[]> {
  const ids: string[] = [];
  for await (const { value } of readJsonl(file, () => undefined)) {
    if (value.sample === true && typeof value.id === 'string') ids.push(value.id);
  }
  return ids;
}

/** What dropSamples needs of an engine (kept structural: the store stage does not import the engine). */
export interface DocRemover {
  get(id: string): Record<string, unknown> | undefined;
  delete(ids: string[]): Promise<number>;
}

/**
 * Remove the sample articles that are in `engine`: only documents stored with `"sample": true`,
 * so a document of the user's that happens to share an id stays. Returns how many went.
 */
export async function dropSamples(engine: DocRemover, file = SAMPLES_FILE): Promise<number> {
  const present = (await sampleIds(file)).filter((id) => engine.get(id)?.sample === true);
  return present.length ? engine.delete(present) : 0;
}
