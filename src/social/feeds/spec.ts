/**
 * A feed is a declarative, versioned spec: what enters it, how it is ordered, what caps apply.
 * This file is the format (docs/FEEDS.md "The spec"), its validation (every refusal one
 * Vietnamese line naming the field), the canonical JSON a spec is hashed from, and the hash.
 *
 *   who enters   include.follows / include.self / include.accounts / include.everyone (a union)
 *   what enters  include.query (through the post index's match set), include.hashtags,
 *                include.languages, include.rising (posts about a rising story) — each a filter
 *                the post must pass (an intersection), plus include.replies / include.reblogs
 *   order        "chronological" (newest first, no score) or "ranked" (the sum of weighted signals)
 *   caps         per_author: at most this many posts of one author in the whole feed
 *   window_hours how far back a ranked feed looks (its candidates are the posts of that window)
 */
import { createHash } from 'node:crypto';
import { SIGNALS, type SignalDef, type SignalName } from './signals.ts';

export const SPEC_FORMAT = 1;

export interface SignalSpec {
  name: SignalName;
  weight: number;
  /** Signal parameters (e.g. recency's half_life_hours); each signal names its own. */
  params?: Record<string, number>;
}

export interface FeedSpec {
  format: 1;
  name: string;
  description?: string;
  include: {
    follows?: boolean;
    self?: boolean;
    /** Account ids whose posts enter (the feed's named sources). */
    accounts?: string[];
    /** Every public post this server knows. */
    everyone?: boolean;
    /** A saved search: the post must be in its match set. */
    query?: string;
    /** The post must carry one of these hashtags. */
    hashtags?: string[];
    /** The post must be in one of these languages (`und`: no language given). */
    languages?: string[];
    /** The post must link to, or talk about, a story the observatory sees rising. */
    rising?: boolean;
    /** Replies enter (default true). */
    replies?: boolean;
    /** Boosts enter (default false). */
    reblogs?: boolean;
  };
  order: 'chronological' | 'ranked';
  signals: SignalSpec[];
  caps: { per_author?: number };
  window_hours: number;
}

export class SpecError extends Error {}

const NAME_MAX = 80;
const DESCRIPTION_MAX = 500;
const MAX_ACCOUNTS = 1000;
const MAX_HASHTAGS = 20;
const MAX_LANGUAGES = 10;
const MAX_SIGNALS = 12;
const MAX_WINDOW_HOURS = 24 * 14;
const MAX_WEIGHT = 1000;

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function known(o: Record<string, unknown>, allowed: string[], where: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new SpecError(`${where}: không có trường "${k}" (các trường có: ${allowed.join(', ')})`);
}

function text(v: unknown, field: string, max: number, required = false): string | undefined {
  if (v === undefined || v === null || v === '') {
    if (required) throw new SpecError(`thiếu "${field}"`);
    return undefined;
  }
  if (typeof v !== 'string') throw new SpecError(`"${field}" phải là chuỗi ký tự`);
  const s = v.normalize('NFC').trim();
  if (s.length > max) throw new SpecError(`"${field}" dài quá ${max} ký tự`);
  if (required && !s) throw new SpecError(`thiếu "${field}"`);
  return s || undefined;
}

function flag(v: unknown, field: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new SpecError(`"${field}" phải là true hoặc false`);
  return v;
}

function strings(v: unknown, field: string, max: number, each: (s: string) => string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new SpecError(`"${field}" phải là một danh sách`);
  if (v.length > max) throw new SpecError(`"${field}" có quá ${max} mục`);
  const out = [...new Set(v.map((x) => {
    if (typeof x !== 'string' || !x.trim()) throw new SpecError(`"${field}" chỉ gồm chuỗi ký tự không rỗng`);
    return each(x.normalize('NFC').trim());
  }))].sort();
  return out.length ? out : undefined;
}

function num(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new SpecError(`"${field}" phải là một số`);
  if (v < min || v > max) throw new SpecError(`"${field}" phải nằm trong khoảng ${min} đến ${max}`);
  return v;
}

/**
 * Check a spec given by a user and bring it to its one written form (defaults filled, lists
 * sorted and deduplicated, text NFC), so the same feed always hashes the same.
 */
