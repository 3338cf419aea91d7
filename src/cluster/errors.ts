/**
 * An error of cluster mode that the operator can fix (schema missing, a lease lost, a blob key
 * refused): its message is one line saying what was wrong and what to do. The CLI shows it as
 * such; anything else is a bug.
 */
export class ClusterError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClusterError';
  }
}

/**
 * A fenced write was refused: the lease it was made under has expired or was taken by another
 * worker (a higher epoch). The work done under it must be dropped, not retried as is.
 */
export class LeaseLost extends ClusterError {
  constructor(what: string) {
    super(`${what}: hợp đồng thuê (lease) đã hết hạn hoặc đã bị tiến trình khác nhận — bỏ kết quả này (lease lost)`);
    this.name = 'LeaseLost';
  }
}

/**
 * The one line to show the operator for an error of cluster mode (a ClusterError, or PostgreSQL
 * unreachable, refusing the login, missing the database or the schema); undefined for a bug.
 * `describePg` is connect.ts's describePgError (passed in so this file imports nothing).
 */
export function describeClusterError(e: unknown, describePg: (e: unknown) => string | undefined): string | undefined {
  if (e instanceof ClusterError) return e.message;
  return describePg(e);
}
