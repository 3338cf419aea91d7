/** `tra analyze [--json] TEXT`: show what the engine sees of a text (contract: ../shared/CONTRACT.md). */
import type { Command } from 'commander';
import { analyze } from '../../vi/index.ts';

export function register(program: Command): void {
  program
    .command('analyze')
    .description('phân tích một đoạn văn bản như máy tìm kiếm thấy: dạng chuẩn, dạng bỏ dấu, các âm tiết và vị trí')
    .argument('<text...>', 'văn bản cần phân tích')
    .option('--json', 'in kết quả dạng JSON')
    .action((words: string[], opts: { json?: boolean }) => {
      const text = words.join(' ');
      const a = analyze(text);
      if (opts.json) {
        process.stdout.write(JSON.stringify(a) + '\n');
        return;
      }
      const out: string[] = [];
      out.push(`chuẩn hoá : ${a.normalized}`);
      out.push(`bỏ dấu    : ${a.folded}`);
      out.push(`từ tố (${a.tokens.length}):`);
      for (const t of a.tokens) {
        out.push(`  [${t.start}-${t.end}] ${JSON.stringify(t.text)} → ${t.norm} / ${t.folded}${t.type === 'word' ? '' : ` (${t.type})`}`);
      }
      process.stdout.write(out.join('\n') + '\n');
    });
}
