import { trainLinearSvm, type LinearSvmOptions } from './linear-svm.trainer';
import { float32ToBase64, int16ToBase64 } from './sparse';
import type { LabelledText, Prediction, TextClassifier } from './text-classifier';
import { TfidfVectorizer, type FeatureBlockOptions, type FittedBlock } from './tfidf.vectorizer';

export interface TfidfLinearOptions {
  blocks: FeatureBlockOptions[];
  /** Value of the constant bias feature (0 = no bias). */
  bias: number;
  svm: LinearSvmOptions;
  /** Confidence = softmax(score × scale) over the labels' SVM scores. */
  confidenceScale: number;
}

export const defaultTfidfLinearOptions: TfidfLinearOptions = {
  blocks: [
    { kind: 'word', minN: 1, maxN: 2, minDf: 1, weight: 1 },
    { kind: 'char', minN: 2, maxN: 5, minDf: 2, weight: 1 },
  ],
  bias: 1,
  svm: { C: 0.5, tolerance: 0.1, maxEpochs: 50, seed: 42 },
  confidenceScale: 5,
};

export const tfidfLinearKind = 'tfidf-linear';

/**
 * The JSON-safe form. idf values are little-endian float32 in base64; the weights are
 * little-endian int16 in base64, each standing for `value × weightScale`.
 */
export interface SerializedTfidfLinear {
  kind: typeof tfidfLinearKind;
  version: 1;
  labels: string[];
  bias: number;
  confidenceScale: number;
  blocks: Array<FeatureBlockOptions & { terms: string[]; idf: string }>;
  weightScale: number;
  /** Feature-major: weights[feature * labels.length + label]. */
  weights: string;
}

/**
 * Quantises weights to int16 with one scale for the whole matrix: half the memory and stored
 * size of float32, with a step of max|w| / 32767 — far below what changes a prediction.
 */
export function quantizeWeights(weights: Float32Array): { weights: Int16Array; scale: number } {
  let max = 0;
  for (const w of weights) if (Math.abs(w) > max) max = Math.abs(w);
  const scale = max > 0 ? max / 32767 : 1;
  const out = new Int16Array(weights.length);
  for (let i = 0; i < weights.length; i++) out[i] = Math.round(weights[i] / scale);
  return { weights: out, scale };
}

/** TF-IDF word and character n-grams with one-vs-rest linear SVMs. */
export class TfidfLinearClassifier implements TextClassifier {
  readonly kind = tfidfLinearKind;

  constructor(
    readonly labels: readonly string[],
    private readonly vectorizer: TfidfVectorizer,
    /** Quantised; the real weight is `weights[i] × weightScale`. */
    private readonly weights: Int16Array,
    private readonly weightScale: number,
    private readonly confidenceScale: number,
  ) {
    if (weights.length !== vectorizer.dimension * labels.length) {
      throw new RangeError(
        `weights hold ${weights.length} values; ${vectorizer.dimension} features × ${labels.length} labels expected`,
      );
    }
  }

  /** Raw decision scores, one per label (in `labels` order). */
  scores(text: string): Float64Array {
    const classes = this.labels.length;
    const scores = new Float64Array(classes);
    const { indices, values } = this.vectorizer.transform(text);
    for (let k = 0; k < indices.length; k++) {
      const base = indices[k] * classes;
      const v = values[k];
      for (let c = 0; c < classes; c++) scores[c] += v * this.weights[base + c];
    }
    for (let c = 0; c < classes; c++) scores[c] *= this.weightScale;
    return scores;
  }

  predict(text: string, topK = 3): Prediction {
    const scores = this.scores(text);
    let max = -Infinity;
    for (const s of scores) if (s > max) max = s;
    const probabilities = new Float64Array(scores.length);
    let sum = 0;
    for (let c = 0; c < scores.length; c++) {
      probabilities[c] = Math.exp((scores[c] - max) * this.confidenceScale);
      sum += probabilities[c];
    }
    // Ties go to the label listed first, so predictions are deterministic.
    const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
    const candidates = order
      .slice(0, Math.max(1, topK))
      .map((c) => ({ label: this.labels[c], confidence: probabilities[c] / sum }));
    return { label: candidates[0].label, confidence: candidates[0].confidence, candidates };
  }

  serialize(): SerializedTfidfLinear {
    return {
      kind: tfidfLinearKind,
      version: 1,
      labels: [...this.labels],
      bias: this.vectorizer.bias,
      confidenceScale: this.confidenceScale,
      blocks: this.vectorizer.blocks.map((b) => ({
        ...b.options,
        terms: b.terms,
        idf: float32ToBase64(b.idf),
      })),
      weightScale: this.weightScale,
      weights: int16ToBase64(this.weights),
    };
  }

  static fromParts(
    labels: readonly string[],
    blocks: readonly FittedBlock[],
    bias: number,
    weights: Int16Array,
    weightScale: number,
    confidenceScale: number,
  ): TfidfLinearClassifier {
    return new TfidfLinearClassifier(
      labels,
      new TfidfVectorizer(blocks, bias),
      weights,
      weightScale,
      confidenceScale,
    );
  }
}

/** Fits the vectorizer and the SVMs. Needs at least two distinct labels. */
export function trainTfidfLinear(
  examples: readonly LabelledText[],
  options: TfidfLinearOptions = defaultTfidfLinearOptions,
): TfidfLinearClassifier {
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  if (labels.length < 2) throw new RangeError('training needs examples of at least two labels');
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const { vectorizer, matrix } = TfidfVectorizer.fit(
    examples.map((e) => e.text),
    options.blocks,
    options.bias,
  );
  const y = Int32Array.from(examples, (e) => labelIndex.get(e.label) ?? -1);
  const { weights, scale } = quantizeWeights(trainLinearSvm(matrix, y, labels.length, options.svm));
  return new TfidfLinearClassifier(labels, vectorizer, weights, scale, options.confidenceScale);
}
