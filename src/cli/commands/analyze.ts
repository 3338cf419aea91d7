/**
 * `tra analyze [--json] [--legacy] TEXT`: show what the engine sees of a text
 * (contract: ../shared/CONTRACT.md).
 *
 * With `--legacy`, TEXT is first checked for a legacy encoding seen through a Western code page
 * (TCVN3 "ViÖt Nam", VNI "Vieät Nam") and converted to Unicode; the output then also carries
 * `encoding` and `converted`, and token offsets index the converted text (the legacy string has
 * no meaningful offsets of its own). Without it, TEXT is taken as Unicode, exactly as the
 * contract says.
 */
import type { Command } from 'commander';
import { analyze } from '../../vi/index.ts';
import { decodeText } from '../../vi/legacy/index.ts';
import type { TokenType } from '../../vi/index.ts';

/** What a token other than a plain word is, in the text output (the JSON keeps the contract's `type`). */
export const TOKEN_KIND: Record<TokenType, string> = {
  word: 'từ',
  number: 'số',
  abbr: 'viết tắt',
  email: 'thư điện tử',
  url: 'địa chỉ web',
  hashtag: 'hashtag',
  mention: 'nhắc tên',
};

export function register(program: Command): void {
  program
    .command('analyze')
    .description('phân tích một đoạn văn bản như máy tìm kiếm thấy: dạng chuẩn, dạng bỏ dấu, các âm tiết và vị trí')
    .argument('<text...>', 'văn bản cần phân tích')
    .option('--json', 'in kết quả dạng JSON')
    .option('--legacy', 'nhận biết và chuyển văn bản mã cũ (TCVN3/ABC, VNI, windows-1258) sang Unicode trước khi phân tích')
    .addHelpText('after', '\nVí dụ:\n  tra analyze "Hoà bình ở TP.HCM ngày 12/2025"\n  tra analyze --json "chuyen doi so"\n  tra analyze --legacy "ViÖt Nam"')
    .action((words: string[], opts: { json?: boolean; legacy?: boolean }) => {
      let text = words.join(' ');
      let encoding: string | undefined;
      if (opts.legacy) {
        const d = decodeText(text, 'auto');
        encoding = d.encoding;
        if (d.text !== text) text = d.text;
      }
      const a = analyze(text);
      if (opts.json) {
        const out = encoding ? { ...a, encoding, converted: text } : a;
        process.stdout.write(JSON.stringify(out) + '\n');
        return;
      }
      const out: string[] = [];
      if (encoding) out.push(`bảng mã   : ${encoding} → ${text}`);
      out.push(`chuẩn hoá : ${a.normalized}`);
      out.push(`bỏ dấu    : ${a.folded}`);
      out.push(`từ tố (${a.tokens.length}):`);
      for (const t of a.tokens) {
        out.push(`  [${t.start}-${t.end}] ${JSON.stringify(t.text)} → ${t.norm} / ${t.folded}${t.type === 'word' ? '' : ` (${TOKEN_KIND[t.type] ?? t.type})`}`);
      }
      process.stdout.write(out.join('\n') + '\n');
    });
}
