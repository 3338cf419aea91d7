/**
 * Reading Mastodon parameters the way Mastodon does: from the query string and the body together
 * (JSON, form or multipart), strings for numbers and booleans ("true", "1", "on"), `name[]` for
 * arrays. Each reader throws a 422 with a Vietnamese line naming the parameter when a value is
 * unusable.
 */
import type { FastifyRequest } from 'fastify';
import { SocialError } from '../store/errors.ts';
import { normalizeId } from '../store/ids.ts';
import type { Paging } from '../store/statuses.ts';

export type Params = Record<string, unknown>;

/** Query and body merged (the body wins), with `name[]` read as `name`. */
export function paramsOf(req: FastifyRequest): Params {
  const out: Params = Object.create(null);
  const put = (src: unknown) => {
    if (!src || typeof src !== 'object' || Array.isArray(src)) return;
    for (const [k, v] of Object.entries(src as Record<string, unknown>)) out[k.endsWith('[]') ? k.slice(0, -2) : k] = v;
  };
  put(req.query);
  put(req.body);
  return out;
}

export function str(p: Params, name: string, max = 10_000): string | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return str({ [name]: v[0] }, name, max);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') throw new SocialError(422, `Tham số "${name}" phải là chuỗi ký tự`);
  if (v.length > max) throw new SocialError(422, `Tham số "${name}" dài quá ${max} ký tự`);
  return v;
}

export function bool(p: Params, name: string): boolean | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  const s = String(Array.isArray(v) ? v[0] : v).toLowerCase();
  if (['true', '1', 'on', 'yes', 't'].includes(s)) return true;
  if (['false', '0', 'off', 'no', 'f'].includes(s)) return false;
  throw new SocialError(422, `Tham số "${name}" phải là true hoặc false`);
}

export function int(p: Params, name: string, min: number, max: number): number | undefined {
  const v = str(p, name, 40);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new SocialError(422, `Tham số "${name}" phải là số nguyên`);
  return Math.min(max, Math.max(min, n));
}

/** A list parameter (`ids[]=1&ids[]=2`, a JSON array, or one value). At most `max` items. */
export function list(p: Params, name: string, max = 100): string[] {
  const v = p[name];
  if (v === undefined || v === null || v === '') return [];
  const arr = Array.isArray(v) ? v : [v];
  if (arr.length > max) throw new SocialError(422, `Tham số "${name}" có quá nhiều giá trị: tối đa ${max}`);
  return arr.map((x) => String(x));
}

/** max_id / since_id / min_id / limit (default 20, at most `maxLimit`). Unusable ids are ignored, as Mastodon does. */
export function paging(p: Params, def = 20, maxLimit = 40): Paging {
  const out: Paging = { limit: int(p, 'limit', 1, maxLimit) ?? def };
  const max = normalizeId(p.max_id);
  const since = normalizeId(p.since_id);
  const min = normalizeId(p.min_id);
  if (max !== undefined) out.maxId = max;
  if (since !== undefined) out.sinceId = since;
  if (min !== undefined) out.minId = min;
  return out;
}

/** An id in a route parameter, in stored form; 404 when it cannot be an id. */
export function idParam(v: unknown, what = 'Không tìm thấy bản ghi này'): string {
  const id = normalizeId(v);
  if (id === undefined) throw new SocialError(404, what);
  return id;
}
