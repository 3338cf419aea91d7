/** One outlet across its section feeds: "VnExpress - Thời sự" and "VnExpress - Kinh doanh" are VnExpress. */
export function outletOf(source: unknown): string {
  return String(source ?? '').replace(/\s+-\s+.*$/, '');
}
