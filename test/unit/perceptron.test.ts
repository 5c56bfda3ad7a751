import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PERCEPTRON_PARAMS,
  DataError,
  InvalidParameterError,
  NumericalError,
  Perceptron,
  coefRows,
  decisionFunction,
  encodeLabels,
  fitPerceptron,
  fitStandardScaler,
  matrix,
  predictCodes,
  predictFromScores,
  takeRows,
  trainTestSplit,
  transformStandard,
  validatePerceptronParams,
} from '../../src/core/index.js';
import { caught, loadIris } from '../helpers/iris.js';

describe('binary perceptron (scikit-learn 1.2.1 vector)', () => {
  // versicolor vs virginica: iris rows 50..149, test_size 0.3, random_state 7, CLI defaults.
  const iris = loadIris();
  const X = matrix(iris.X.slice(200), 100, 4);
  const { classes, codes } = encodeLabels(iris.labels.slice(50));
  const split = trainTestSplit(100, { testSize: 0.3, seed: 7 });
  const Xtr = takeRows(X, split.train);
  const scaler = fitStandardScaler(Xtr);
  const model = fitPerceptron(
    transformStandard(scaler, Xtr),
    Int32Array.from(split.train, (i) => codes[i]!),
    2,
    {
      randomState: 7,
    },
  );

  it('splits as sklearn did', () => {
    expect(split.train.slice(0, 5)).toEqual([65, 54, 27, 58, 33]);
    expect(split.test.slice(0, 5)).toEqual([37, 26, 78, 91, 49]);
  });

  it('learns one weight row for the positive class (code 1)', () => {
    expect(classes).toEqual(['versicolor', 'virginica']);
    expect(coefRows(2)).toBe(1);
    expect(Array.from(model.coef)).toEqual([-0.01727475413247903, 0.07211876184677668, 0.6287465764662754, 0.3282898121720112]);
    expect(Array.from(model.intercept)).toEqual([0.2]);
    expect(model.nIter).toBe(7);
    expect(model.converged).toBe(true);
  });

  it('predicts code 1 exactly when the score is positive', () => {
    const Z = transformStandard(scaler, takeRows(X, split.test));
    expect(Array.from(predictCodes(model, Z)).join('')).toBe('001100111000101001101101011011');
    const scores = decisionFunction(model, Z);
    expect(scores).toHaveLength(30);
    predictCodes(model, Z).forEach((c, i) => expect(c).toBe(scores[i]! > 0 ? 1 : 0));
  });
});

