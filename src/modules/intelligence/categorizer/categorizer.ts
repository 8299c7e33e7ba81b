import { ClassifierTrainingError, InvalidClassifierError } from './categorizer.errors';
import { SerializedClassifierSchema, type SerializedClassifier } from './categorizer.schemas';
import { KeywordClassifier, keywordClassifier, type KeywordRule } from './keyword.classifier';
import type { LinearSvmOptions } from './linear-svm.trainer';
import { base64ToFloat32, base64ToInt16 } from './sparse';
import type { LabelledText, TextClassifier } from './text-classifier';
import {
  defaultTfidfLinearOptions,
  TfidfLinearClassifier,
  trainTfidfLinear,
  type TfidfLinearOptions,
} from './tfidf-linear.classifier';
import type { FittedBlock } from './tfidf.vectorizer';

export type TrainOptions = Partial<Omit<TfidfLinearOptions, 'svm'>> & { svm?: Partial<LinearSvmOptions> };

export function resolveTrainOptions(options: TrainOptions = {}): TfidfLinearOptions {
  return {
    ...defaultTfidfLinearOptions,
    ...options,
    svm: { ...defaultTfidfLinearOptions.svm, ...options.svm },
  };
}

function clean(examples: readonly LabelledText[]): LabelledText[] {
  return examples
    .map((e) => ({ text: e.text.trim(), label: e.label.trim() }))
    .filter((e) => e.text.length > 0 && e.label.length > 0);
}

/**
 * Trains the TF-IDF (word 1–2-grams + character 2–5-grams) linear-SVM classifier. Deterministic
 * for the same examples in the same order and the same options (the seed is in `options.svm`).
 */
export function trainClassifier(examples: readonly LabelledText[], options?: TrainOptions): TextClassifier {
  const usable = clean(examples);
  if (new Set(usable.map((e) => e.label)).size < 2) {
    throw new ClassifierTrainingError('training needs non-empty examples of at least two labels');
  }
  return trainTfidfLinear(usable, resolveTrainOptions(options));
}

export interface ChooseOptions {
  /** Labels with enough examples needed to train (default 2). */
  minLabels?: number;
  training?: TrainOptions;
  keywordRules?: readonly KeywordRule[];
  fallbackLabel?: string;
}

/**
 * Trains on the labels that have at least `minExamples` examples when there are at least
 * `minLabels` of them (rarer labels are left out: a handful of examples teaches noise);
 * otherwise answers with the keyword rules.
 */
export function chooseClassifier(
  examples: readonly LabelledText[],
  minExamples = 5,
  options: ChooseOptions = {},
): TextClassifier {
  const usable = clean(examples);
  const counts = new Map<string, number>();
  for (const e of usable) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
  const eligible = new Set([...counts].filter(([, n]) => n >= minExamples).map(([l]) => l));
  if (eligible.size >= Math.max(2, options.minLabels ?? 2)) {
    return trainClassifier(
      usable.filter((e) => eligible.has(e.label)),
      options.training,
    );
  }
  return keywordClassifier(options.keywordRules, options.fallbackLabel);
}

/** Rebuilds a classifier from `serialize()` output; anything else is rejected with the reasons. */
export function loadClassifier(serialized: unknown): TextClassifier {
  const parsed = SerializedClassifierSchema.safeParse(serialized);
  if (!parsed.success) {
    throw new InvalidClassifierError(
      parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`),
    );
  }
  const model: SerializedClassifier = parsed.data;
  if (model.kind === 'keywords') {
    try {
      return new KeywordClassifier(model.rules, model.fallbackLabel);
    } catch (err) {
      throw new InvalidClassifierError([(err as Error).message]);
    }
  }

  const problems: string[] = [];
  const decode = <T>(what: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const blocks: FittedBlock[] = [];
  model.blocks.forEach((b, i) => {
    const idf = decode(`blocks.${i}.idf`, () => base64ToFloat32(b.idf));
    if (!idf) return;
    if (idf.length !== b.terms.length) {
      problems.push(`blocks.${i}.idf: ${idf.length} values for ${b.terms.length} terms`);
    } else if (!idf.every(Number.isFinite)) {
      problems.push(`blocks.${i}.idf: values must be finite`);
    }
    const { terms, idf: _idf, ...options } = b;
    blocks.push({ options, terms, idf });
  });
  const weights = decode('weights', () => base64ToInt16(model.weights));
  const features = model.blocks.reduce((n, b) => n + b.terms.length, 0) + 1;
  if (weights && weights.length !== features * model.labels.length) {
    problems.push(
      `weights: ${weights.length} values; ${features} features × ${model.labels.length} labels expected`,
    );
  }
  if (problems.length > 0 || !weights) throw new InvalidClassifierError(problems);
  return TfidfLinearClassifier.fromParts(
    model.labels,
    blocks,
    model.bias,
    weights,
    model.weightScale,
    model.confidenceScale,
  );
}
