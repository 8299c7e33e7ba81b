import { performance } from 'node:perf_hooks';
import { SeededRandom } from './random';
import type { LabelledText, TextClassifier } from './text-classifier';

/** Share of predictions equal to the truth (0 when there is nothing to compare). */
export function accuracy(truth: readonly string[], predicted: readonly string[]): number {
  assertSameLength(truth, predicted);
  if (truth.length === 0) return 0;
  let hits = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) hits++;
  return hits / truth.length;
}

/**
 * Unweighted mean of the per-label F1 scores over every label that occurs in the truth or the
 * predictions (a label never predicted and never true does not count; one with no hits scores 0).
 */
export function macroF1(truth: readonly string[], predicted: readonly string[]): number {
  assertSameLength(truth, predicted);
  const stats = new Map<string, { tp: number; fp: number; fn: number }>();
  const get = (label: string) => {
    let s = stats.get(label);
    if (!s) stats.set(label, (s = { tp: 0, fp: 0, fn: 0 }));
    return s;
  };
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] === predicted[i]) get(truth[i]).tp++;
    else {
      get(truth[i]).fn++;
      get(predicted[i]).fp++;
    }
  }
  if (stats.size === 0) return 0;
  let sum = 0;
  for (const { tp, fp, fn } of stats.values()) sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  return sum / stats.size;
}

function assertSameLength(a: readonly string[], b: readonly string[]): void {
  if (a.length !== b.length)
    throw new RangeError(`length mismatch: ${a.length} truths, ${b.length} predictions`);
}

/**
 * Splits example indices into `k` folds of near-equal size that keep each label's share
 * (stratified), after a seeded shuffle; each fold is the test set once.
 */
export function stratifiedFolds(labels: readonly string[], k: number, seed = 42): number[][] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError('k must be an integer ≥ 2');
  if (k > labels.length) throw new RangeError(`cannot make ${k} folds of ${labels.length} examples`);
  const random = new SeededRandom(seed);
  const byLabel = new Map<string, number[]>();
  labels.forEach((label, i) => {
    const list = byLabel.get(label);
    if (list) list.push(i);
    else byLabel.set(label, [i]);
  });
  const folds: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const label of [...byLabel.keys()].sort()) {
    const indices = random.shuffle(byLabel.get(label) ?? []);
    // Deal each label round-robin, continuing where the previous label stopped, so fold sizes stay even.
    for (const i of indices) {
      folds[next].push(i);
      next = (next + 1) % k;
    }
  }
  return folds.map((f) => f.sort((a, b) => a - b));
}

export interface EvaluationResult {
  accuracy: number;
  macroF1: number;
  trainMs: number;
  predictMs: number;
  /** Size of the serialised model as JSON, in bytes. */
  modelBytes: number;
  trainSize: number;
  testSize: number;
}

/** Trains on `train`, predicts `test`, and measures. */
export function evaluateSplit(
  train: readonly LabelledText[],
  test: readonly LabelledText[],
  trainer: (examples: LabelledText[]) => TextClassifier,
): EvaluationResult {
  const t0 = performance.now();
  const classifier = trainer([...train]);
  const trainMs = performance.now() - t0;
  const t1 = performance.now();
  const predicted = test.map((e) => classifier.predict(e.text).label);
  const predictMs = performance.now() - t1;
  const truth = test.map((e) => e.label);
  return {
    accuracy: accuracy(truth, predicted),
    macroF1: macroF1(truth, predicted),
    trainMs,
    predictMs,
    modelBytes: Buffer.byteLength(JSON.stringify(classifier.serialize())),
    trainSize: train.length,
    testSize: test.length,
  };
}

/** k-fold stratified cross-validation; one result per fold, in fold order. */
export function crossValidate(
  examples: readonly LabelledText[],
  k: number,
  trainer: (examples: LabelledText[]) => TextClassifier,
  seed = 42,
  onFold?: (fold: number, result: EvaluationResult) => void,
): EvaluationResult[] {
  const folds = stratifiedFolds(
    examples.map((e) => e.label),
    k,
    seed,
  );
  return folds.map((testIndices, fold) => {
    const inTest = new Set(testIndices);
    const train = examples.filter((_, i) => !inTest.has(i));
    const test = testIndices.map((i) => examples[i]);
    const result = evaluateSplit(train, test, trainer);
    onFold?.(fold, result);
    return result;
  });
}

/** Mean and (population) standard deviation. */
export function meanAndSpread(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: 0, std: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}
