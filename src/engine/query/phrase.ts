/**
 * A phrase: its syllables (exact when typed with marks, folded otherwise) and every adjacent
 * pair of them (folded word pairs). The index has no positions, so "adjacent" means each
 * consecutive pair occurs side by side somewhere in the document: exact for two syllables,
 * and for longer phrases nearly always the phrase itself (docs/ENGINE.md, "Known limits").
 */
import { AndNode } from './and.ts';
import { TermNode } from './term.ts';

export class PhraseNode extends AndNode {
  override readonly kind = 'phrase' as const;
  readonly text: string;
  constructor(keys: string[], text: string) {
    super(keys.map((k) => new TermNode(k)));
    this.text = text;
  }
  override toString(): string {
    return `"${this.text}"`;
  }
}
