/**
 * `tra segment`: word segmentation with a model learned from gold data the user supplies.
 *
 *   tra segment --train GOLD... --model FILE      learn a model (CoNLL-U, or one sentence per
 *                                                 line with words joined by "_")
 *   tra segment --model FILE [--json] TEXT        segment a text
 */
import type { Command } from 'commander';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { WordSegmenter } from '../../vi/segment.ts';
import { UserError } from '../errors.ts';

/** Read gold sentences from CoNLL-U (FORM with spaces = one word) or "_"-joined lines. */
function readGold(file: string): string[][][] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').normalize('NFC');
  } catch {
    throw new UserError(`không đọc được tệp dữ liệu mẫu "${file}": hãy kiểm tra đường dẫn`);
  }
  const lines = text.split('\n');
  const conllu = lines.some((l) => /^\d+\t/.test(l));
  const out: string[][][] = [];
  if (conllu) {
    let cur: string[][] = [];
    for (const line of lines) {
      if (!line.trim()) {
        if (cur.length) out.push(cur);
        cur = [];
      } else if (!line.startsWith('#')) {
        const cols = line.split('\t');
        if (/^\d+$/.test(cols[0]) && cols[1]) cur.push(cols[1].split(' ').filter(Boolean));
      }
    }
    if (cur.length) out.push(cur);
  } else {
    for (const l of lines) if (l.trim()) out.push(l.trim().split(/\s+/).map((w) => w.split('_').filter(Boolean)));
  }
  if (out.length === 0) throw new UserError(`tệp "${file}" không có câu nào đã tách từ: cần CoNLL-U hoặc mỗi dòng một câu, các âm tiết của một từ nối bằng "_"`);
  return out;
}

export function register(program: Command): void {
  program
    .command('segment')
    .description('tách từ tiếng Việt bằng mô hình học từ dữ liệu mẫu (averaged perceptron)')
    .argument('[text...]', 'văn bản cần tách từ')
    .requiredOption('--model <file>', 'tệp mô hình (đọc, hoặc ghi khi có --train)')
    .option('--train <files...>', 'học mô hình từ các tệp đã tách từ chuẩn (CoNLL-U hoặc từ nối bằng "_")')
    .option('--epochs <n>', 'số vòng học', '8')
    .option('--json', 'in kết quả dạng JSON')
    .action((words: string[], opts: { model: string; train?: string[]; epochs: string; json?: boolean }) => {
      if (opts.train) {
        const sentences = opts.train.flatMap(readGold);
        const epochs = Number(opts.epochs);
        if (!Number.isInteger(epochs) || epochs < 1) throw new UserError('--epochs phải là số nguyên dương');
        const model = WordSegmenter.train(sentences, epochs);
        const tmp = opts.model + '.tmp';
        writeFileSync(tmp, model.toBuffer());
        renameSync(tmp, opts.model);
        process.stdout.write(JSON.stringify({ sentences: sentences.length, model: opts.model }) + '\n');
        return;
      }
      if (words.length === 0) throw new UserError('thiếu văn bản: tra segment --model TỆP "văn bản"');
      let model: WordSegmenter;
      try {
        model = WordSegmenter.fromBuffer(readFileSync(opts.model));
      } catch (err) {
        throw new UserError(`không mở được mô hình "${opts.model}" (${(err as Error).message}): hãy học lại bằng tra segment --train`);
      }
      const result = model.segment(words.join(' '));
      if (opts.json) process.stdout.write(JSON.stringify({ words: result }) + '\n');
      else process.stdout.write(result.map((w) => w.text.replace(/ /g, '_')).join(' ') + '\n');
    });
}
