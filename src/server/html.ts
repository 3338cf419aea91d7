/**
 * XSS-safe HTML templating. `html\`<p>${value}</p>\`` escapes every interpolated value unless it
 * is already `SafeHtml` (the result of another `html` template or of `raw`). Arrays are joined,
 * `null`, `undefined` and `false` render as nothing. Attribute values must be quoted with `"`;
 * the escaping covers `& < > " '`, so a value can never leave its attribute or element.
 */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const NEEDS_ESCAPE = /[&<>"']/g;

export function escapeHtml(s: string): string {
  return s.replace(NEEDS_ESCAPE, (c) => ESCAPES[c]);
}

/** Mark a string as already-safe HTML. Only for trusted, constant markup. */
export function raw(s: string): SafeHtml {
  return new SafeHtml(s);
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | HtmlValue[];

function render(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/**
 * JSON for an inline `<script type="application/json">` block: `<`, `>`, `&` and the line
 * separators are written as \u escapes, so the text can never close the script element.
 */
export function jsonForScript(value: unknown): SafeHtml {
  const s = JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return new SafeHtml(s);
}
