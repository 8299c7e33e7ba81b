import { packRows, type SparseMatrix, type SparseVector } from './sparse';
import { charNgrams, normalizeText, wordNgrams, wordTokens } from './tokenizer';

// Bound once: global lookups are slow inside vm contexts (Jest), and these run per term.
const { log, sqrt } = Math;

/** One family of terms, weighted TF-IDF and L2-normalised on its own before the blocks are joined. */
export interface FeatureBlockOptions {
  kind: 'word' | 'char';
  minN: number;
  maxN: number;
  /** Terms seen in fewer training texts than this are dropped (keeps the model small). */
  minDf: number;
  /** The block's share of the joined vector (its L2 norm). */
  weight: number;
}

export interface FittedBlock {
  options: FeatureBlockOptions;
  /** Feature id (within the block) → term. */
  terms: string[];
  idf: Float32Array;
}

function blockTerms(options: FeatureBlockOptions, tokens: readonly string[]): string[] {
  const out: string[] = [];
  if (options.kind === 'word') wordNgrams(tokens, options.minN, options.maxN, out);
  else charNgrams(tokens, options.minN, options.maxN, out);
  return out;
}

/**
 * TF-IDF over several term blocks: sublinear tf (1 + ln tf), smoothed idf
 * (ln((1 + n) / (1 + df)) + 1), each block L2-normalised and scaled by its weight, plus a
 * constant bias feature as the last column.
 */
export class TfidfVectorizer {
  private readonly vocabularies: Array<Map<string, number>>;
  private readonly offsets: number[];
  readonly dimension: number;

  constructor(
    readonly blocks: readonly FittedBlock[],
    readonly bias: number,
  ) {
    this.vocabularies = blocks.map((b) => new Map(b.terms.map((t, i) => [t, i])));
    this.offsets = [];
    let offset = 0;
    for (const b of blocks) {
      this.offsets.push(offset);
      offset += b.terms.length;
    }
    this.dimension = offset + 1;
  }

  /** Learns the vocabularies and idf weights from `texts`; returns the vectorizer and their vectors. */
  static fit(
    texts: readonly string[],
    blocks: readonly FeatureBlockOptions[],
    bias: number,
  ): { vectorizer: TfidfVectorizer; matrix: SparseMatrix } {
    const tokens = texts.map((t) => wordTokens(normalizeText(t)));
    const fitted: FittedBlock[] = blocks.map((options) => {
      const df = new Map<string, number>();
      for (const docTokens of tokens) {
        for (const term of new Set(blockTerms(options, docTokens))) df.set(term, (df.get(term) ?? 0) + 1);
      }
      const terms: string[] = [];
      const idf: number[] = [];
      const n = texts.length;
      for (const [term, count] of df) {
        if (count < options.minDf) continue;
        terms.push(term);
        idf.push(log((1 + n) / (1 + count)) + 1);
      }
      return { options, terms, idf: Float32Array.from(idf) };
    });
    const vectorizer = new TfidfVectorizer(fitted, bias);
    const rows = tokens.map((t) => vectorizer.vectorizeTokens(t));
    return { vectorizer, matrix: packRows(rows, vectorizer.dimension) };
  }

  transform(text: string): SparseVector {
    return this.vectorizeTokens(wordTokens(normalizeText(text)));
  }

  private vectorizeTokens(tokens: readonly string[]): SparseVector {
    const indices: number[] = [];
    const values: number[] = [];
    this.blocks.forEach((block, b) => {
      const vocabulary = this.vocabularies[b];
      const counts = new Map<number, number>();
      for (const term of blockTerms(block.options, tokens)) {
        const id = vocabulary.get(term);
        if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      if (counts.size === 0) return;
      const start = values.length;
      let norm = 0;
      for (const [id, tf] of counts) {
        const w = (1 + log(tf)) * block.idf[id];
        indices.push(this.offsets[b] + id);
        values.push(w);
        norm += w * w;
      }
      const scale = block.options.weight / sqrt(norm);
      for (let i = start; i < values.length; i++) values[i] *= scale;
    });
    if (this.bias !== 0) {
      indices.push(this.dimension - 1);
      values.push(this.bias);
    }
    return { indices: Int32Array.from(indices), values: Float32Array.from(values) };
  }
}
