/** The Vietnamese language core: one import for the rest of Tra. */
export { cleanText, normalizeForMatch, canonicalWord } from './normalize.ts';
export { fold, hasDiacritics } from './fold.ts';
export { parseSyllable, canonicalSyllable, composeSyllable, toneIndex, type SyllableParts } from './syllable.ts';
export { tokenize, forEachToken, formsOf, type Token, type TokenType, type TokenSink } from './tokenize.ts';
export { analyze, type Analysis, type AnalyzedToken } from './analyze.ts';
export { WordSegmenter, segmentationScore } from './segment.ts';
export { detectEncoding, decodeText, decodeHtml, type Detection, type Decoded, type EncodingName } from './legacy/index.ts';
export { AccentRestorer, NgramCounter } from './restore.ts';
