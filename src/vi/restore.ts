/**
 * Accent restoration: "chuyen doi so" → "chuyển đổi số".
 *
 * People often type Vietnamese without marks. Every syllable typed that way is the folded form
 * of one of a handful of real syllables (duong: đường, dương, dướng …), and the right one
 * depends on its neighbours (con đường, đại dương). We learn syllable unigram and bigram counts
 * from a corpus (the search engine gives us the counts of its term dictionaries) and pick the
 * most probable sequence of syllables with the Viterbi algorithm over a smoothed bigram model
 * (restore/ngram-model.ts), each phrase scored between boundary tokens so that how phrases
 * start and end counts too (restore/tables.ts derives those from the counts' margins). With
 * trigram counts, a beam search over pairs of candidates does the same (restore/beam.ts).
 *
 * Measured by bench/restore-eval.ts (trained on 153,825 RSS headlines and summaries, tested on
 * Dân Trí articles with every mark stripped): 95.0% of syllables right from unigram and bigram
 * counts, 96.0% with trigrams; the most frequent spelling alone gets 70.4%.
 *
 * The text is otherwise left exactly as typed:
 *
 * - tokenisation is the engine's own (forEachToken), so syllable boundaries agree with search;
 * - only Vietnamese syllables are restored; numbers, URLs, foreign words, abbreviations and any
 *   folded form the corpus never saw stay as typed;
 * - a syllable that already carries marks is kept as typed and used as fixed evidence for its
 *   neighbours ("duong hầm" knows the second syllable is hầm);
 * - spacing, punctuation and capitalisation are kept ("HA NOI" → "HÀ NỘI"); punctuation also
 *   ends the context, because the counts have no bigrams across it.
 */
import { forEachToken, type TokenType } from './tokenize.ts';
import { beamDecode } from './restore/beam.ts';
import { fold } from './fold.ts';
import { applyCase } from './restore/case.ts';
import { NgramModel, DEFAULT_MODEL, type ModelOptions } from './restore/ngram-model.ts';
import { buildTables, contextKey, decodeTables, encodeTables, BOUNDARY, DEFAULT_PRUNE, UNK, type CountTables, type PruneOptions } from './restore/tables.ts';

export type { ModelOptions, PruneOptions, CountTables };

export interface RestorerOptions {
  /** Trigram counts ("a b c" keys of `norm` forms), when the caller has them. */
  trigrams?: Iterable<[string, number]>;
  prune?: Partial<PruneOptions>;
  model?: Partial<ModelOptions>;
}

export interface TrainOptions {
  /** Count trigrams too (more accurate, larger model; the engine's counts stop at bigrams). */
  trigrams?: boolean;
  prune?: Partial<PruneOptions>;
  model?: Partial<ModelOptions>;
}

/** One token of the input as the restorer sees it. */
interface Slot {
  start: number;
  end: number;
  /**
   * Candidate ids: the spellings of a syllable typed without marks, or the one fixed id of
   * anything else that is context (a syllable typed with marks, a number, another word).
   * Null for tokens that are not context (URLs, hashtags …): they end the phrase.
   */
  cands: Int32Array | null;
  /** True when the typed form may be replaced (it had no marks). */
  free: boolean;
  /** True when this slot does not continue the previous slot's phrase. */
  breakBefore: boolean;
}

const EMPTY: Int32Array = new Int32Array(0);

/** One token of `restoreTokens`. */
export interface RestoredToken {
  /** UTF-16 offsets into the text as given, as the tokenizer reports them. */
  start: number;
  end: number;
  /** The token as typed. */
  text: string;
  /** What `restore` writes for it (the typed text when it is kept). */
  restored: string;
  /** Candidate spellings (`norm` forms) with posterior probabilities, best first; empty when kept as typed. */
  alternatives: Array<{ norm: string; p: number }>;
}

/** log Σ exp(f(i)) for i < n, without overflow. */
function logSumExp(n: number, f: (i: number) => number): number {
  let max = -Infinity;
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    v[i] = f(i);
    if (v[i] > max) max = v[i];
  }
  if (max === -Infinity) return max;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(v[i] - max);
  return max + Math.log(sum);
}