describe('training rules', () => {
  const X = matrix(Float64Array.from([1, 0, 0, 1, -1, -1]), 3, 2);
  const y = Int32Array.from([0, 1, 2]);

  it('updates on z == 0, so the first sample always moves the weights', () => {
    const m = fitPerceptron(matrix(Float64Array.from([2, 3]), 1, 2), Int32Array.from([1]), 2, {
      maxIter: 1,
      shuffle: false,
      tol: null,
    });
    expect(Array.from(m.coef)).toEqual([0.2, 0.30000000000000004]);
    expect(Array.from(m.intercept)).toEqual([0.1]);
  });

  it('runs every epoch with tol null and then reports no convergence', () => {
    const m = fitPerceptron(X, y, 3, { tol: null, maxIter: 7 });
    expect(m.nIter).toBe(7);
    expect(m.converged).toBe(false);
    expect(coefRows(3)).toBe(3);
    expect(m.coef).toHaveLength(6);
  });

  it('stops after nIterNoChange epochs without improvement', () => {
    const m = fitPerceptron(X, y, 3, { nIterNoChange: 1, maxIter: 100 });
    expect(m.nIter).toBeLessThan(100);
    expect(m.converged).toBe(true);
  });

  it('leaves the intercept at 0 without fitIntercept', () => {
    const m = fitPerceptron(X, y, 3, { fitIntercept: false });
    expect(Array.from(m.intercept)).toEqual([0, 0, 0]);
  });

  it('keeps a class without rows as a class', () => {
    const m = fitPerceptron(X, y, 4);
    expect(m.coef).toHaveLength(8);
    expect(m.intercept[3]).toBeLessThan(0);
  });

  it('needs two classes and some rows', () => {
    expect(caught(() => fitPerceptron(X, Int32Array.from([0, 0, 0]), 1))).toBeInstanceOf(DataError);
    expect(caught(() => fitPerceptron(matrix(new Float64Array(0), 0, 2), new Int32Array(0), 2))).toBeInstanceOf(DataError);
    expect(() => fitPerceptron(X, Int32Array.from([0, 5, 1]), 3)).toThrow(RangeError);
  });

  it('reports overflow with the epoch and a hint', () => {
    const big = matrix(Float64Array.from([1e300, -1e300, -1e300, 1e300]), 2, 2);
    const e = caught(() => fitPerceptron(big, Int32Array.from([0, 1]), 2, { eta0: 1e10 }));
    expect(e).toBeInstanceOf(NumericalError);
    expect(e).toHaveProperty('message', 'Floating-point under-/overflow occurred at epoch #1');
    expect(e).toHaveProperty('hint', 'scale the features or lower --eta0');
    expect((e as NumericalError).kind).toBe('data');
  });

  it('validates parameters, naming them', () => {
    const ok = { ...DEFAULT_PERCEPTRON_PARAMS };
    expect(() => validatePerceptronParams(ok)).not.toThrow();
    const bad: [string, unknown][] = [
      ['maxIter', 0],
      ['maxIter', 2.5],
      ['eta0', 0],
      ['eta0', -1],
      ['eta0', Infinity],
      ['eta0', Number.NaN],
      ['tol', -1e-3],
      ['tol', Infinity],
      ['nIterNoChange', 0],
      ['randomState', -1],
      ['randomState', 2 ** 32],
      ['randomState', 0.5],
      ['shuffle', 'yes'],
    ];
    for (const [key, value] of bad) {
      const e = caught(() => fitPerceptron(X, y, 3, { [key]: value }));
      expect(e, `${key}=${String(value)}`).toBeInstanceOf(InvalidParameterError);
      expect((e as Error).message).toContain(key);
    }
  });
});

describe('prediction tie rules', () => {
  it('binary: a zero score is class 0', () => {
    expect(predictFromScores(Float64Array.from([0]), 0, 2)).toBe(0);
    expect(predictFromScores(Float64Array.from([-0.5, 1e-300]), 1, 2)).toBe(1);
  });

  it('multiclass: the first maximum wins, a NaN wins like numpy argmax', () => {
    expect(predictFromScores(Float64Array.from([9, 1, 3, 3, 2]), 1, 3)).toBe(1);
    expect(predictFromScores(Float64Array.from([1, 2, 2]), 0, 3)).toBe(1);
    expect(predictFromScores(Float64Array.from([1, Number.NaN, 5]), 0, 3)).toBe(1);
  });

  it('sums the dot product over features first, then adds the intercept', () => {
    const model = { nClasses: 2, nFeatures: 2, coef: Float64Array.from([0.7, 0.2]), intercept: Float64Array.from([0.1]) };
    // (0.7 + 0.2) + 0.1 rounds to 0.9999999999999999; starting from the intercept would give 1.
    expect(Array.from(decisionFunction(model, matrix(Float64Array.from([1, 1]), 1, 2)))).toEqual([0.9999999999999999]);
  });

  it('checks the model against the input', () => {
    const model = { nClasses: 3, nFeatures: 2, coef: new Float64Array(6), intercept: Float64Array.from([0, 1, 0]) };
    expect(Array.from(predictCodes(model, matrix(new Float64Array(4), 2, 2)))).toEqual([1, 1]);
    expect(() => predictCodes(model, matrix(new Float64Array(3), 1, 3))).toThrow(RangeError);
  });
});

describe('Perceptron class', () => {
  it('matches the functions', () => {
    const X = matrix(Float64Array.from([1, 2, -1, 0, 3, -2, 0.5, 0.5]), 4, 2);
    const y = Int32Array.from([0, 1, 2, 1]);
    const p = new Perceptron({ eta0: 0.5, randomState: 3 });
    expect(() => p.predict(X)).toThrow();
    p.fit(X, y, 3);
    const m = fitPerceptron(X, y, 3, { eta0: 0.5, randomState: 3 });
    expect(p.model_).toEqual(m);
    expect(p.decisionFunction(X)).toEqual(decisionFunction(m, X));
    expect(p.predict(X)).toEqual(predictCodes(m, X));
  });
});
