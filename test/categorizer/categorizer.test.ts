import {
  chooseClassifier,
  loadClassifier,
  trainClassifier,
} from '../../src/modules/intelligence/categorizer/categorizer';
import {
  ClassifierTrainingError,
  InvalidClassifierError,
} from '../../src/modules/intelligence/categorizer/categorizer.errors';
import { KeywordClassifier } from '../../src/modules/intelligence/categorizer/keyword.classifier';
import { TfidfLinearClassifier } from '../../src/modules/intelligence/categorizer/tfidf-linear.classifier';
import type { TextClassifier } from '../../src/modules/intelligence/categorizer/text-classifier';
import { supportLabels, supportTexts } from './support-texts';

const unseen: Array<[string, string]> = [
  ['Hello, I think I was charged twice for one order, can you check the invoice?', 'billing'],
  ['Where is my parcel? The tracking has not moved for a week.', 'shipping'],
  ['I want to send the dress back and get a refund please', 'returns'],
  ['Your app crashes every time I log my data, error 500', 'technical'],
  // Misspelt: only the character n-grams can recognise these.
  ['the packge still hasnt arived', 'shipping'],
  ['i need a refnd for the retrn', 'returns'],
];

const roundTrip = (c: TextClassifier): TextClassifier =>
  loadClassifier(JSON.parse(JSON.stringify(c.serialize())));

describe('local categoriser (TF-IDF + linear SVM)', () => {
  const examples = supportTexts(25);
  const classifier = trainClassifier(examples);

  it('when trained on labelled support texts, then it knows every label, sorted', () => {
    expect(classifier.labels).toEqual(supportLabels);
  });

  it('when given texts it has not seen (even misspelt), then it predicts their category', () => {
    for (const [text, label] of unseen)
      expect({ text, label: classifier.predict(text).label }).toEqual({ text, label });
  });

  it('when predicting, then candidates are best first, topK long, with confidences in 0..1 summing to at most 1', () => {
    const p = classifier.predict('my parcel has not arrived', 3);
    expect(p.candidates).toHaveLength(3);
    expect(p.candidates[0]).toEqual({ label: p.label, confidence: p.confidence });
    const confidences = p.candidates.map((c) => c.confidence);
    expect([...confidences].sort((a, b) => b - a)).toEqual(confidences);
    for (const c of confidences) expect(c).toBeGreaterThan(0);
    expect(confidences.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-9);
    expect(p.confidence).toBeGreaterThan(0.5);
    expect(classifier.predict('my parcel has not arrived', 10).candidates).toHaveLength(4);
  });

  it('when the text has no known term, then it still answers a label with low confidence', () => {
    const p = classifier.predict('', 4);
    expect(supportLabels).toContain(p.label);
    expect(p.confidence).toBeLessThan(0.6);
    expect(classifier.predict('zzzz qqqq').label).toBe(p.label);
  });

  it('when serialised to JSON and loaded, then every prediction is identical', () => {
    const loaded = roundTrip(classifier);
    expect(loaded).toBeInstanceOf(TfidfLinearClassifier);
    expect(loaded.labels).toEqual(classifier.labels);
    const texts = [...unseen.map(([t]) => t), ...examples.slice(0, 40).map((e) => e.text), ''];
    for (const t of texts) expect(loaded.predict(t, 4)).toEqual(classifier.predict(t, 4));
    expect(loaded.serialize()).toEqual(classifier.serialize());
  });

  it('when trained twice on the same data, then the models are identical (seeded)', () => {
    expect(trainClassifier(examples).serialize()).toEqual(classifier.serialize());
  });

  it('when the seed changes, then the training still converges to the same predictions', () => {
    const other = trainClassifier(examples, { svm: { seed: 1234 } });
    for (const [text] of unseen) expect(other.predict(text).label).toBe(classifier.predict(text).label);
  });

  it('when there are fewer than two labels, then training is refused', () => {
    expect(() =>
      trainClassifier([
        { text: 'a', label: 'x' },
        { text: 'b', label: 'x' },
      ]),
    ).toThrow(ClassifierTrainingError);
    expect(() =>
      trainClassifier([
        { text: '  ', label: 'x' },
        { text: 'b', label: 'y' },
      ]),
    ).toThrow(ClassifierTrainingError);
  });
});

