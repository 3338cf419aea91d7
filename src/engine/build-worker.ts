/**
 * Worker thread that analyses documents and builds segments (./builder.ts), so that on a
 * multi-core machine analysis runs beside JSON parsing, compression and SQLite writes on the
 * main thread. It flushes a segment itself when its budget is reached (./flush-policy.ts), and
 * goes on with the batches that queued meanwhile. A batch comes as documents, or tokenised by
 * the main thread when this worker has a backlog (./token-stream.ts). Protocol
 * (./parallel-builder.ts):
 *   {type: 'add', seqs, docs, tokens?, deletes} → {type: 'ack', unresolved, starved}
 *                                        then, on a flush, {type: 'built', bytes, deleted, coveredSeq}
 *   {type: 'finish'}                   → {type: 'built', bytes (empty if nothing), deleted}
 * Segment bytes are transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SegmentBuilder } from './builder.ts';
import { FlushPolicy } from './flush-policy.ts';
import { TokenDict, type EncodedBatch } from './token-stream.ts';

interface AddMsg {
  type: 'add';
  seqs: number[];
  /** The documents' analysed fields; or, tokenised on the main thread, their other fields and tokens. */
  docs: Record<string, unknown>[];
  tokens?: EncodedBatch;
  deletes: number[];
}
type Msg = AddMsg | { type: 'finish' };

const { flushBytes, lag } = workerData as { flushBytes: number; lag: number };
let builder = new SegmentBuilder();
const dict = new TokenDict();
const policy = new FlushPolicy(flushBytes, lag);
const port = parentPort!;

function postBuilt(coveredSeq: number | undefined): void {
  const { bytes, deleted } = builder.docCount > 0 ? builder.build() : { bytes: new Uint8Array(0), deleted: [] as number[] };
  builder = new SegmentBuilder();
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  port.postMessage({ type: 'built', bytes: own, deleted, coveredSeq }, [own.buffer as ArrayBuffer]);
}

/** When the worker finished its last batch (0: none yet): a gap before the next is idle time. */
let doneAt = 0;

port.on('message', (m: Msg) => {
  try {
    if (m.type === 'add') {
      const starved = doneAt > 0 && performance.now() - doneAt > 1;
      if (m.tokens) {
        dict.take(m.tokens);
        const toks = m.tokens.toks;
        let at = 0;
        for (let i = 0; i < m.seqs.length; i++) at = builder.addTokens(m.seqs[i], m.docs[i], toks, at, dict);
      } else for (let i = 0; i < m.seqs.length; i++) builder.add(m.seqs[i], m.docs[i]);
      const unresolved = m.deletes.filter((s) => !builder.deleteSeq(s));
      port.postMessage({ type: 'ack', unresolved, starved });
      if (m.seqs.length && policy.afterBatch(builder.memoryBytes())) postBuilt(m.seqs[m.seqs.length - 1]);
      doneAt = performance.now();
    } else if (m.type === 'finish') {
      postBuilt(undefined);
    }
  } catch (e) {
    port.postMessage({ type: 'error', message: (e as Error).stack ?? String(e) });
  }
});
