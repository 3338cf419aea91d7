/** Builders of WARC bytes for the hostile-input tests (records, gzip members, gzip bombs). */
import { constants, crc32, deflateRawSync, gzipSync } from 'node:zlib';

export type Fields = Array<[string, string]>;

/** One WARC record: version line, fields, Content-Length, blank line, block, CRLF CRLF. */
export function record(fields: Fields, block: Buffer | string, version = 'WARC/1.1'): Buffer {
  const body = Buffer.isBuffer(block) ? block : Buffer.from(block, 'utf8');
  const head = [version, ...fields.map(([k, v]) => `${k}: ${v}`), `Content-Length: ${body.length}`, '', ''].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'utf8'), body, Buffer.from('\r\n\r\n')]);
}

let n = 0;
export function id(): string {
  return `<urn:uuid:00000000-0000-4000-8000-${String(++n).padStart(12, '0')}>`;
}

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>${title}</title></head><body><article><h1>${title}</h1>${body}</article></body></html>`;
}

export function response(url: string, html: string, date = '2025-05-01T01:02:03Z', extra: string[] = []): Buffer {
  const payload = Buffer.from(html, 'utf8');
  const http = Buffer.concat([Buffer.from(['HTTP/1.1 200 OK', 'Content-Type: text/html; charset=utf-8', ...extra, `Content-Length: ${payload.length}`, '', ''].join('\r\n')), payload]);
  return record([['WARC-Type', 'response'], ['WARC-Record-ID', id()], ['WARC-Date', date], ['WARC-Target-URI', url], ['Content-Type', 'application/http; msgtype=response']], http);
}

/** A request record whose HTTP head ends without its blank line, as pywb's sample archives have them. */
export function bareRequest(url: string): Buffer {
  const u = new URL(url);
  return record([['WARC-Type', 'request'], ['WARC-Record-ID', id()], ['WARC-Date', '2025-05-01T01:02:03Z'], ['WARC-Target-URI', url], ['Content-Type', 'application/http; msgtype=request']],
    `GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUser-Agent: Mozilla/5.0\r\n`);
}

export function warcinfo(): Buffer {
  return record([['WARC-Type', 'warcinfo'], ['WARC-Record-ID', id()], ['WARC-Date', '2025-05-01T01:02:03Z'], ['Content-Type', 'application/warc-fields']], 'software: test\r\n');
}

/** Each record its own gzip member (the usual .warc.gz layout). */
export function gzipEach(records: Buffer[]): Buffer {
  return Buffer.concat(records.map((r) => gzipSync(r)));
}

/**
 * A gzip member that inflates to `head`, then `mib` MiB of spaces, then `tail` — about 1 KB per
 * MiB, made in milliseconds: one compressed MiB of spaces, flushed to a byte boundary with a
 * fresh dictionary, is repeated.
 */
export function bombMember(head: Buffer, mib: number, tail: Buffer): Buffer {
  const flush = { finishFlush: constants.Z_FULL_FLUSH, level: 9 };
  const spaces = Buffer.alloc(1 << 20, 0x20);
  const seg = deflateRawSync(spaces, flush);
  let crc = crc32(head);
  for (let i = 0; i < mib; i++) crc = crc32(spaces, crc);
  crc = crc32(tail, crc);
  const size = (head.length + mib * (1 << 20) + tail.length) >>> 0;
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size, 4);
  const parts = [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]), deflateRawSync(head, flush)];
  for (let i = 0; i < mib; i++) parts.push(seg);
  parts.push(deflateRawSync(tail), trailer);
  return Buffer.concat(parts);
}
