import { loadClassifier } from '../../src/modules/intelligence/categorizer/categorizer';
import { keywordClassifier } from '../../src/modules/intelligence/categorizer/keyword.classifier';

describe('keyword classifier (used until there are enough categorised tickets)', () => {
  const classifier = keywordClassifier();

  it.each([
    ['I was charged twice, can you check my invoice?', 'billing'],
    ['My package still has not been delivered, tracking says in transit', 'shipping'],
    ['I would like to return the shoes and get a refund', 'returns'],
    ['The app crashes with an error when I open it', 'technical'],
    ['I forgot my password and cannot log in to my account', 'account'],
    ['Do you offer a discount for bulk purchases? What is the price?', 'sales'],
  ])('when the text is "%s", then the category is %s', (text, label) => {
    expect(classifier.predict(text).label).toBe(label);
  });

  it('when no keyword occurs, then it answers the fallback label with confidence 0', () => {
    expect(classifier.predict('Hello, quick question about your opening hours')).toEqual({
      label: 'general',
      confidence: 0,
      candidates: [{ label: 'general', confidence: 0 }],
    });
    expect(classifier.labels).toEqual([
      'billing',
      'shipping',
      'returns',
      'technical',
      'account',
      'sales',
      'general',
    ]);
  });

  it('when a prefix keyword ends in *, then inflected words match, and exact keywords match whole words only', () => {
    const c = keywordClassifier(
      [
        { label: 'returns', keywords: ['refund*'] },
        { label: 'billing', keywords: ['bill'] },
      ],
      'other',
    );
    expect(c.predict('it was REFUNDED yesterday').label).toBe('returns');
    expect(c.predict('Billy said hi').label).toBe('other');
    expect(c.predict('the bill is wrong').label).toBe('billing');
  });

  it('when a phrase keyword is used, then its words must appear together and in order', () => {
    const c = keywordClassifier([{ label: 'account', keywords: ['log in', '2FA'] }], 'other');
    expect(c.predict("I can't log in").label).toBe('account');
    expect(c.predict('in the log').label).toBe('other');
    expect(c.predict('my 2fa code fails').label).toBe('account');
  });

  it('when several categories match, then the one with most evidence wins and the others are candidates', () => {
    const p = classifier.predict('Refund my return please, the invoice is fine');
    expect(p.label).toBe('returns');
    expect(p.candidates.map((c) => c.label)).toEqual(['returns', 'billing']);
    // Two return keywords, one billing keyword: 2 / (3 + 1) and 1 / (3 + 1).
    expect(p.confidence).toBeCloseTo(0.5);
    expect(p.candidates[1].confidence).toBeCloseTo(0.25);
  });

  it('when serialised and loaded, then it predicts the same', () => {
    const loaded = loadClassifier(JSON.parse(JSON.stringify(classifier.serialize())));
    for (const text of ['charged twice', 'where is my order?', 'nothing here']) {
      expect(loaded.predict(text)).toEqual(classifier.predict(text));
    }
  });

  it('when rules are inconsistent, then construction is refused', () => {
    expect(() => keywordClassifier([], 'x')).toThrow(/must not be empty/);
    expect(() =>
      keywordClassifier(
        [
          { label: 'a', keywords: [] },
          { label: 'a', keywords: [] },
        ],
        'x',
      ),
    ).toThrow(/one rule/);
    expect(() => keywordClassifier([{ label: 'a', keywords: [] }], 'a')).toThrow(/fallback/);
  });
});
