/**
 * Word segmentation evaluation: train the averaged-perceptron segmenter (src/vi/segment.ts) on
 * gold data and report word-level precision/recall/F1 on UD Vietnamese-VTB dev.
 *
 *   npx node bench/segment-eval.ts [--with-vlsp] [--epochs N]
 *
 * Training: ../shared/data/wordseg/vi_vtb-ud-train.conllu (1,400 sentences); with --with-vlsp
 * also Train_gold.txt (2,995 lines, words joined by "_"). Evaluation: vi_vtb-ud-dev.conllu
 * (1,123 sentences), gold syllables given (the task is boundaries, not tokenisation).
 * Anchor: RDRsegmenter reports 97.9 F1 on VLSP 2013 (a different, larger test set).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WordSegmenter, segmentationScore } from '../src/vi/segment.ts';

const DATA = fileURLToPath(new URL('../../shared/data/wordseg/', import.meta.url));

/** CoNLL-U → sentences of words of syllables (a FORM with spaces is one multi-syllable word). */
function readConllu(file: string): string[][][] {
  const out: string[][][] = [];
  let cur: string[][] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('#')) continue;
    if (!line.trim()) {
      if (cur.length) out.push(cur);
      cur = [];
      continue;
    }
    const cols = line.split('\t');
    if (!/^\d+$/.test(cols[0])) continue; // multiword ranges and empty nodes
    cur.push(cols[1].normalize('NFC').split(' ').filter(Boolean));
  }
  if (cur.length) out.push(cur);
  return out;
}

function readUnderscore(file: string): string[][][] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.normalize('NFC').trim())
    .filter((l) => l && !/^\d{4}\/\d\d\/\d\d/.test(l))
    .map((l) => l.split(/\s+/).map((w) => w.split('_').filter(Boolean)));
}

const args = process.argv.slice(2);
const withVlsp = args.includes('--with-vlsp');
const ei = args.indexOf('--epochs');
const epochs = ei >= 0 ? Number(args[ei + 1]) : 8;

if (!existsSync(DATA + 'vi_vtb-ud-dev.conllu')) {
  process.stdout.write(`segment-eval: skipped, ${DATA} is absent\n`);
} else {
  let train = readConllu(DATA + 'vi_vtb-ud-train.conllu');
  if (withVlsp) train = train.concat(readUnderscore(DATA + 'Train_gold.txt'));
  const dev = readConllu(DATA + 'vi_vtb-ud-dev.conllu');
  const t0 = performance.now();
  const model = WordSegmenter.train(train, epochs);
  const trainMs = performance.now() - t0;
  const t1 = performance.now();
  const pred = dev.map((s) => model.segmentSyllables(s.flat()));
  const segMs = performance.now() - t1;
  const syllables = dev.reduce((n, s) => n + s.flat().length, 0);
  // Baselines for context: every syllable a word, and the longest-match against the training lexicon.
  const singles = dev.map((s) => s.flat().map((x) => [x]));
  const score = segmentationScore(dev, pred);
  const base = segmentationScore(dev, singles);
  const summary = {
    task: 'word-segmentation', train: withVlsp ? 'vtb-train+vlsp-train_gold' : 'vtb-train', train_sentences: train.length,
    dev_sentences: dev.length, epochs, precision: +score.precision.toFixed(4), recall: +score.recall.toFixed(4),
    f1: +score.f1.toFixed(4), f1_all_single_syllables: +base.f1.toFixed(4), train_ms: Math.round(trainMs),
    syllables_per_s: Math.round(syllables / (segMs / 1000)), model_bytes: model.toBuffer().length,
  };
  process.stdout.write(JSON.stringify(summary) + '\n');
  process.stdout.write(`word F1 on UD-VTB dev: ${(100 * score.f1).toFixed(2)} (P ${(100 * score.precision).toFixed(2)}, R ${(100 * score.recall).toFixed(2)}); every syllable a word: ${(100 * base.f1).toFixed(2)}\n`);
}
