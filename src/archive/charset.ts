/**
 * Turning the bytes of an HTTP response into text.
 *
 * Order of evidence, as browsers do (WHATWG encoding sniffing, simplified): a byte-order mark, the
 * `charset` of the Content-Type header, a `<meta charset>` / `<meta http-equiv>` or XML declaration
 * in the first 4 KiB, then UTF-8. Vietnamese sites of the 2000s still serve windows-1258, which
 * Node's TextDecoder supports; its output uses combining tone marks, so every result is NFC
 * normalised. When a page declares nothing and is not valid UTF-8, windows-1258 is the most likely
 * Vietnamese legacy encoding and is tried.
 */
import { decodeHtml } from '../vi/legacy/index.ts';

export interface Decoded {
  text: string;
  /** WHATWG name of the encoding used, e.g. `utf-8`, `windows-1258`. */
  encoding: string;
}

/** The charset parameter of a Content-Type value, if any. */
export function charsetOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const m = /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType);
  return m ? m[1].toLowerCase() : undefined;
}

/** A charset named inside the document itself (meta tag or XML declaration), if any. */
export function sniffDeclaredCharset(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 4096));
  const meta = /<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head);
  if (meta) return meta[1].toLowerCase();
  const xml = /^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/i.exec(head);
  if (xml) return xml[1].toLowerCase();
  return undefined;
}

function bomEncoding(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  return undefined;
}

function decoderFor(label: string): { decode(b: Uint8Array): string; encoding: string } | undefined {
  try {
    return new TextDecoder(label);
  } catch {
    return undefined;
  }
}

/**
 * Decode an HTML/XML body. Delegates to the Vietnamese core's `decodeHtml` (src/vi/legacy), which
 * follows the order above and also recognises pages in TCVN3 (ABC) and VNI fonts by their bytes;
 * the local rules remain as a fallback should it fail. Never throws.
 */
export function decodeBody(bytes: Uint8Array, contentType?: string): Decoded {
  try {
    const d = decodeHtml(bytes, contentType);
    return { text: d.text.normalize('NFC'), encoding: d.encoding };
  } catch {
    return decodeBodyLocal(bytes, contentType);
  }
}

function decodeBodyLocal(bytes: Uint8Array, contentType?: string): Decoded {
  const candidates = [bomEncoding(bytes), charsetOf(contentType), sniffDeclaredCharset(bytes)];
  for (const label of candidates) {
    if (!label) continue;
    const dec = decoderFor(label);
    if (dec) return { text: dec.decode(bytes).normalize('NFC'), encoding: dec.encoding };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes).normalize('NFC'), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('windows-1258').decode(bytes).normalize('NFC'), encoding: 'windows-1258' };
  }
}
