/**
 * The one place the intelligence module gets its text classifier from.
 *
 * TEMPORARY: the real categoriser (TF-IDF + linear model, measured on banking77) is built in
 * `../categorizer/`. Until it is merged here this file holds a tiny stand-in with the same four
 * functions and the same semantics (keyword confidence = score / (total + 1); chooseClassifier
 * trains on the labels with at least `minExamples` examples when there are two or more). At
 * merge, replace everything below the imports with:
 *
 *   export { chooseClassifier, loadClassifier, trainClassifier } from '../categorizer/categorizer';
 *   export { keywordClassifier } from '../categorizer/keyword.classifier';
 *
 * Everything else in the module depends only on the `TextClassifier` interface.
 */
import type { LabelledText, Prediction, TextClassifier } from '../categorizer/text-classifier';

export type { LabelledText, Prediction, TextClassifier };

const tokenize = (text: string): string[] =>
  text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 1);

function rank(scores: Map<string, number>, topK: number): Prediction {
  const candidates = [...scores.entries()]
    .map(([label, confidence]) => ({ label, confidence }))
    .sort((a, b) => b.confidence - a.confidence || a.label.localeCompare(b.label))
    .slice(0, Math.max(1, topK));
  const best = candidates[0] ?? { label: 'general', confidence: 0 };
  return { label: best.label, confidence: best.confidence, candidates };
}

const keywordRules: Record<string, string[]> = {
  shipping: [
    'shipping',
    'delivery',
    'deliver',
    'delivered',
    'tracking',
    'track',
    'parcel',
    'package',
    'courier',
    'carrier',
    'shipped',
    'arrive',
    'arrived',
    'late',
    'envio',
    'livraison',
    'lieferung',
  ],
  returns: [
    'return',
    'returns',
    'refund',
    'exchange',
    'damaged',
    'broken',
    'wrong',
    'size',
    'replace',
    'replacement',
    'reembolso',
    'remboursement',
    'rueckgabe',
  ],
  billing: [
    'charge',
    'charged',
    'invoice',
    'payment',
    'billing',
    'card',
    'price',
    'twice',
    'subscription',
    'receipt',
    'paid',
    'tax',
    'factura',
    'facture',
    'rechnung',
  ],
  account: [
    'login',
    'password',
    'account',
    'email',
    'sign',
    'signin',
    'locked',
    'reset',
    'profile',
    'username',
  ],
  technical: [
    'error',
    'bug',
    'crash',
    'app',
    'website',
    'page',
    'loading',
    'broken',
    'checkout',
    'code',
    'discount',
    'coupon',
  ],
  sales: [
    'stock',
    'available',
    'availability',
    'wholesale',
    'bulk',
    'quote',
    'discount',
    'product',
    'recommend',
  ],
};

/** Keyword rules: the classifier used until the installation has enough categorised tickets. */
export function keywordClassifier(): TextClassifier {
  const labels = [...Object.keys(keywordRules), 'general'];
  return {
    labels,
    predict(text: string, topK = 3): Prediction {
      const tokens = new Set(tokenize(text));
      const hits = new Map<string, number>();
      let total = 0;
      for (const [label, words] of Object.entries(keywordRules)) {
        const n = words.filter((w) => tokens.has(w)).length;
        if (n > 0) hits.set(label, n);
        total += n;
      }
      if (total === 0) return rank(new Map([['general', 0]]), topK);
      const scores = new Map<string, number>();
      for (const [label, n] of hits) scores.set(label, n / (total + 1));
      return rank(scores, topK);
    },
    serialize: () => ({ kind: 'keyword' }),
  };
}

interface NaiveBayesModel {
  kind: 'naive-bayes';
  labels: string[];
  logPriors: number[];
  /** token → count per label (same order as labels) */
  counts: Record<string, number[]>;
  totals: number[];
  vocabulary: number;
}

function naiveBayes(model: NaiveBayesModel): TextClassifier {
  return {
    labels: model.labels,
    predict(text: string, topK = 3): Prediction {
      const logs = model.logPriors.slice();
      for (const token of tokenize(text)) {
        const c = model.counts[token];
        if (!c) continue;
        for (let i = 0; i < logs.length; i++) {
          logs[i] =
            (logs[i] ?? 0) + Math.log(((c[i] ?? 0) + 1) / ((model.totals[i] ?? 0) + model.vocabulary));
        }
      }
      const max = Math.max(...logs);
      const exp = logs.map((l) => Math.exp(l - max));
      const sum = exp.reduce((a, b) => a + b, 0);
      return rank(new Map(model.labels.map((label, i) => [label, (exp[i] ?? 0) / sum])), topK);
    },
    serialize: () => model,
  };
}

/** A multinomial naive Bayes over words (stand-in for the real categoriser). */
export function trainClassifier(examples: LabelledText[]): TextClassifier {
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const docs = labels.map(() => 0);
  const totals = labels.map(() => 0);
  const counts: Record<string, number[]> = {};
  for (const e of examples) {
    const i = index.get(e.label) ?? 0;
    docs[i] = (docs[i] ?? 0) + 1;
    for (const token of tokenize(e.text)) {
      const row = (counts[token] ??= labels.map(() => 0));
      row[i] = (row[i] ?? 0) + 1;
      totals[i] = (totals[i] ?? 0) + 1;
    }
  }
  return naiveBayes({
    kind: 'naive-bayes',
    labels,
    logPriors: docs.map((d) => Math.log(d / examples.length)),
    counts,
    totals,
    vocabulary: Object.keys(counts).length,
  });
}

export function loadClassifier(serialized: unknown): TextClassifier {
  const kind = (serialized as { kind?: unknown } | null)?.kind;
  if (kind === 'keyword') return keywordClassifier();
  if (kind === 'naive-bayes') return naiveBayes(serialized as NaiveBayesModel);
  throw new Error('unknown classifier model');
}

/**
 * Trains on the labels that have at least `minExamples` examples when there are two or more such
 * labels (rarer labels are left out); otherwise keyword rules.
 */
export function chooseClassifier(examples: LabelledText[], minExamples = 5): TextClassifier {
  const counts = new Map<string, number>();
  for (const e of examples) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
  const eligible = new Set([...counts].filter(([, n]) => n >= minExamples).map(([label]) => label));
  return eligible.size >= 2
    ? trainClassifier(examples.filter((e) => eligible.has(e.label)))
    : keywordClassifier();
}
