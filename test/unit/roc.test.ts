/**
 * One-vs-rest ROC curves and AUCs against scikit-learn 1.2.1's roc_curve and roc_auc_score
 * (fixtures/reference/roc-sklearn.json, made by fixtures/reference/make_roc.py): the Iris reference
 * cases' test rows and decision functions, and small cases with tied scores.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneVsRestRoc, rocCurve } from '../../src/core/roc.js';
import { ROOT } from '../helpers/iris.js';

interface Curve {
  fpr: number[];
  tpr: number[];
  auc: number;
}
interface Reference {
  iris: { name: string; labels: string[]; classes: string[]; scores: number[][]; perClass: Record<string, Curve | null> }[];
  binary: ({ name: string; y: number[]; score: number[] } & Curve)[];
}

const ref = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'reference', 'roc-sklearn.json'), 'utf8')) as Reference;

function expectCurve(got: ReturnType<typeof rocCurve>, want: Curve | null): void {
  if (want === null) {
    expect(got).toBeUndefined();
    return;
  }
  expect(got).toBeDefined();
  // The same points and the same area, to the last bit.
  expect(Array.from(got!.fpr)).toEqual(want.fpr);
  expect(Array.from(got!.tpr)).toEqual(want.tpr);
  expect(got!.auc).toBe(want.auc);
}

describe('rocCurve and oneVsRestRoc equal scikit-learn', () => {
  it.each(ref.binary.map((c) => [c.name, c] as const))('binary case %s', (_name, c) => {
    expectCurve(rocCurve(Uint8Array.from(c.y), Float64Array.from(c.score)), c);
  });

  it.each(ref.iris.map((c) => [c.name, c] as const))('Iris test rows of %s, one vs rest', (_name, c) => {
    const codes = Int32Array.from(c.labels, (label) => c.classes.indexOf(label));
    const curves = oneVsRestRoc(codes, Float64Array.from(c.scores.flat()), c.classes.length);
    c.classes.forEach((label, k) => expectCurve(curves[k], c.perClass[label] ?? null));
  });

  it('two classes: one score column s, class 1 scored by s and class 0 by -s (the same area)', () => {
    const c = ref.binary.find((b) => b.name === 'random-200')!;
    const curves = oneVsRestRoc(Int32Array.from(c.y), Float64Array.from(c.score), 2);
    expect(curves[1]!.auc).toBe(c.auc);
    expect(curves[0]!.auc).toBeCloseTo(c.auc, 14);
  });

  it('labels the model never saw (-1) are negatives for every class; one class present is undefined', () => {
    const curves = oneVsRestRoc(Int32Array.of(0, 1, -1, 2), Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1), 3);
    expect(curves.map((r) => r?.auc)).toEqual([1, 1, 1]);
    expect(curves[0]!.negatives).toBe(3);
    expect(rocCurve(Uint8Array.of(1, 1), Float64Array.of(1, 2))).toBeUndefined();
  });
});
