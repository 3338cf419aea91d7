/**
 * How document bodies are kept in the store: in blocks of consecutive documents.
 *
 * A block is one codec byte, then the payload:
 *   0 — payload uncompressed;
 *   1 — payload compressed with raw DEFLATE (node:zlib, level 4). Written by earlier versions;
 *       still read, so existing data directories keep opening;
 *   2 — payload compressed as one Zstandard frame (node:zlib, level 3): what new blocks use.
 *       On 32 KB news blocks it is ~2.5× faster to compress than DEFLATE level 4 and ~20%
 *       faster to decompress, for ~2% more bytes.
 * Payload: u32 n; n × (f64 seq, u32 byte length); then the n bodies, each the UTF-8 JSON of a
 * document's fields except `id` (every field as given, unknown ones included).
 */
import { constants, deflateRawSync, inflateRawSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';

export const RAW = 0;
export const DEFLATE = 1;
export const ZSTD = 2;
export type Codec = typeof RAW | typeof DEFLATE | typeof ZSTD;
/**
 * Raw JSON bytes per block before it is closed. A search result reads one document, so it pays
 * for decompressing its whole block: 16 KB against 32 KB made the web mix's searches ~15%
 * cheaper (3.05 → 2.55 ms of CPU per search in-process on the 153,825 news-rss items) for a
 * store.sqlite 1.4% larger (49.5 → 50.2 MB: smaller blobs fill SQLite's pages better, which
 * makes up for most of the lost ratio); 8 KB gained 7% more for 28% more bytes.
 */
export const BLOCK_BYTES = 16 * 1024;

const ZSTD_OPTS = { params: { [constants.ZSTD_c_compressionLevel]: 3 } };

export function bodyJson(doc: { id: string; [k: string]: unknown }): Buffer {
  const rest: Record<string, unknown> = {};
  for (const k in doc) if (k !== 'id') rest[k] = doc[k];
  return Buffer.from(JSON.stringify(rest), 'utf8');
}

/** Encode a block with `codec` (Zstandard unless told; raw when compression does not pay). */
export function encodeBlock(seqs: number[], bodies: Buffer[], codec: Codec = ZSTD): Uint8Array {
  const n = seqs.length;
  const head = Buffer.allocUnsafe(4 + 12 * n);
  head.writeUInt32LE(n, 0);
  for (let i = 0; i < n; i++) {
    head.writeDoubleLE(seqs[i], 4 + 12 * i);
    head.writeUInt32LE(bodies[i].length, 12 + 12 * i);
  }
  const payload = Buffer.concat([head, ...bodies]);
  if (codec !== RAW) {
    const z = codec === ZSTD ? zstdCompressSync(payload, ZSTD_OPTS) : deflateRawSync(payload, { level: 4 });
    if (z.length < payload.length) return Buffer.concat([Buffer.of(codec), z]);
  }
  return Buffer.concat([Buffer.of(RAW), payload]);
}

export interface DecodedBlock {
  seqs: Float64Array;
  /** Start and end of each body in `bytes`. */
  offsets: Uint32Array;
  bytes: Buffer;
}

export function decodeBlock(body: Uint8Array): DecodedBlock {
  const b = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let p: Buffer;
  if (b[0] === RAW) p = b.subarray(1);
  else if (b[0] === ZSTD) p = zstdDecompressSync(b.subarray(1));
  else if (b[0] === DEFLATE) p = inflateRawSync(b.subarray(1));
  else throw new Error(`store: unknown block codec ${b[0]}`);
  const n = p.readUInt32LE(0);
  const seqs = new Float64Array(n);
  const offsets = new Uint32Array(n + 1);
  let off = 4 + 12 * n;
  for (let i = 0; i < n; i++) {
    seqs[i] = p.readDoubleLE(4 + 12 * i);
    offsets[i] = off;
    off += p.readUInt32LE(12 + 12 * i);
  }
  offsets[n] = off;
  return { seqs, offsets, bytes: p };
}

/** The fields of the document stored under `seq` in a decoded block, or undefined. */
export function fieldsIn(block: DecodedBlock, seq: number): Record<string, unknown> | undefined {
  const { seqs, offsets, bytes } = block;
  for (let i = 0; i < seqs.length; i++) {
    if (seqs[i] === seq) return JSON.parse(bytes.toString('utf8', offsets[i], offsets[i + 1])) as Record<string, unknown>;
  }
  return undefined;
}
