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
 * How much raw JSON goes into a block. A search result reads one document, so it pays for
 * decompressing its whole block: smaller blocks make results cheaper (16 KB against 32 KB: the
 * web mix ~15% less CPU per search) but compress less, and SQLite stores a blob that overflows
 * its 4 KB page in whole overflow pages (a 5 KB blob takes two). So the store aims each block's
 * *compressed* size at what fits in one page (PAGE_FIT), from the ratio of the blocks it has
 * just written, within [BLOCK_MIN, BLOCK_MAX]; BLOCK_BYTES is the first guess. Measured on the
 * bench's 153,825 news items: store.sqlite 42.7 MB with 32 KB blocks, 53.4 MB with fixed 16 KB
 * ones, 49.8 MB page-fitted (~12 KB raw per block), which reads ~40% as much per hit as 32 KB.
 */
export const BLOCK_BYTES = 12 * 1024;
export const BLOCK_MIN = 4 * 1024;
export const BLOCK_MAX = 32 * 1024;
/** Compressed bytes that, with the row's other fields, fit in one 4,096-byte SQLite page. */
export const PAGE_FIT = 3900;

const ZSTD_OPTS = { params: { [constants.ZSTD_c_compressionLevel]: 3 } };

/**
 * The stored form of a document: its fields except `id`, as UTF-8 JSON. JSON.stringify recurses,
 * so a value nested thousands deep overflows the stack; readers reject such documents first
 * (src/store/jsonl.ts, MAX_DEPTH), and this turns any that still arrive into a clear error
 * naming the document instead of a bare RangeError.
 */
export function bodyJson(doc: { id: string; [k: string]: unknown }): Buffer {
  const rest: Record<string, unknown> = {};
  for (const k in doc) if (k !== 'id') rest[k] = doc[k];
  let json: string;
  try {
    json = JSON.stringify(rest);
  } catch (e) {
    throw new Error(`store: tài liệu "${String(doc.id).slice(0, 80)}" không ghi được thành JSON (${(e as Error).message}); giá trị lồng quá sâu hoặc vòng lặp`, { cause: e });
  }
  return Buffer.from(json, 'utf8');
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
