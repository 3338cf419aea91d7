/** Building links: a path plus query parameters (repeated for lists, empty values left out). */
export type ParamValue = string | number | undefined | null | string[];

export function link(path: string, params: Record<string, ParamValue> = {}): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) u.append(k, x);
    else u.append(k, String(v));
  }
  const s = u.toString();
  return s ? `${path}?${s}` : path;
}

export function articlePath(id: string): string {
  return `/bai/${encodeURIComponent(id)}`;
}

export function sourcePath(name: string): string {
  return `/nguon/${encodeURIComponent(name)}`;
}

/** The URL if it is http(s), else undefined: a stored `url` must never become a javascript: link. */
export function safeHttpUrl(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}
