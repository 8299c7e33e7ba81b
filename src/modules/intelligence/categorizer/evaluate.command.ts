import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { resolveTrainOptions, trainClassifier } from './categorizer';
import { parseLabelledCsv } from './csv';
import { crossValidate, evaluateSplit, meanAndSpread, type EvaluationResult } from './evaluate';

export const evaluateCommandHelp =
  'categorizer:evaluate --train <csv> [--test <csv> | --folds <k>] [--seed <n>] [--c <C>] ' +
  '— measures the local categoriser (CSV columns: text,category; default: 5-fold cross-validation)';

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const size = (bytes: number) =>
  bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * `categorizer:evaluate`: trains on one CSV and predicts another, or cross-validates one CSV.
 * Needs no database, Redis or environment. Writes its report through `print`.
 */
export async function runEvaluateCommand(args: string[], print: (line: string) => void): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      train: { type: 'string' },
      test: { type: 'string' },
      folds: { type: 'string' },
      seed: { type: 'string' },
      c: { type: 'string' },
    },
  });
  if (!values.train) throw new Error('--train <csv> is required');
  if (values.test && values.folds) throw new Error('give either --test or --folds, not both');
  const folds = values.folds === undefined ? 5 : Number(values.folds);
  if (!Number.isInteger(folds) || folds < 2) throw new Error('--folds must be an integer ≥ 2');
  const seed = values.seed === undefined ? 42 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const C = values.c === undefined ? undefined : Number(values.c);
  if (C !== undefined && !(C > 0)) throw new Error('--c must be a positive number');

  const options = resolveTrainOptions({ svm: { seed, ...(C === undefined ? {} : { C }) } });
  const train = parseLabelledCsv(await readFile(values.train, 'utf8'));
  const labels = new Set(train.map((e) => e.label));
  print(`model: TF-IDF + one-vs-rest linear SVM (dual coordinate descent)`);
  print(`parameters: ${JSON.stringify(options)}`);
  print(`train: ${values.train} — ${train.length} texts, ${labels.size} labels`);

  const trainer = (examples: Parameters<typeof trainClassifier>[0]) => trainClassifier(examples, options);
  const line = (name: string, r: EvaluationResult) =>
    `${name}: accuracy ${pct(r.accuracy)}, macro-F1 ${pct(r.macroF1)}, ` +
    `train ${secs(r.trainMs)} (${r.trainSize} texts), predict ${secs(r.predictMs)} (${r.testSize} texts), ` +
    `model ${size(r.modelBytes)}`;

  if (values.test) {
    const test = parseLabelledCsv(await readFile(values.test, 'utf8'));
    print(`test: ${values.test} — ${test.length} texts`);
    print(line('result', evaluateSplit(train, test, trainer)));
    return;
  }

  print(`${folds}-fold stratified cross-validation (seed ${seed})`);
  const results = crossValidate(train, folds, trainer, seed, (fold, r) => print(line(`fold ${fold + 1}`, r)));
  const acc = meanAndSpread(results.map((r) => r.accuracy));
  const f1 = meanAndSpread(results.map((r) => r.macroF1));
  const time = meanAndSpread(results.map((r) => r.trainMs));
  print(
    `mean: accuracy ${pct(acc.mean)} ± ${pct(acc.std)}, macro-F1 ${pct(f1.mean)} ± ${pct(f1.std)}, ` +
      `train ${secs(time.mean)} per fold (max ${secs(Math.max(...results.map((r) => r.trainMs)))}), ` +
      `model ${size(Math.max(...results.map((r) => r.modelBytes)))}, ` +
      `peak RSS ${size(process.resourceUsage().maxRSS * 1024)}`,
  );
}
