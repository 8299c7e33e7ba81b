import {
  accuracy,
  crossValidate,
  macroF1,
  meanAndSpread,
  stratifiedFolds,
} from '../../src/modules/intelligence/categorizer/evaluate';
import { trainClassifier } from '../../src/modules/intelligence/categorizer/categorizer';
import { supportTexts } from './support-texts';

describe('evaluation helpers', () => {
  it('when some predictions are wrong, then accuracy is the share of right ones', () => {
    expect(accuracy(['a', 'b', 'c', 'a'], ['a', 'b', 'a', 'b'])).toBe(0.5);
    expect(accuracy([], [])).toBe(0);
    expect(() => accuracy(['a'], [])).toThrow(/length mismatch/);
  });

  it('when labels are unbalanced, then macro-F1 averages the per-label F1 unweighted', () => {
    // a: tp 2, fn 1, fp 0 → 0.8; b: tp 0, fp 1 → 0; c: tp 1 → 1
    expect(macroF1(['a', 'a', 'a', 'c'], ['a', 'a', 'b', 'c'])).toBeCloseTo((0.8 + 0 + 1) / 3);
    expect(macroF1(['x', 'y'], ['x', 'y'])).toBe(1);
  });

  it('when folds are made, then they partition the examples, keep label shares and depend only on the seed', () => {
    const labels = [...Array(30).fill('a'), ...Array(10).fill('b'), ...Array(5).fill('c')] as string[];
    const folds = stratifiedFolds(labels, 5, 3);
    expect(folds.flat().sort((x, y) => x - y)).toEqual(labels.map((_, i) => i));
    for (const fold of folds) {
      expect(fold).toHaveLength(9);
      expect(fold.filter((i) => labels[i] === 'a')).toHaveLength(6);
      expect(fold.filter((i) => labels[i] === 'b')).toHaveLength(2);
      expect(fold.filter((i) => labels[i] === 'c')).toHaveLength(1);
    }
    expect(stratifiedFolds(labels, 5, 3)).toEqual(folds);
    expect(stratifiedFolds(labels, 5, 4)).not.toEqual(folds);
    expect(() => stratifiedFolds(labels, 1)).toThrow(/k must be/);
  });

  it('when cross-validating, then each fold is measured once on unseen examples', () => {
    const examples = supportTexts(15);
    const seen: number[] = [];
    const results = crossValidate(
      examples,
      3,
      (ex) => trainClassifier(ex),
      42,
      (fold) => seen.push(fold),
    );
    expect(seen).toEqual([0, 1, 2]);
    for (const r of results) {
      expect(r.trainSize + r.testSize).toBe(examples.length);
      expect(r.testSize).toBe(20);
      expect(r.accuracy).toBeGreaterThan(0.9);
      expect(r.modelBytes).toBeGreaterThan(0);
    }
    expect(meanAndSpread([1, 3])).toEqual({ mean: 2, std: 1 });
  });
});
