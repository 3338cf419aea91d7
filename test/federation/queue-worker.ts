/**
 * A child process for the queue's multi-process tests: listens on a SqliteMessageQueue file and
 * prints one line per message (`got {json}`). A message with `hang: true` is never finished, so
 * the parent can kill this process in the middle of handling it.
 *
 *   node queue-worker.ts FILE LEASE_MS
 */
import { SqliteMessageQueue } from '../../src/social/federation/message-queue.ts';

const [file, leaseMs] = process.argv.slice(2);
const q = new SqliteMessageQueue(file, { leaseMs: Number(leaseMs), pollIntervalMs: 50 });
process.stdout.write('ready\n');
await q.listen(async (m: { hang?: boolean }) => {
  process.stdout.write(`got ${JSON.stringify(m)}\n`);
  if (m.hang) await new Promise(() => {});
});
