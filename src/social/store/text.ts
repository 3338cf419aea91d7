/**
 * Text as the social store keeps it: NFC (Vietnamese typed on some phones and Macs arrives
 * decomposed, NFD; stored once, composed, it compares, counts and indexes the same either way),
 * without NUL characters, and without the invisible characters that only hide differences.
 */
const INVISIBLE = /[\u0000\u200b\u2060\ufeff]/g;

export function storedText(s: string): string {
  return s.normalize('NFC').replace(INVISIBLE, '');
}

/** A one-line field (display name, list title): stored text, line breaks made spaces, trimmed. */
export function storedLine(s: string): string {
  return storedText(s).replace(/[\r\n\t]+/g, ' ').trim();
}
