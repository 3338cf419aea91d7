/**
 * Word segmentation: which adjacent syllables form one word ("chuyển đổi số" → chuyển_đổi số).
 *
 * The search engine does not depend on it — it matches word-level units through adjacent-syllable
 * bigrams, which need no model — but a segmenter gives the observatory real words and phrases and
 * lets us measure how well word boundaries can be learned.
 *
 * Method: every gap between two syllables is a yes/no decision (join or split), made by an
 * averaged perceptron (Collins 2002) over features of the two syllables and their neighbours:
 * the syllables themselves, their bigrams and trigrams, letter-case shapes (names are
 * capitalised runs), and whether the pair or triple is a multi-syllable word of the training
 * lexicon. Features are hashed into a fixed weight vector, so memory does not grow with the data.
 *
 * The model is learned from gold-segmented text that the user supplies (we ship no training
 * data); bench/segment-eval.ts trains on the UD Vietnamese-VTB training set and reports word F1
 * on its dev set.
 */
import { forEachToken } from './tokenize.ts';

const BITS = 20;
const SIZE = 1 << BITS;
const MASK = SIZE - 1;

/** FNV-1a over the UTF-16 code units of a feature string. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & MASK;
}

function shape(s: string | undefined): string {
  if (s === undefined) return '_';
  const c = s.charAt(0);
  if (/\p{Nd}/u.test(c)) return 'D';
  if (!/\p{L}/u.test(c)) return 'P';
  if (c === c.toLowerCase()) return 'l';
  return s.length > 1 && s === s.toUpperCase() ? 'A' : 'U';
}

/** A sentence as syllables (as written) for training and decoding. */
export type Syllables = string[];

export interface SegmenterModel {
  weights: Float32Array;
  lexicon: Set<string>;
}

export class WordSegmenter {
  private readonly weights: Float32Array;
  private readonly lexicon: Set<string>;

  private constructor(model: SegmenterModel) {
    this.weights = model.weights;
    this.lexicon = model.lexicon;
  }

  /** Feature hashes of the gap after syllable `i` of `s` (lower-cased forms in `low`). */
  private static features(s: Syllables, low: string[], i: number, lexicon: Set<string>): number[] {
    const p = low[i - 1] ?? '<s>';
    const a = low[i];
    const b = low[i + 1];
    const c = low[i + 2] ?? '</s>';
    const f = [
      'bias', 'a' + a, 'b' + b, 'ab' + a + ' ' + b, 'pa' + p + ' ' + a, 'bc' + b + ' ' + c,
      'p' + p, 'c' + c, 'pab' + p + ' ' + a + ' ' + b, 'abc' + a + ' ' + b + ' ' + c,
      'sh' + shape(s[i - 1]) + shape(s[i]) + shape(s[i + 1]) + shape(s[i + 2]),
      'shab' + shape(s[i]) + shape(s[i + 1]),
    ];
    if (lexicon.has(a + ' ' + b)) f.push('L2');
    if (lexicon.has(p + ' ' + a + ' ' + b)) f.push('L3p');
    if (lexicon.has(a + ' ' + b + ' ' + c)) f.push('L3c');
    if (lexicon.has(p + ' ' + a)) f.push('Lpa');
    if (lexicon.has(b + ' ' + c)) f.push('Lbc');
    if (lexicon.has(p + ' ' + a) && lexicon.has(a + ' ' + b)) f.push('Lboth');
    const shp = shape(s[i]) + shape(s[i + 1]);
    if (shp === 'UU') f.push('UU' + (lexicon.has(a + ' ' + b) ? '1' : '0'));
    return f.map(hash);
  }

  /**
   * Learn from gold sentences, each a list of words, each word a list of syllables.
   * `epochs` passes of the averaged perceptron in a fixed order (deterministic).
   */
  static train(sentences: string[][][], epochs = 8): WordSegmenter {
    const lexiconOf = (sents: string[][][]) => {
      const lex = new Set<string>();
      for (const sent of sents) for (const w of sent) if (w.length > 1) lex.add(w.map((x) => x.toLowerCase()).join(' '));
      return lex;
    };
    const lexicon = lexiconOf(sentences);
    // Jackknifed lexicons: a training sentence sees only the words of the other folds, so the
    // lexicon features are as reliable in training as on unseen text (otherwise the model learns
    // to trust the lexicon blindly and fails on words it has not met).
    const FOLDS = 5;
    const foldLexicons = Array.from({ length: FOLDS }, (_, k) => lexiconOf(sentences.filter((_s, i) => i % FOLDS !== k)));
    const w = new Float32Array(SIZE);
    const total = new Float64Array(SIZE); // running sums for averaging (lazy update)
    const stamp = new Uint32Array(SIZE);
    let t = 1;
    const prepared = sentences.map((sent, idx) => {
      const syl: string[] = [];
      const join: boolean[] = [];
      for (const word of sent) {
        word.forEach((x, k) => {
          if (syl.length > 0) join.push(k > 0);
          syl.push(x);
        });
      }
      return { syl, low: syl.map((x) => x.toLowerCase()), join, lex: foldLexicons[idx % FOLDS] };
    });
    for (let e = 0; e < epochs; e++) {
      for (const { syl, low, join, lex } of prepared) {
        for (let i = 0; i < join.length; i++) {
          const fs = WordSegmenter.features(syl, low, i, lex);
          let score = 0;
          for (const h of fs) score += w[h];
          const gold = join[i] ? 1 : -1;
          if (score * gold <= 0) {
            for (const h of fs) {
              total[h] += (t - stamp[h]) * w[h];
              stamp[h] = t;
              w[h] += gold;
            }
          }
          t++;
        }
      }
    }
    const avg = new Float32Array(SIZE);
    for (let h = 0; h < SIZE; h++) {
      const sum = total[h] + (t - stamp[h]) * w[h];
      avg[h] = sum / t;
    }
    return new WordSegmenter({ weights: avg, lexicon });
  }

