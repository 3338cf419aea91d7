/**
 * Worker thread that analyses documents and builds a segment (./builder.ts), so that on a
 * multi-core machine analysis runs beside JSON parsing, compression and SQLite writes on the
 * main thread. Protocol (./parallel-builder.ts):
 *   {type: 'add', seqs, docs, deletes} → {type: 'ack', mem}
 *   {type: 'build'}                    → {type: 'built', bytes (transferred), deleted}
 */
import { parentPort } from 'node:worker_threads';
import { SegmentBuilder } from './builder.ts';

interface AddMsg {
  type: 'add';
  seqs: number[];
  docs: Record<string, unknown>[];
  deletes: number[];
}
type Msg = AddMsg | { type: 'build' };

let builder = new SegmentBuilder();
const port = parentPort!;
port.on('message', (m: Msg) => {
  try {
    if (m.type === 'add') {
      for (let i = 0; i < m.seqs.length; i++) builder.add(m.seqs[i], m.docs[i]);
      for (const s of m.deletes) builder.deleteSeq(s);
      port.postMessage({ type: 'ack', mem: builder.memoryBytes(), docs: builder.docCount });
    } else if (m.type === 'build') {
      const { bytes, deleted } = builder.docCount > 0 ? builder.build() : { bytes: new Uint8Array(0), deleted: [] as number[] };
      builder = new SegmentBuilder();
      const copy = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
      port.postMessage({ type: 'built', bytes: copy, deleted }, [copy.buffer as ArrayBuffer]);
    }
  } catch (e) {
    port.postMessage({ type: 'error', message: (e as Error).stack ?? String(e) });
  }
});