export class AccentRestorer {
  private readonly model: NgramModel;
  private readonly tables: CountTables;
  private readonly idOf = new Map<string, number>();
  /** Folded form → syllable ids, most frequent first. */
  private readonly byFolded: Map<string, Int32Array>;
  private readonly unkId: number;
  private readonly boundaryId: number;

  private constructor(tables: CountTables, opts: ModelOptions) {
    this.tables = tables;
    this.model = new NgramModel(tables, opts);
    for (let i = 0; i < tables.norms.length; i++) this.idOf.set(tables.norms[i], i);
    this.byFolded = tables.groups;
    this.unkId = this.idOf.get(UNK) ?? -1;
    this.boundaryId = this.idOf.get(BOUNDARY) ?? -1;
  }

  /**
   * Build from collection frequencies: keys are tokenizer `norm` forms, a bigram key is
   * "a b" (one space). Anything that is not a Vietnamese syllable is context only; tiny counts
   * are pruned (see restore/tables.ts). `options.trigrams` ("a b c" keys) adds a trigram layer;
   * `prune` and `model` are for evaluation and tuning.
   */
  static fromCounts(unigrams: Iterable<[string, number]>, bigrams: Iterable<[string, number]>, options: RestorerOptions = {}): AccentRestorer {
    const tables = buildTables(unigrams, bigrams, fold, { ...DEFAULT_PRUNE, ...options.prune }, options.trigrams);
    return new AccentRestorer(tables, { ...DEFAULT_MODEL, ...options.model });
  }

  /**
   * Count the n-grams of `texts` with the engine's tokenizer (no n-gram across punctuation, a
   * `gap`) and build a restorer from them: unigrams and bigrams like the engine's counts, and
   * trigrams too with `{ trigrams: true }`.
   */
  static train(texts: Iterable<string>, options: TrainOptions = {}): AccentRestorer {
    const counter = new NgramCounter({ trigrams: options.trigrams === true });
    for (const t of texts) counter.add(t);
    return AccentRestorer.fromCounts(counter.unigrams, counter.bigrams, {
      prune: options.prune,
      model: options.model,
      trigrams: options.trigrams === true ? counter.trigrams : undefined,
    });
  }

  /** Compact binary form (the engine caches it on disk). */
  toBuffer(): Uint8Array {
    return encodeTables(this.tables);
  }

  static fromBuffer(b: Uint8Array, model: Partial<ModelOptions> = {}): AccentRestorer {
    return new AccentRestorer(decodeTables(b), { ...DEFAULT_MODEL, ...model });
  }

  /** Entries kept in the model (for reports): vocabulary, bigrams and trigrams. */
  get size(): { syllables: number; bigrams: number; trigrams: number } {
    return { syllables: this.tables.norms.length, bigrams: this.tables.bigrams.ids.length, trigrams: this.tables.trigrams?.ids.length ?? 0 };
  }

  /** Candidates for one folded syllable, most frequent first (for "did you mean" and query expansion). */
  candidates(folded: string): Array<{ norm: string; count: number }> {
    const g = this.byFolded.get(fold(folded.normalize('NFC')));
    if (!g) return [];
    return Array.from(g, (i) => ({ norm: this.tables.norms[i], count: this.tables.counts[i] }));
  }

  /** The restored text: same tokens, spacing, punctuation and capitalisation, marks added. */
  restore(text: string): string {
    const slots = this.slots(text);
    if (slots.length === 0) return text;
    const choice = this.decode(slots);
    // Splice the chosen syllables in, keeping everything between tokens verbatim.
    let out = '';
    let pos = 0;
    for (let i = 0; i < slots.length; i++) {
      const sl = slots[i];
      if (!sl.free || choice[i] < 0) continue;
      const typed = text.slice(sl.start, sl.end);
      const norm = this.tables.norms[choice[i]];
      if (norm === typed) continue;
      out += text.slice(pos, sl.start) + applyCase(typed, norm);
      pos = sl.end;
    }
    return pos === 0 ? text : out + text.slice(pos);
  }

