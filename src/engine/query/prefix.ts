/**
 * A prefix (`chuyển đ*`): the union of the most frequent terms that start with it, chosen once
 * per query across all segments (so every segment matches the same expansions).
 */
import { OrNode } from './or.ts';
import { TermNode } from './term.ts';

export class PrefixNode extends OrNode {
  override readonly kind = 'prefix' as const;
  readonly text: string;
  constructor(expansions: string[], text: string) {
    super(expansions.map((k) => new TermNode(k)));
    this.text = text;
  }
  override toString(): string {
    return `${this.text}*`;
  }
}
