/**
 * Errors meant for the person at the terminal. A `UserError` carries a message that says what was
 * wrong and what to do next; the CLI prints it as one line on stderr and exits non-zero, without a
 * stack trace. Anything else is a bug and is printed with its stack.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}