  /** For each gap between consecutive syllables: true when they belong to one word. */
  joins(syllables: Syllables): boolean[] {
    const low = syllables.map((x) => x.toLowerCase());
    const out: boolean[] = [];
    for (let i = 0; i + 1 < syllables.length; i++) {
      let score = 0;
      for (const h of WordSegmenter.features(syllables, low, i, this.lexicon)) score += this.weights[h];
      out.push(score > 0);
    }
    return out;
  }

  /** Group syllables into words. */
  segmentSyllables(syllables: Syllables): string[][] {
    if (syllables.length === 0) return [];
    const j = this.joins(syllables);
    const words: string[][] = [[syllables[0]]];
    for (let i = 1; i < syllables.length; i++) {
      if (j[i - 1]) words[words.length - 1].push(syllables[i]);
      else words.push([syllables[i]]);
    }
    return words;
  }

  /**
   * Segment running text: tokens from the tokenizer, never joined across punctuation.
   * Returns the words as written, syllables joined by one space, with their offsets.
   */
  segment(text: string): Array<{ text: string; start: number; end: number }> {
    const out: Array<{ text: string; start: number; end: number }> = [];
    let run: Array<{ start: number; end: number }> = [];
    const flush = () => {
      if (run.length === 0) return;
      const words = this.segmentSyllables(run.map((r) => text.slice(r.start, r.end)));
      let k = 0;
      for (const w of words) {
        const first = run[k];
        const last = run[k + w.length - 1];
        out.push({ text: w.join(' '), start: first.start, end: last.end });
        k += w.length;
      }
      run = [];
    };
    forEachToken(text, (_n, _f, start, end, type, gap) => {
      if (gap || type !== 'word') flush();
      if (type === 'word') run.push({ start, end });
      else out.push({ text: text.slice(start, end), start, end });
    });
    flush();
    return out;
  }

  /** Serialise: lexicon lines, then the non-zero weights as (index, value) pairs. */
  toBuffer(): Uint8Array {
    const lex = Buffer.from([...this.lexicon].join('\n'), 'utf8');
    let nz = 0;
    for (let h = 0; h < SIZE; h++) if (this.weights[h] !== 0) nz++;
    const buf = Buffer.alloc(12 + lex.length + nz * 8);
    buf.write('TRWS', 0, 'ascii');
    buf.writeUInt32LE(lex.length, 4);
    buf.writeUInt32LE(nz, 8);
    lex.copy(buf, 12);
    let o = 12 + lex.length;
    for (let h = 0; h < SIZE; h++) {
      if (this.weights[h] !== 0) {
        buf.writeUInt32LE(h, o);
        buf.writeFloatLE(this.weights[h], o + 4);
        o += 8;
      }
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  }

  static fromBuffer(b: Uint8Array): WordSegmenter {
    const buf = Buffer.from(b.buffer, b.byteOffset, b.length);
    if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'TRWS') throw new Error('not a Tra word-segmentation model (bad magic)');
    const lexLen = buf.readUInt32LE(4);
    const nz = buf.readUInt32LE(8);
    if (buf.length !== 12 + lexLen + nz * 8) throw new Error('damaged word-segmentation model (wrong length)');
    const lexText = buf.toString('utf8', 12, 12 + lexLen);
    const lexicon = new Set(lexText ? lexText.split('\n') : []);
    const weights = new Float32Array(SIZE);
    let o = 12 + lexLen;
    for (let k = 0; k < nz; k++, o += 8) weights[buf.readUInt32LE(o) & MASK] = buf.readFloatLE(o + 4);
    return new WordSegmenter({ weights, lexicon });
  }
}

/** Word-level precision, recall and F1 of predicted against gold segmentations of the same syllables. */
export function segmentationScore(gold: string[][][], predicted: string[][][]): { precision: number; recall: number; f1: number } {
  let tp = 0;
  let g = 0;
  let p = 0;
  const spans = (sent: string[][]) => {
    const set = new Set<string>();
    let k = 0;
    for (const w of sent) {
      set.add(`${k}:${k + w.length}`);
      k += w.length;
    }
    return set;
  };
  for (let i = 0; i < gold.length; i++) {
    const a = spans(gold[i]);
    const b = spans(predicted[i]);
    g += a.size;
    p += b.size;
    for (const s of b) if (a.has(s)) tp++;
  }
  const precision = p ? tp / p : 0;
  const recall = g ? tp / g : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}