  /**
   * Token by token, what `restore` chose and how sure the model is: for each syllable typed
   * without marks, every candidate spelling with its posterior probability given the whole
   * phrase (forward–backward over the bigram model, also when the model has trigrams). Meant
   * for query expansion and "did you mean": a search can add the alternatives that keep a real
   * share of the probability. One entry per tokenizer token, in order; tokens kept as typed
   * have no alternatives.
   */
  restoreTokens(text: string): RestoredToken[] {
    const slots = this.slots(text);
    const choice = this.decode(slots);
    const post = this.posteriors(slots);
    return slots.map((sl, i) => {
      const typed = text.slice(sl.start, sl.end);
      if (!sl.free || choice[i] < 0) return { start: sl.start, end: sl.end, text: typed, restored: typed, alternatives: [] };
      const cands = sl.cands ?? EMPTY;
      const p = post[i];
      const alternatives = Array.from(cands, (id, k) => ({ norm: this.tables.norms[id], p: p[k] })).sort((a, b) => b.p - a.p);
      return { start: sl.start, end: sl.end, text: typed, restored: applyCase(typed, this.tables.norms[choice[i]]), alternatives };
    });
  }

  /** Runs of consecutive slots that form one phrase: [start, end) pairs. */
  private phrases(slots: Slot[]): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let s = 0;
    while (s < slots.length) {
      if (!slots[s].cands) {
        s++;
        continue;
      }
      let e = s + 1;
      while (e < slots.length && slots[e].cands && !slots[e].breakBefore) e++;
      out.push([s, e]);
      s = e;
    }
    return out;
  }

  /** The best candidate of every slot (-1 where there is none), phrase by phrase. */
  private decode(slots: Slot[]): Int32Array {
    const choice = new Int32Array(slots.length).fill(-1);
    const bnd = this.boundaryId;
    for (const [s, e] of this.phrases(slots)) {
      if (this.model.hasTrigrams && bnd >= 0) beamDecode(this.model, slots, s, e, bnd, choice);
      else this.viterbi(slots, s, e, choice);
    }
    return choice;
  }

  /** Posterior probability of each candidate of each slot (forward–backward in log space). */
  private posteriors(slots: Slot[]): Float64Array[] {
    const m = this.model;
    const bnd = this.boundaryId;
    const post: Float64Array[] = slots.map((sl) => new Float64Array(sl.cands?.length ?? 0));
    for (const [s, e] of this.phrases(slots)) {
      const n = e - s;
      const cand = (t: number): Int32Array => slots[s + t].cands ?? EMPTY;
      const alpha: Float64Array[] = [];
      alpha.push(Float64Array.from(cand(0), (id) => (bnd >= 0 ? m.logProb(bnd, id) : m.logUnigram[id])));
      for (let t = 1; t < n; t++) {
        const prev = cand(t - 1);
        const a = alpha[t - 1];
        alpha.push(Float64Array.from(cand(t), (id) => logSumExp(prev.length, (j) => a[j] + m.logProb(prev[j], id))));
      }
      const beta: Float64Array[] = new Array<Float64Array>(n);
      beta[n - 1] = Float64Array.from(cand(n - 1), (id) => (bnd >= 0 ? m.logProb(id, bnd) : 0));
      for (let t = n - 2; t >= 0; t--) {
        const next = cand(t + 1);
        const b = beta[t + 1];
        beta[t] = Float64Array.from(cand(t), (id) => logSumExp(next.length, (k) => m.logProb(id, next[k]) + b[k]));
      }
      for (let t = 0; t < n; t++) {
        const z = logSumExp(alpha[t].length, (k) => alpha[t][k] + beta[t][k]);
        const p = post[s + t];
        for (let k = 0; k < p.length; k++) p[k] = Math.exp(alpha[t][k] + beta[t][k] - z);
      }
    }
    return post;
  }

  /** Tokenise and attach candidates. */
  private slots(text: string): Slot[] {
    const slots: Slot[] = [];
    forEachToken(text, (norm: string, folded: string, start: number, end: number, type: TokenType, gap: boolean) => {
      let cands: Int32Array | null = null;
      let free = false;
      const key = contextKey(norm);
      if (key !== null) {
        const g = type === 'word' && norm === folded ? this.byFolded.get(folded) : undefined;
        if (g) {
          // Typed without marks, and the corpus knows spellings for it: restore.
          cands = g;
          free = true;
        } else {
          // Typed with marks, a number, another word or an unseen syllable: kept as typed, and
          // fixed evidence for its neighbours.
          const id = this.idOf.get(key) ?? this.unkId;
          if (id >= 0) cands = Int32Array.of(id);
        }
      }
      slots.push({ start, end, cands, free, breakBefore: gap });
    });
    return slots;
  }

  /** Best candidate sequence for slots[s..e) into `choice`. */
  private viterbi(slots: Slot[], s: number, e: number, choice: Int32Array): void {
    const m = this.model;
    const n = e - s;
    let prev = slots[s].cands ?? EMPTY;
    // The phrase is scored between two boundary tokens (<s> w1 … wn <s>), so how phrases
    // start and end counts too; a model without the boundary falls back to the unigram.
    const bnd = this.boundaryId;
    let score = Float64Array.from(prev, (id) => (bnd >= 0 ? m.logProb(bnd, id) : m.logUnigram[id]));
    const back: Int32Array[] = [EMPTY];
    for (let t = 1; t < n; t++) {
      const cur = slots[s + t].cands ?? EMPTY;
      const next = new Float64Array(cur.length);
      const bp = new Int32Array(cur.length);
      for (let k = 0; k < cur.length; k++) {
        let best = -Infinity;
        let arg = 0;
        for (let j = 0; j < prev.length; j++) {
          const v = score[j] + m.logProb(prev[j], cur[k]);
          if (v > best) {
            best = v;
            arg = j;
          }
        }
        next[k] = best;
        bp[k] = arg;
      }
      back.push(bp);
      score = next;
      prev = cur;
    }
    if (bnd >= 0) for (let j = 0; j < score.length; j++) score[j] += m.logProb(prev[j], bnd);
    let k = 0;
    for (let j = 1; j < score.length; j++) if (score[j] > score[k]) k = j;
    for (let t = n - 1; t >= 0; t--) {
      choice[s + t] = (slots[s + t].cands ?? EMPTY)[k];
      if (t > 0) k = back[t][k];
    }
  }
}

