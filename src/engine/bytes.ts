/**
 * Byte-level helpers for the segment format: a growable little-endian writer, LEB128 varints,
 * and a comparison of a JS string with UTF-8 bytes in JavaScript's own (UTF-16 code unit) order,
 * which is the order the term dictionary is sorted in.
 */

export class ByteWriter {
  buf: Uint8Array;
  pos = 0;
  constructor(initial = 1 << 16) {
    this.buf = new Uint8Array(initial);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.pos));
    this.buf = nb;
  }
  byte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }
  varint(v: number): void {
    this.ensure(10);
    const buf = this.buf;
    let p = this.pos;
    while (v >= 0x80) {
      buf[p++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[p++] = v;
    this.pos = p;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  /** Pad with zeros to a multiple of `n` bytes (typed-array views need aligned offsets). */
  align(n: number): void {
    while (this.pos % n !== 0) this.byte(0);
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** Read a varint at `pos`; returns the value, and the new position in `out[0]`. */
export function readVarint(buf: Uint8Array, pos: number, out: Int32Array | number[]): number {
  let b = buf[pos++];
  let v = b & 0x7f;
  let shift = 128;
  while (b & 0x80) {
    b = buf[pos++];
    v += (b & 0x7f) * shift;
    shift *= 128;
  }
  out[0] = pos;
  return v;
}

/**
 * Compare string `s` with the UTF-8 text in `bytes[start, end)` in UTF-16 code unit order
 * (negative when s sorts first). Decodes on the fly, no allocation.
 */
export function compareStrUtf8(s: string, bytes: Uint8Array, start: number, end: number): number {
  let i = 0;
  let p = start;
  let pendingLow = -1;
  const n = s.length;
  while (true) {
    let unit: number;
    if (pendingLow >= 0) {
      unit = pendingLow;
      pendingLow = -1;
    } else if (p < end) {
      const b0 = bytes[p];
      let cp: number;
      if (b0 < 0x80) {
        cp = b0;
        p += 1;
      } else if (b0 < 0xe0) {
        cp = ((b0 & 0x1f) << 6) | (bytes[p + 1] & 0x3f);
        p += 2;
      } else if (b0 < 0xf0) {
        cp = ((b0 & 0x0f) << 12) | ((bytes[p + 1] & 0x3f) << 6) | (bytes[p + 2] & 0x3f);
        p += 3;
      } else {
        cp = ((b0 & 0x07) << 18) | ((bytes[p + 1] & 0x3f) << 12) | ((bytes[p + 2] & 0x3f) << 6) | (bytes[p + 3] & 0x3f);
        p += 4;
      }
      if (cp >= 0x10000) {
        cp -= 0x10000;
        unit = 0xd800 + (cp >> 10);
        pendingLow = 0xdc00 + (cp & 0x3ff);
      } else unit = cp;
    } else {
      return i < n ? 1 : 0;
    }
    if (i >= n) return -1;
    const c = s.charCodeAt(i++);
    if (c !== unit) return c - unit;
  }
}
