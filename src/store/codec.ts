/**
 * How a document body is kept in the store: JSON of every field except `id`, then one codec
 * byte in front:
 *   0 — the JSON as UTF-8, uncompressed (short bodies, where deflate would not pay);
 *   1 — the JSON compressed with raw DEFLATE (node:zlib, level 6).
 * News items (~550 bytes of JSON) shrink to about 72% with DEFLATE; full articles far more.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

const RAW = 0;
const DEFLATE = 1;
const MIN_COMPRESS = 96;

export function encodeBody(doc: { id: string; [k: string]: unknown }): Uint8Array {
  const rest: Record<string, unknown> = {};
  for (const k in doc) if (k !== 'id') rest[k] = doc[k];
  const json = Buffer.from(JSON.stringify(rest), 'utf8');
  if (json.length >= MIN_COMPRESS) {
    const z = deflateRawSync(json, { level: 6 });
    if (z.length < json.length) {
      const out = Buffer.allocUnsafe(z.length + 1);
      out[0] = DEFLATE;
      z.copy(out, 1);
      return out;
    }
  }
  const out = Buffer.allocUnsafe(json.length + 1);
  out[0] = RAW;
  json.copy(out, 1);
  return out;
}

export function decodeBody(body: Uint8Array): Record<string, unknown> {
  const b = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const codec = b[0];
  let json: Buffer;
  if (codec === RAW) json = b.subarray(1);
  else if (codec === DEFLATE) json = inflateRawSync(b.subarray(1));
  else throw new Error(`store: unknown body codec ${codec}`);
  return JSON.parse(json.toString('utf8')) as Record<string, unknown>;
}
