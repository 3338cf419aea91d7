/** A full disk or quota: ENOSPC, EDQUOT, or SQLite's "database or disk is full" (SQLITE_FULL). */
export function isDiskFull(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException | undefined;
  return Boolean(err && (err.code === 'ENOSPC' || err.code === 'EDQUOT' || /SQLITE_FULL|database or disk is full/i.test(String(err.message))));
}

/** The code to name in a message: ENOSPC/EDQUOT, or SQLITE_FULL. */
export function diskFullCode(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' ? code : 'SQLITE_FULL';
}
