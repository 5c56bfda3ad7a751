import { describe, expect, it } from 'vitest';
import { DataError, computeClassWeight, fitPerceptron, matrix } from '../../src/core/index.js';

// docs/SKLEARN_PARITY.md §11 test vectors (scikit-learn 1.2.1, max_iter=10, other defaults: eta0 1, random_state 0).
const X = matrix(Float64Array.from([1, 2, 2, -1, -1, -1.5, -2, 1, 0.5, 0.5, -0.3, 2.2, 3, 0.1, 1.5, -2]), 8, 2);
const yBin = Int32Array.from([1, 1, 0, 0, 1, 0, 0, 1]);
const base = { maxIter: 10, eta0: 1.0 };

describe('penalties (§11)', () => {
  it('l2 scales the weights before every sample', () => {
    const m = fitPerceptron(X, yBin, 2, { ...base, penalty: 'l2', alpha: 0.1 });
    expect(Array.from(m.coef)).toEqual([1.206738352038977, -1.1440840892516504]);
    expect(Array.from(m.intercept)).toEqual([0]);
    expect(m.nIter).toBe(7);
  });
  it('l1 truncates with the cumulative penalty', () => {
    const m = fitPerceptron(X, yBin, 2, { ...base, penalty: 'l1', alpha: 0.05 });
    expect(Array.from(m.coef)).toEqual([0.0, -1.2000000000000068]);
    expect(Array.from(m.intercept)).toEqual([-1.0]);
    expect(m.nIter).toBe(10);
  });
  it('elasticnet does both', () => {
    const m = fitPerceptron(X, yBin, 2, { ...base, penalty: 'elasticnet', alpha: 0.05, l1Ratio: 0.5 });
    expect(Array.from(m.coef)).toEqual([0.0, -0.3326607008235366]);
    expect(Array.from(m.intercept)).toEqual([0.0]);
    expect(m.nIter).toBe(10);
  });
  it('balanced class weights with l2', () => {
    const m = fitPerceptron(X, yBin, 2, { ...base, eta0: 0.5, penalty: 'l2', alpha: 0.1, classWeight: 'balanced' }, { classes: ['0', '1'] });
    expect(Array.from(m.coef)).toEqual([0.25139797667927416, -0.31308838292206714]);
    expect(Array.from(m.intercept)).toEqual([0.0]);
    expect(m.nIter).toBe(10);
  });
  it('multiclass l2', () => {
    const m = fitPerceptron(X, Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1]), 3, { ...base, penalty: 'l2', alpha: 0.05 });
    expect(Array.from(m.coef)).toEqual([
      0.49713802095713405, 0.5064409972521565, 1.2372239990059368, -1.0065827580858047, -1.6477405269913403, -0.04637268345688026,
    ]);
    expect(Array.from(m.intercept)).toEqual([-2.0, -1.0, 1.0]);
    expect(m.nIter).toBe(10);
  });
  it('unit sample weights and unit class weights give the plain loop bits', () => {
    const plain = fitPerceptron(X, yBin, 2, base);
    const weighted = fitPerceptron(
      X,
      yBin,
      2,
      { ...base, classWeight: { '0': 1, '1': 1 } },
      { classes: ['0', '1'], sampleWeight: new Float64Array(8).fill(1) },
    );
    expect(Array.from(weighted.coef)).toEqual(Array.from(plain.coef));
    expect(weighted.nIter).toBe(plain.nIter);
  });
  it('starts from coef_init and keeps intercept_init without fit_intercept', () => {
    const m = fitPerceptron(
      X,
      yBin,
      2,
      { ...base, fitIntercept: false, maxIter: 1 },
      { coefInit: Float64Array.from([5, 5]), interceptInit: Float64Array.from([0.25]) },
    );
    expect(Array.from(m.intercept)).toEqual([0.25]);
    expect(m.coef[0]).not.toBe(0);
  });
});

describe('sample weights (§12; values from scikit-learn 1.2.1 on this machine, Debian python3-sklearn)', () => {
  const sw = Float64Array.from([0.5, 2.0, 1.0, 0.0, 3.0, 1.5, 0.25, 1.0]);
  it('binary l1 with sample weights', () => {
    const m = fitPerceptron(X, yBin, 2, { ...base, penalty: 'l1', alpha: 0.05 }, { sampleWeight: sw });
    expect([Array.from(m.coef), Array.from(m.intercept), m.nIter]).toEqual([[2.050000000000006, 0.0], [0.75], 10]);
  });
  it('multiclass elasticnet with class and sample weights (the rest weighs 1)', () => {
    const y3 = Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1]);
    const m = fitPerceptron(
      X,
      y3,
      3,
      { ...base, penalty: 'elasticnet', alpha: 0.05, classWeight: { '0': 2.0, '2': 0.5 } },
      { classes: ['0', '1', '2'], sampleWeight: sw },
    );
    expect(Array.from(m.coef)).toEqual([2.249786635870763, 0.0, 1.690403770449463, -0.8746544120130821, -2.2347879762742804, 0.0]);
    expect([Array.from(m.intercept), m.nIter]).toEqual([[-6.0, 0.0, -1.5], 10]);
  });
  it('multiclass early stopping with l2 and sample weights (weighted validation accuracy)', () => {
    const rows: number[] = [];
    const x = Array.from(X.data);
    for (let i = 0; i < 8; i++) rows.push(x[2 * i]!, x[2 * i + 1]!);
    for (let i = 0; i < 8; i++) rows.push(x[2 * i]! * 0.7 + 0.1, x[2 * i + 1]! * 0.7 + 0.1);
    for (let i = 0; i < 8; i++) rows.push(-x[2 * i]! * 0.5, -x[2 * i + 1]! * 0.5);
    const y3 = [0, 1, 2, 0, 1, 2, 0, 1];
    const y = Int32Array.from([...y3, ...y3, ...y3.map((c) => (c + 1) % 3)]);
    const w = Float64Array.from([...sw, ...Array.from(sw).reverse(), ...Array.from(sw, (v) => v * 2)]);
    const m = fitPerceptron(
      matrix(Float64Array.from(rows), 24, 2),
      y,
      3,
      { ...base, maxIter: 30, earlyStopping: true, validationFraction: 0.3, penalty: 'l2', alpha: 0.01 },
      { sampleWeight: w },
    );
    expect(Array.from(m.coef)).toEqual([
      1.9428510811950803, -3.248033253120612, 1.5788349236831374, -0.0578061620813978, -5.418566618941825, -1.0129015513964335,
    ]);
    expect([Array.from(m.intercept), m.nIter]).toEqual([[1.75, 0.0, 2.0], 12]);
  });
});

describe('class weights (§12)', () => {
  it('balanced is n / (K * count)', () => {
    const y = Int32Array.from([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2]);
    expect(Array.from(computeClassWeight('balanced', ['a', 'b', 'c'], y))).toEqual([0.5238095238095238, 1.2222222222222223, 3.6666666666666665]);
  });
  it('a record naming a class that is absent, while a class is unnamed, is refused', () => {
    expect(() => computeClassWeight({ a: 2, zz: 1 }, ['a', 'b'], Int32Array.from([0, 1]))).toThrow(DataError);
    expect(Array.from(computeClassWeight({ a: 2, b: 3, zz: 1 }, ['a', 'b'], Int32Array.from([0, 1])))).toEqual([2, 3]);
  });
});

describe('early stopping (§13)', () => {
  it('refuses a class with one row', () => {
    const y = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 2]);
    expect(() => fitPerceptron(X, y, 3, { earlyStopping: true })).toThrow(/only 1 member/);
  });
});
