/**
 * 300 random fits against scikit-learn 1.2.1 (fixtures/selection/make_random_perceptron.py): every
 * penalty, alpha, l1_ratio, tol, fit_intercept, shuffle, class_weight, sample_weight, early stopping
 * and coef_init, 2 to 4 classes. Weights, intercepts (signed zeros included) and epochs are the same
 * bits; scikit-learn's refusals are refusals here too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitPerceptron, matrix, type PerceptronFitExtras, type PerceptronParams } from '../../src/core/index.js';

interface RandomCase {
  X: number[];
  n: number;
  d: number;
  K: number;
  y: number[];
  p: Record<string, any>;
  sw: number[] | null;
  init: [number[], number[]] | null;
  res: { coef: number[]; intercept: number[]; n_iter: number } | { error: string };
}
const { cases } = JSON.parse(readFileSync(join('fixtures', 'selection', 'perceptron-random.json'), 'utf8')) as { cases: RandomCase[] };

function run(c: RandomCase) {
  const p = c.p;
  const params: Partial<PerceptronParams> = {
    maxIter: p.max_iter,
    eta0: p.eta0,
    penalty: p.penalty,
    alpha: p.alpha,
    l1Ratio: p.l1_ratio,
    tol: p.tol,
    fitIntercept: p.fit_intercept,
    shuffle: p.shuffle,
    randomState: p.random_state,
    nIterNoChange: p.n_iter_no_change,
    earlyStopping: p.early_stopping,
    validationFraction: p.validation_fraction,
    classWeight: p.class_weight,
  };
  const extras: PerceptronFitExtras = { classes: Array.from({ length: c.K }, (_, k) => String(k)) };
  if (c.sw !== null) extras.sampleWeight = Float64Array.from(c.sw);
  if (c.init !== null) {
    extras.coefInit = Float64Array.from(c.init[0]);
    extras.interceptInit = Float64Array.from(c.init[1]);
  }
  const m = fitPerceptron(matrix(Float64Array.from(c.X), c.n, c.d), Int32Array.from(c.y), c.K, params, extras);
  return { coef: Array.from(m.coef), intercept: Array.from(m.intercept), n_iter: m.nIter };
}

describe('random fits equal scikit-learn bit for bit', () => {
  it('has the cases', () => expect(cases).toHaveLength(300));
  cases.forEach((c, i) => {
    it(`case ${i}: ${c.p['penalty'] ?? 'none'}${c.p['early_stopping'] ? ', early stopping' : ''}${c.sw ? ', sample weights' : ''}${c.init ? ', coef_init' : ''}, ${c.K} classes`, () => {
      if ('error' in c.res) {
        expect(() => run(c)).toThrow();
        return;
      }
      const got = run(c);
      expect(got.n_iter).toBe(c.res.n_iter);
      // Object.is: -0.0 and +0.0 are told apart, as scikit-learn's arrays hold them.
      got.coef.forEach((v, j) => expect(Object.is(v, (c.res as { coef: number[] }).coef[j]), `coef[${j}] ${v}`).toBe(true));
      got.intercept.forEach((v, j) => expect(Object.is(v, (c.res as { intercept: number[] }).intercept[j]), `intercept[${j}] ${v}`).toBe(true));
    });
  });
});
