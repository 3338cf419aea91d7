/**
 * LEB128 unsigned variable-length integers and length-prefixed strings: the byte-level codec of
 * the accent model file's header, vocabulary and counts (most take one or two bytes). The large
 * tables are raw typed arrays instead (csr.ts), which load without per-entry work.
 */

/** Growable byte buffer with varint and string writers. */
export class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** Unsigned integer below 2^53. */
  uint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varint out of range: ${n}`);
    this.ensure(8);
    while (n >= 0x80) {
      this.buf[this.len++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.len++] = n;
  }

  /** UTF-8 string prefixed by its byte length. */
  string(s: string): void {
    const b = new TextEncoder().encode(s);
    this.uint(b.length);
    this.bytes(b);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Sequential reader over a byte array; throws on truncated input. */
export class ByteReader {
  pos = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly buf: Uint8Array;

  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  /** The next `n` bytes (a view, not a copy). */
  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) throw new RangeError('accent model: unexpected end of data');
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new RangeError('accent model: unexpected end of data');
    return this.buf[this.pos++];
  }

  uint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new RangeError('accent model: varint too long');
    }
  }

  string(): string {
    const n = this.uint();
    if (this.pos + n > this.buf.length) throw new RangeError('accent model: unexpected end of data');
    const s = this.decoder.decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
}
