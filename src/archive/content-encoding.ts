/**
 * Undo an HTTP Content-Encoding (gzip, deflate — zlib-wrapped or raw —, br, zstd) with a limit on
 * the output, for fetched pages (http.ts) and for the payloads of WARC records (warc-reader.ts)
 * alike: a decompression bomb costs `maxBytes` of memory, never more.
 */
import zlib from 'node:zlib';

/** The error zlib throws when the output would pass `maxOutputLength`. */
export function isTooLarge(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ERR_BUFFER_TOO_LARGE';
}

/**
 * `body` with `encoding` undone. Throws when the output would exceed `maxBytes` (see
 * `isTooLarge`), when the body does not decode, and for an encoding this does not know.
 */
export function undoContentEncoding(body: Buffer, encoding: string, maxBytes: number): Buffer {
  const opts = { maxOutputLength: maxBytes, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(body, opts);
    case 'deflate':
      try {
        return zlib.inflateSync(body, opts);
      } catch (e) {
        if (isTooLarge(e)) throw e;
        return zlib.inflateRawSync(body, opts);
      }
    case 'br':
      return zlib.brotliDecompressSync(body, { maxOutputLength: maxBytes });
    case 'zstd':
      return zlib.zstdDecompressSync(body, { maxOutputLength: maxBytes });
    default:
      throw new Error(`Content-Encoding "${encoding}" không được hỗ trợ`);
  }
}