/**
 * N-gram counter over texts with the engine's tokenizer, keyed by `norm` like the engine's term
 * dictionaries (the tables map them to context classes when built). Words and numbers form
 * phrases; punctuation (a `gap`) and other tokens (URLs, hashtags …) end them.
 */
export class NgramCounter {
  readonly unigrams = new Map<string, number>();
  readonly bigrams = new Map<string, number>();
  readonly trigrams = new Map<string, number>();
  private readonly withTrigrams: boolean;

  constructor(options: { trigrams?: boolean } = {}) {
    this.withTrigrams = options.trigrams === true;
  }

  add(text: string): void {
    let prev: string | null = null;
    let prev2: string | null = null;
    forEachToken(text, (norm: string, _folded: string, _start: number, _end: number, type: TokenType, gap: boolean) => {
      if ((type !== 'word' && type !== 'number') || gap) {
        prev = prev2 = null;
        if (type !== 'word' && type !== 'number') return;
      }
      this.unigrams.set(norm, (this.unigrams.get(norm) ?? 0) + 1);
      if (prev !== null) {
        const key = prev + ' ' + norm;
        this.bigrams.set(key, (this.bigrams.get(key) ?? 0) + 1);
        if (prev2 !== null && this.withTrigrams) {
          const k3 = prev2 + ' ' + key;
          this.trigrams.set(k3, (this.trigrams.get(k3) ?? 0) + 1);
        }
      }
      prev2 = prev;
      prev = norm;
    });
  }
}