export function normalizeSpec(input: unknown): FeedSpec {
  if (!isObj(input)) throw new SpecError('bảng tin phải là một đối tượng JSON');
  known(input, ['format', 'name', 'description', 'include', 'order', 'signals', 'caps', 'window_hours'], 'bảng tin');
  if (input.format !== undefined && input.format !== SPEC_FORMAT) throw new SpecError(`"format" phải là ${SPEC_FORMAT}`);
  const inc = input.include === undefined ? {} : input.include;
  if (!isObj(inc)) throw new SpecError('"include" phải là một đối tượng');
  known(inc, ['follows', 'self', 'accounts', 'everyone', 'query', 'hashtags', 'languages', 'rising', 'replies', 'reblogs'], 'include');
  const include: FeedSpec['include'] = {};
  for (const k of ['follows', 'self', 'everyone', 'rising', 'replies', 'reblogs'] as const) {
    const f = flag(inc[k], `include.${k}`);
    if (f !== undefined) include[k] = f;
  }
  const accounts = strings(inc.accounts, 'include.accounts', MAX_ACCOUNTS, (s) => {
    if (!/^\d{1,30}$/.test(s)) throw new SpecError(`"include.accounts" chỉ gồm id tài khoản (chữ số): "${s}"`);
    return s.padStart(18, '0');
  });
  if (accounts) include.accounts = accounts;
  const query = text(inc.query, 'include.query', 500);
  if (query) include.query = query;
  const hashtags = strings(inc.hashtags, 'include.hashtags', MAX_HASHTAGS, (s) => {
    const t = s.replace(/^#/, '');
    if (!/^[\p{L}\p{M}\p{N}_]+$/u.test(t)) throw new SpecError(`"include.hashtags": "${s}" không phải một hashtag`);
    return t;
  });
  if (hashtags) include.hashtags = hashtags;
  const languages = strings(inc.languages, 'include.languages', MAX_LANGUAGES, (s) => {
    const l = s.toLowerCase();
    if (!/^[a-z]{2,3}$/.test(l)) throw new SpecError(`"include.languages": "${s}" không phải mã ngôn ngữ ISO 639 (vd. vi, en)`);
    return l;
  });
  if (languages) include.languages = languages;
  if (!include.follows && !include.self && !include.accounts && !include.everyone && !include.query && !include.hashtags && !include.rising) {
    throw new SpecError('bảng tin chưa nói bài nào được vào: hãy chọn ít nhất một trong include.follows, include.accounts, include.everyone, include.query, include.hashtags, include.rising');
  }
  const order = input.order ?? 'chronological';
  if (order !== 'chronological' && order !== 'ranked') throw new SpecError('"order" phải là "chronological" hoặc "ranked"');
  const signals: SignalSpec[] = [];
  if (input.signals !== undefined) {
    if (!Array.isArray(input.signals)) throw new SpecError('"signals" phải là một danh sách');
    if (input.signals.length > MAX_SIGNALS) throw new SpecError(`"signals" có quá ${MAX_SIGNALS} tín hiệu`);
    const seen = new Set<string>();
    for (const [i, s] of input.signals.entries()) {
      if (!isObj(s)) throw new SpecError(`signals[${i}] phải là một đối tượng {name, weight}`);
      known(s, ['name', 'weight', 'params'], `signals[${i}]`);
      const name = s.name;
      if (typeof name !== 'string' || !(name in SIGNALS)) throw new SpecError(`signals[${i}]: không có tín hiệu "${String(name)}" (các tín hiệu có: ${Object.keys(SIGNALS).join(', ')})`);
      if (seen.has(name)) throw new SpecError(`tín hiệu "${name}" có hai lần`);
      seen.add(name);
      const def: SignalDef = SIGNALS[name as SignalName];
      const out: SignalSpec = { name: name as SignalName, weight: num(s.weight, `signals[${i}].weight`, -MAX_WEIGHT, MAX_WEIGHT) };
      if (s.params !== undefined) {
        if (!isObj(s.params)) throw new SpecError(`signals[${i}].params phải là một đối tượng`);
        const params: Record<string, number> = {};
        for (const [k, v] of Object.entries(s.params)) {
          const p = def.params[k];
          if (!p) throw new SpecError(`tín hiệu "${name}" không có tham số "${k}"${Object.keys(def.params).length ? ` (có: ${Object.keys(def.params).join(', ')})` : ''}`);
          params[k] = num(v, `signals[${i}].params.${k}`, p.min, p.max);
        }
        if (Object.keys(params).length) out.params = params;
      }
      signals.push(out);
    }
  }
  if (order === 'ranked' && signals.length === 0) throw new SpecError('bảng tin xếp hạng cần ít nhất một tín hiệu trong "signals"');
  if (order === 'chronological' && signals.length > 0) throw new SpecError('bảng tin theo thời gian không dùng tín hiệu: hãy bỏ "signals" hoặc đặt "order": "ranked"');
  signals.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const capsIn = input.caps === undefined ? {} : input.caps;
  if (!isObj(capsIn)) throw new SpecError('"caps" phải là một đối tượng');
  known(capsIn, ['per_author'], 'caps');
  const caps: FeedSpec['caps'] = {};
  if (capsIn.per_author !== undefined) caps.per_author = Math.round(num(capsIn.per_author, 'caps.per_author', 1, 1000));
  const window_hours = input.window_hours === undefined ? 48 : Math.round(num(input.window_hours, 'window_hours', 1, MAX_WINDOW_HOURS));
  const spec: FeedSpec = { format: SPEC_FORMAT, name: text(input.name, 'name', NAME_MAX, true)!, include, order, signals, caps, window_hours };
  const description = text(input.description, 'description', DESCRIPTION_MAX);
  if (description) spec.description = description;
  return spec;
}

/** JSON with object keys sorted at every level and no spaces: one text per spec. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The spec's content hash: SHA-256 of its canonical JSON, hex. */
export function specHash(spec: FeedSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

/** The weight of each signal changed (a copy with other weights); unknown signals are refused. */
export function withWeights(spec: FeedSpec, weights: Record<string, number>): FeedSpec {
  const signals = spec.signals.map((s) => ({ ...s }));
  for (const [name, w] of Object.entries(weights)) {
    if (!(name in SIGNALS)) throw new SpecError(`không có tín hiệu "${name}" (các tín hiệu có: ${Object.keys(SIGNALS).join(', ')})`);
    const have = signals.find((s) => s.name === name);
    if (have) have.weight = w;
    else signals.push({ name: name as SignalName, weight: w });
  }
  return normalizeSpec({ ...spec, order: signals.length ? 'ranked' : spec.order, signals: signals.filter((s) => s.weight !== 0) });
}
