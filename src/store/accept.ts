/**
 * Which lines of a `tra index` input become documents, and in what form — one rule for the
 * single-machine command (src/cli/commands/index-docs.ts) and the cluster's ingest
 * (src/cluster/ingest), so both count the same lines as indexed and skipped. A numeric id becomes
 * a string; a missing or empty id, an id with a lone UTF-16 surrogate and a field over
 * MAX_FIELD_CHARS are skipped with one line naming the file and line; other collectors' field
 * names are moved under the contract's names; with `repairDates`, a known wrong `published` is
 * repaired once (the given value kept in `published_given`).
 */
import { MAX_FIELD_CHARS } from './jsonl.ts';
import { renameAliases, idAliasHint, type DocInput } from './document.ts';
import { repairPublished } from '../ingest/timestamps.ts';

export type Accepted = { doc: DocInput } | { error: string };

export interface AcceptOptions {
  repairDates?: boolean;
  /**
   * Moves aliased fields under the contract's names (default `renameAliases`); `tra index` passes
   * one that also notes, per file, what it renamed and what looked wrong.
   */
  rename?: (value: Record<string, unknown>) => void;
}

export function acceptDocument(value: Record<string, unknown>, file: string, line: number, opts: AcceptOptions = {}): Accepted {
  const id = value.id;
  if (typeof id === 'number' && Number.isFinite(id)) value.id = String(id);
  else if (typeof id !== 'string' || id === '') {
    const hint = idAliasHint(value);
    return { error: `${file}:${line}: thiếu trường "id" (missing "id": a non-empty string)${hint ? `; ${hint}` : ''}` };
  } else if (!id.isWellFormed()) {
    // A lone UTF-16 surrogate cannot be stored as UTF-8: SQLite would turn it into U+FFFD and
    // different ids would collapse into one.
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(id)!;
    return { error: `${file}:${line}: trường "id" chứa ký tự UTF-16 lẻ \\u${lone[0].charCodeAt(0).toString(16)} ở vị trí ${lone.index}, bỏ qua; hãy sửa id (lone surrogate in "id")` };
  }
  (opts.rename ?? renameAliases)(value);
  const long = (['title', 'summary', 'text'] as const).find((k) => typeof value[k] === 'string' && (value[k] as string).length > MAX_FIELD_CHARS);
  if (long) {
    return { error: `${file}:${line}: trường "${long}" dài ${(value[long] as string).length} ký tự (> ${MAX_FIELD_CHARS}), bỏ qua (field too long: split the document)` };
  }
  // Once: a document that carries `published_given` was repaired before (re-indexed from an
  // export, say) and is left as it is.
  if (opts.repairDates && value.published_given === undefined) {
    const r = repairPublished(value);
    if (r.repaired && r.published) {
      value.published_given = value.published;
      value.published = r.published;
    }
  }
  return { doc: value as DocInput };
}
