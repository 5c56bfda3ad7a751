import { describe, expect, it } from 'vitest';
import { accuracyScore, classificationReport, confusionMatrix } from '../../src/core/index.js';

// precision_recall_fscore_support(labels=range(9), zero_division=0) from scikit-learn 1.2.1;
// label 8 is predicted but never true, and nine labels make numpy's mean pairwise.
const yt = [
  6, 7, 0, 7, 4, 4, 5, 2, 7, 0, 2, 3, 5, 3, 1, 0, 0, 0, 1, 7, 1, 5, 6, 2, 2, 3, 2, 7, 1, 7, 7, 7, 1, 3, 5, 4, 5, 6, 5, 0, 7, 5, 7, 2, 3, 7, 1, 0, 3, 6, 1, 7, 3,
  2, 4, 7, 7, 7, 2, 0,
];
const yp = [
  3, 7, 0, 7, 4, 4, 5, 2, 8, 8, 2, 1, 5, 3, 0, 0, 0, 0, 1, 0, 1, 7, 6, 7, 2, 1, 2, 8, 8, 2, 4, 7, 1, 4, 5, 0, 8, 6, 6, 0, 8, 4, 8, 0, 6, 0, 6, 1, 5, 6, 2, 8, 3,
  2, 4, 4, 7, 7, 2, 0,
];

describe('classificationReport', () => {
  const rep = classificationReport(yt, yp, 9);

  it('matches sklearn per class', () => {
    expect(rep.perClass.map((c) => c.precision)).toEqual([
      0.5454545454545454, 0.5, 0.75, 0.6666666666666666, 0.42857142857142855, 0.75, 0.5, 0.7142857142857143, 0.0,
    ]);
    expect(rep.perClass.map((c) => c.recall)).toEqual([
      0.75, 0.42857142857142855, 0.75, 0.2857142857142857, 0.75, 0.42857142857142855, 0.75, 0.3333333333333333, 0.0,
    ]);
    expect(rep.perClass.map((c) => c.f1)).toEqual([
      0.631578947368421, 0.4615384615384615, 0.75, 0.4, 0.5454545454545454, 0.5454545454545454, 0.6, 0.4545454545454545, 0.0,
    ]);
    expect(rep.perClass.map((c) => c.support)).toEqual([8, 7, 8, 7, 4, 7, 4, 15, 0]);
  });

  it('matches sklearn macro and weighted averages bit for bit', () => {
    expect(rep.macro).toEqual({ precision: 0.5394420394420395, recall: 0.4973544973544974, f1: 0.4876191060401587 });
    expect(rep.weighted).toEqual({ precision: 0.6368145743145743, recall: 0.5166666666666667, f1: 0.5383597104649737 });
  });

  it('counts accuracy and the confusion matrix', () => {
    const correct = yt.filter((v, i) => v === yp[i]).length;
    expect(rep.n).toBe(60);
    expect(rep.misclassified).toBe(60 - correct);
    expect(rep.accuracy).toBe(correct / 60);
    expect(rep.confusionMatrix[7]![8]).toBe(5);
    expect(rep.confusionMatrix[8]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(rep.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(60);
  });

  it('scores 0 where a division would be by zero', () => {
    const r = classificationReport([0, 0], [0, 0], 2);
    expect(r.perClass[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(r.macro).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(r.weighted).toEqual({ precision: 1, recall: 1, f1: 1 });
  });

  it('treats an unknown true label (-1) as wrong, a false positive, and outside the matrix', () => {
    const r = classificationReport([-1, 0, 1], [1, 0, 1], 2);
    expect(r.accuracy).toBe(2 / 3);
    expect(r.misclassified).toBe(1);
    expect(r.perClass[1]).toMatchObject({ precision: 0.5, recall: 1, support: 1 });
    expect(r.confusionMatrix).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it('reports 0 for no rows', () => {
    const r = classificationReport([], [], 3);
    expect(r).toMatchObject({ n: 0, accuracy: 0, misclassified: 0 });
    expect(r.weighted).toEqual({ precision: 0, recall: 0, f1: 0 });
  });
});

describe('accuracyScore and confusionMatrix', () => {
  it('divide once and count true x predicted', () => {
    expect(accuracyScore([0, 1, 2], [0, 2, 2])).toBe(2 / 3);
    expect(accuracyScore([], [])).toBe(0);
    expect(confusionMatrix([0, 1, 2, 2], [0, 2, 2, 1], 3)).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 1],
    ]);
    expect(() => accuracyScore([0], [0, 1])).toThrow(RangeError);
  });
});
