/**
 * Reading one captured record back from a WARC file by its offset and length (as stored in
 * `captures` and in the CDXJ index): used to re-read an unchanged feed after a 304, by export, and
 * by anything that wants to show the page as it was.
 */
import fs from 'node:fs';
import { WARCParser } from 'warcio';

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

export async function readRecordAt(file: string, offset: number, length: number): Promise<StoredRecord> {
  const bytes = readRecordBytes(file, offset, length);
  const parser = new WARCParser([bytes], { keepHeadersCase: true });
  const record = await parser.parse();
  if (!record) throw new Error(`${file}: không có bản ghi WARC tại vị trí ${offset}`);
  const payload = await record.readFully(false);
  const httpHeaders: Array<[string, string]> = [];
  if (record.httpHeaders) for (const [k, v] of record.httpHeaders.headers as Iterable<[string, string]>) httpHeaders.push([k, v]);
  return {
    type: record.warcType ?? '',
    url: record.warcTargetURI ?? undefined,
    date: record.warcDate ?? undefined,
    status: record.httpHeaders?.statusCode ? Number(record.httpHeaders.statusCode) : undefined,
    httpHeaders,
    payload,
  };
}
