/**
 * Legacy Vietnamese encodings (TCVN3/ABC, VNI, windows-1258): detection and conversion to NFC
 * Unicode, for files and fetched pages. See detect.ts for how an encoding is chosen and
 * tables.ts for the code tables and their sources.
 */
export {
  detectEncoding, decodeText, decodeHtml, normalizeEncodingLabel, charsetFromContentType, declaredCharset,
  type Detection, type Decoded, type EncodingName,
} from './detect.ts';
export {
  decodeLegacy, encodeLegacy, encodeTcvn3, encodeVni, encodeWindows1258, bytesToByteString,
  stringToByteString, windows1252View, type LegacyEncoding,
} from './convert.ts';
