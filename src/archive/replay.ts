/**
 * Reading one captured record back from a WARC file by its offset and length (as stored in
 * `captures` and in the CDXJ index): used to re-read an unchanged feed after a 304, by export, and
 * by anything that wants to show the page as it was.
 */
import fs from 'node:fs';
import { readWarcRecords } from './warc-reader.ts';

export interface StoredRecord {
  type: string;
  url?: string;
  date?: string;
  status?: number;
  httpHeaders: Array<[string, string]>;
  /** Payload as captured (content-encoding kept). */
  payload: Uint8Array;
}

/** The raw bytes of one record (a complete gzip member for our files). */
export function readRecordBytes(file: string, offset: number, length: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const n = fs.readSync(fd, buf, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    if (got < length) throw new Error(`${file}: bản ghi tại ${offset} bị cụt (${got}/${length} byte)`);
    return buf;
  } finally {
    fs.closeSync(fd);
  }
}

/** The record at `offset` (its `length` bytes only), read with our WARC reader; payload as captured. */
export async function readRecordAt(file: string, offset: number, length: number): Promise<StoredRecord> {
  const size = fs.statSync(file).size;
  if (offset + length > size) throw new Error(`${file}: bản ghi tại ${offset} bị cụt (tệp dài ${size} byte, cần ${offset + length})`);
  const problems: string[] = [];
  for await (const record of readWarcRecords(file, { range: { offset, length }, onBad: (l) => problems.push(l) })) {
    return {
      type: record.type,
      url: record.url,
      date: record.date,
      status: record.status,
      httpHeaders: record.httpHeaders,
      payload: record.payload,
    };
  }
  throw new Error(problems[0] ?? `${file}: không có bản ghi WARC tại vị trí ${offset}`);
}
