/**
 * Tokens of documents as integers, so that tokenising can run on one thread and the rest of
 * analysis (./builder.ts) on another: the worker that builds segments gets a batch either as
 * documents or, when it has a backlog, already tokenised by the main thread
 * (./parallel-builder.ts), which balances the two cores whatever the documents look like.
 *
 * Encoding of one document: for each field of FIELDS in order, its token count, then per token
 * `id << 1 | gap`, where `id` numbers distinct matching forms (`norm`) in order of first
 * appearance. The (norm, folded) pair of each new id travels with the batch that first uses it;
 * the receiver appends them to its dictionary (`TokenDict`) in order. The numbering restarts
 * (`reset`) once it holds `limit` forms, so memory stays bounded on any corpus.
 *
 * The builder treats a token exactly as if it had come from the tokenizer itself (same norm,
 * same folded form, same gap flag, same count per field), so segments are the same bytes either
 * way.
 */
import { forEachToken } from '../vi/index.ts';
import type { Forms } from '../vi/tokenize.ts';
import { FIELDS, NFIELDS } from './fields.ts';

/** A batch of documents, tokenised. */
export interface EncodedBatch {
  toks: Int32Array;
  /** Forms first used in this batch: ids continue from the receiver's dictionary size. */
  norms: string[];
  folds: string[];
  /** The dictionary restarts at 0 with this batch. */
  reset: boolean;
}

/** The receiving side's dictionary: id → (norm, folded). */
export class TokenDict {
  norms: string[] = [];
  folds: string[] = [];
  /** Changes at every reset, so that consumers can drop ids they memoised. */
  epoch = 0;

  take(b: EncodedBatch): void {
    if (b.reset) {
      this.norms = [];
      this.folds = [];
      this.epoch++;
    }
    for (let i = 0; i < b.norms.length; i++) {
      this.norms.push(b.norms[i]);
      this.folds.push(b.folds[i]);
    }
  }
}

export class TokenEncoder {
  private readonly limit: number;
  /** Memo owner on the tokenizer's forms objects; a new one at each reset. */
  private owner: object = {};
  private ids = new Map<string, number>();
  private norms: string[] = [];
  private folds: string[] = [];
  private reset = false;
  private buf = new Int32Array(1 << 16);
  private pos = 0;
  private count = 0;

  constructor(limit = 1 << 18) {
    this.limit = limit;
  }

  private readonly sink = (norm: string, folded: string, _s: number, _e: number, _type: string, gap: boolean, forms?: Forms): void => {
    let id: number;
    if (forms !== undefined && forms.owner === this.owner) id = forms.id;
    else {
      let x = this.ids.get(norm);
      if (x === undefined) {
        x = this.ids.size;
        this.ids.set(norm, x);
        this.norms.push(norm);
        this.folds.push(folded);
      }
      id = x;
      if (forms !== undefined) {
        forms.owner = this.owner;
        forms.id = id;
      }
    }
    if (this.pos === this.buf.length) this.grow();
    this.buf[this.pos++] = gap ? (id << 1) | 1 : id << 1;
    this.count++;
  };

  private grow(): void {
    const b = new Int32Array(this.buf.length * 2);
    b.set(this.buf);
    this.buf = b;
  }

  /** Tokenise the indexed fields of `docs`. */
  encode(docs: Record<string, unknown>[]): EncodedBatch {
    if (this.ids.size >= this.limit) {
      this.ids.clear();
      this.owner = {};
      this.reset = true;
    }
    this.pos = 0;
    for (const d of docs) {
      for (let f = 0; f < NFIELDS; f++) {
        if (this.pos === this.buf.length) this.grow();
        const at = this.pos++;
        this.count = 0;
        const v = d[FIELDS[f]];
        if (typeof v === 'string' && v !== '') forEachToken(v, this.sink);
        this.buf[at] = this.count;
      }
    }
    const out: EncodedBatch = { toks: this.buf.slice(0, this.pos), norms: this.norms, folds: this.folds, reset: this.reset };
    this.norms = [];
    this.folds = [];
    this.reset = false;
    return out;
  }
}
