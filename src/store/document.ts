/**
 * A document as it enters Tra: the "Documents in" record of ../shared/CONTRACT.md. The archive
 * produces it, the store keeps it exactly as given, the engine indexes it. One definition, so
 * every stage agrees on the shape.
 */
export interface DocInput {
  id: string;
  title?: string;
  summary?: string;
  text?: string;
  url?: string;
  published?: string;
  source?: string;
  category?: string;
  [extra: string]: unknown;
}