describe('loading a serialised classifier', () => {
  const valid = trainClassifier(supportTexts(6)).serialize() as Record<string, unknown>;

  const rejects = (input: unknown, problem: RegExp) => {
    let error: unknown;
    try {
      loadClassifier(input);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidClassifierError);
    expect((error as InvalidClassifierError).code).toBe('classifier_invalid');
    expect((error as InvalidClassifierError).problems.join('\n')).toMatch(problem);
  };

  it('when given garbage, then it is rejected with the reason', () => {
    rejects(null, /\(root\)/);
    rejects('a model', /\(root\)/);
    rejects({ kind: 'neural-net', version: 1 }, /kind/);
    rejects({ ...valid, version: 2 }, /version/);
    rejects({ ...valid, labels: ['only-one'] }, /labels/);
    rejects({ ...valid, labels: ['a', 'a', 'b', 'c'] }, /labels must be unique/);
    rejects({ ...valid, weights: 'not base64!' }, /weights: must be base64/);
    rejects({ ...valid, confidenceScale: -1 }, /confidenceScale/);
  });

  it('when the arrays do not fit together, then it is rejected', () => {
    rejects({ ...valid, weights: 'AAAAAA==' }, /weights: 2 values; \d+ features × 4 labels expected/);
    rejects({ ...valid, weights: 'AA==' }, /weights: byte length is not a multiple of 2/);
    rejects({ ...valid, labels: ['a', 'b', 'c'] }, /× 3 labels expected/);
    const blocks = valid.blocks as Array<Record<string, unknown>>;
    rejects(
      { ...valid, blocks: [{ ...blocks[0], idf: 'AAAAAA==' }, blocks[1]] },
      /blocks\.0\.idf: 1 values for/,
    );
    rejects(
      { ...valid, blocks: [{ ...blocks[0], minN: 3, maxN: 2 }, blocks[1]] },
      /minN must not exceed maxN/,
    );
  });

  it('when given keyword rules, then it loads a keyword classifier', () => {
    const loaded = loadClassifier({
      kind: 'keywords',
      version: 1,
      fallbackLabel: 'other',
      rules: [{ label: 'vip', keywords: ['vip'] }],
    });
    expect(loaded).toBeInstanceOf(KeywordClassifier);
    expect(loaded.predict('I am a VIP').label).toBe('vip');
    rejects(
      { kind: 'keywords', version: 1, fallbackLabel: 'vip', rules: [{ label: 'vip', keywords: ['vip'] }] },
      /fallback/,
    );
    rejects({ kind: 'keywords', version: 1, fallbackLabel: 'x', rules: [] }, /rules/);
  });
});

describe('choosing between the trained model and keyword rules', () => {
  it('when there are enough examples for at least two labels, then the trained model is used', () => {
    const classifier = chooseClassifier(supportTexts(5), 5);
    expect(classifier).toBeInstanceOf(TfidfLinearClassifier);
    expect(classifier.labels).toEqual(supportLabels);
  });

  it('when some labels are rare, then the model is trained on the others only', () => {
    const examples = [
      ...supportTexts(6).filter((e) => e.label === 'billing' || e.label === 'shipping'),
      ...supportTexts(2).filter((e) => e.label === 'returns'),
    ];
    const classifier = chooseClassifier(examples, 5);
    expect(classifier).toBeInstanceOf(TfidfLinearClassifier);
    expect(classifier.labels).toEqual(['billing', 'shipping']);
  });

  it('when too few labels have enough examples, then the keyword rules answer', () => {
    const examples = supportTexts(4);
    const classifier = chooseClassifier(examples, 5);
    expect(classifier).toBeInstanceOf(KeywordClassifier);
    expect(classifier.predict('I was charged twice, please send the invoice').label).toBe('billing');
    expect(chooseClassifier([], 5)).toBeInstanceOf(KeywordClassifier);
    const onlyOne = supportTexts(10).filter((e) => e.label === 'billing');
    expect(chooseClassifier(onlyOne, 5)).toBeInstanceOf(KeywordClassifier);
  });

  it('when a label threshold of three labels is asked, then two trainable labels are not enough', () => {
    const examples = supportTexts(6).filter((e) => e.label !== 'returns' && e.label !== 'technical');
    expect(chooseClassifier(examples, 5, { minLabels: 3 })).toBeInstanceOf(KeywordClassifier);
    expect(chooseClassifier(examples, 5, { minLabels: 2 })).toBeInstanceOf(TfidfLinearClassifier);
  });
});
