/**
 * `tra decode [--from auto|tcvn3|vni|windows-1258|utf-8] [--json] [FILE|-]`: convert a file in a
 * legacy Vietnamese encoding (TCVN3/ABC, VNI, windows-1258) to NFC Unicode. HTML files are read
 * with their declared charset; anything else (and HTML declaring latin-1) by its text.
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { decodeText, normalizeEncodingLabel } from '../../vi/legacy/index.ts';
import { UserError } from '../errors.ts';

const CHOICES = ['auto', 'tcvn3', 'vni', 'windows-1258', 'utf-8'];

async function readInput(file: string): Promise<Uint8Array> {
  if (file === '-') {
    if (process.stdin.isTTY) {
      throw new UserError('không có gì để đọc: hãy đưa tên tệp, hoặc chuyển dữ liệu vào đầu vào chuẩn (ví dụ: tra decode - < bai.txt)');
    }
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  }
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`không tìm thấy tệp "${file}": hãy kiểm tra lại đường dẫn`);
    if (code === 'EISDIR') throw new UserError(`"${file}" là một thư mục, không phải tệp: hãy đưa tên một tệp`);
    if (code === 'EACCES') throw new UserError(`không có quyền đọc tệp "${file}"`);
    throw err;
  }
}

export function register(program: Command): void {
  program
    .command('decode')
    .description('chuyển văn bản mã cũ (TCVN3/ABC, VNI, windows-1258) sang Unicode NFC; tự nhận biết bảng mã')
    .argument('[file]', 'tệp cần chuyển, hoặc "-" để đọc từ đầu vào chuẩn', '-')
    .option('--from <encoding>', `bảng mã của tệp: ${CHOICES.join(', ')}`, 'auto')
    .option('--json', 'in kết quả dạng JSON: {"encoding", "confidence", "text"}')
    .action(async (file: string, opts: { from: string; json?: boolean }) => {
      const from = opts.from.trim().toLowerCase();
      if (from !== 'auto' && !normalizeEncodingLabel(from)) {
        throw new UserError(`không biết bảng mã "${opts.from}": hãy dùng --from với một trong ${CHOICES.join(', ')}`);
      }
      const bytes = await readInput(file);
      // For bytes, detection also reads an HTML page's own <meta charset> (as the archive does).
      const result = decodeText(bytes, from);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ encoding: result.encoding, confidence: result.confidence, text: result.text }) + '\n');
        return;
      }
      process.stdout.write(result.text);
    });
}
