/**
 * Synchronous answers between threads: a thread that must not return to its event loop (the
 * engine opening a segment, a catch-up whose API is synchronous) posts a request, then blocks on
 * a shared flag with `Atomics.wait` until the other thread has posted its answer and changed the
 * flag, and takes the answer with `receiveMessageOnPort`. Used by src/server/shared-files.ts and
 * src/observe/prepare-workers.ts.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/** The answering side: call after posting an answer on the port, so the waiting thread wakes. */
export function signalPosted(flag: Int32Array): void {
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
}

/** The next message on `port`, waiting on `flag` until `until` (ms since the epoch); undefined when none came by then. */
export function receiveBefore(port: MessagePort, flag: Int32Array, until: number): { message: unknown } | undefined {
  for (;;) {
    // The flag is read before looking for a message: a message arriving in between changes it,
    // so the wait below returns at once instead of sleeping.
    const seen = Atomics.load(flag, 0);
    const m = receiveMessageOnPort(port);
    if (m) return m;
    const left = until - Date.now();
    if (left <= 0) return undefined;
    Atomics.wait(flag, 0, seen, Math.min(left, 1000));
  }
}
