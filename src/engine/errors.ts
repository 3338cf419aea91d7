/**
 * Errors the engine raises about its input or its data directory (not bugs): callers such as
 * the CLI show the message as is. The message says what was wrong and what to do next.
 */
export class EngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
  }
}
