/**
 * Every scikit-learn reference case of fixtures/reference/iris-sklearn.json, replayed through the
 * core API exactly as `iris train` wires it: split, scaler on the training rows, perceptron, then
 * predictions and metrics on the test rows.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  classificationReport,
  coefRows,
  decisionFunction,
  encodeLabels,
  fitPerceptron,
  fitStandardScaler,
  matrix,
  predictCodes,
  takeCodes,
  takeRows,
  transformStandard,
  trainTestSplit,
} from '../../src/core/index.js';
import { loadIris, loadReference, parseCli } from '../helpers/iris.js';

const cases = loadReference();

interface Tally {
  identical: number;
  total: number;
  worst: number;
}
const tallies: Record<'model' | 'decision', Tally> = {
  model: { identical: 0, total: 0, worst: 0 },
  decision: { identical: 0, total: 0, worst: 0 },
};

function relErr(a: number, b: number): number {
  if (Object.is(a, b)) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), Number.MIN_VALUE);
}

/** Within 1e-12 relative, and counted when bit-identical. */
function expectClose(actual: ArrayLike<number>, expected: readonly number[], kind: keyof typeof tallies, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const t = tallies[kind];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const err = relErr(a, e);
    t.total++;
    if (Object.is(a, e)) t.identical++;
    if (err > t.worst) t.worst = err;
    expect(err, `${what}[${i}]: ${a} vs ${e}`).toBeLessThanOrEqual(1e-12);
  }
}

afterAll(() => {
  // Surfaced in the test output for the parity report.
  console.log(
    `reference parity: model values ${tallies.model.identical}/${tallies.model.total} bit-identical ` +
      `(worst rel ${tallies.model.worst}); decision values ${tallies.decision.identical}/${tallies.decision.total} ` +
      `bit-identical (worst rel ${tallies.decision.worst.toExponential(2)})`,
  );
});

describe.each(cases.map((c) => [c.name, c] as const))('reference case %s', (_name, ref) => {
  const o = parseCli(ref.cli);
  const data = loadIris(o.features);
  const X = matrix(data.X, data.rows, data.features.length);
  const all = encodeLabels(data.labels);
  const split = trainTestSplit(data.rows, {
    testSize: o.testSize,
    seed: o.seed,
    shuffle: o.splitShuffle,
    stratify: o.stratify ? all.codes : null,
  });
  const Xtr = takeRows(X, split.train);
  const Xte = takeRows(X, split.test);
  // sklearn's classes_ come from the training labels only.
  const trainLabels = split.train.map((i) => data.labels[i]!);
  const enc = encodeLabels(trainLabels);
  const yte = encodeLabels(
    split.test.map((i) => data.labels[i]!),
    enc.classes,
  ).codes;
  const scaler = fitStandardScaler(Xtr);
  const model = fitPerceptron(transformStandard(scaler, Xtr), enc.codes, enc.classes.length, {
    maxIter: o.maxIter,
    eta0: o.eta0,
    tol: o.tol,
    nIterNoChange: o.nIterNoChange,
    shuffle: o.shuffle,
    randomState: o.seed,
  });
  const Zte = transformStandard(scaler, Xte);
  const pred = predictCodes(model, Zte);

  it('uses the same features and classes', () => {
    expect(data.features).toEqual(ref.features);
    expect(enc.classes).toEqual(ref.classes);
    expect(takeCodes(all.codes, split.train)).toHaveLength(ref.split.train.length);
  });

  it('splits into the same indices, in the same order', () => {
    expect(split.test).toEqual(ref.split.test);
    expect(split.train).toEqual(ref.split.train);
  });

  it('fits the same scaler', () => {
    expectClose(scaler.mean, ref.scaler.mean, 'model', 'mean');
    expectClose(scaler.scale, ref.scaler.scale, 'model', 'scale');
  });

  it('learns the same weights in the same number of epochs', () => {
    expect(model.nIter).toBe(ref.n_iter);
    expect(model.converged).toBe(o.tol !== null && ref.n_iter < o.maxIter);
    expect(model.coef.length).toBe(ref.coef.length * data.features.length);
    expectClose(model.coef, ref.coef.flat(), 'model', 'coef');
    expectClose(model.intercept, ref.intercept, 'model', 'intercept');
  });

  it('predicts the same labels with the same decision values', () => {
    expect(Array.from(pred, (c) => enc.classes[c])).toEqual(ref.test_predictions);
    const scores = decisionFunction(model, Zte);
    expect(scores.length).toBe(split.test.length * coefRows(enc.classes.length));
    expectClose(scores, (ref.test_decision_function as number[] | number[][]).flat(), 'decision', 'decision');
  });

  it('scores the same metrics', () => {
    const rep = classificationReport(yte, pred, enc.classes.length);
    expect(rep.n).toBe(ref.split.test.length);
    expect(rep.accuracy).toBe(ref.accuracy);
    expect(rep.misclassified).toBe(ref.misclassified);
    expect(rep.confusionMatrix).toEqual(ref.confusion_matrix);
    enc.classes.forEach((cls, k) => {
      const want = ref.per_class[cls]!;
      const got = rep.perClass[k]!;
      expect(got.support).toBe(want.support);
      expect(got.precision).toBe(want.precision);
      expect(got.recall).toBe(want.recall);
      expect(relErr(got.f1, want.f1), `${cls} f1 ${got.f1} vs ${want.f1}`).toBeLessThanOrEqual(1e-12);
    });
  });
});

describe('reference parity totals', () => {
  it('reproduces every scaler statistic, weight and intercept bit for bit', () => {
    // Runs after the per-case tests (vitest runs a file's tests in order).
    expect(tallies.model.total).toBeGreaterThan(0);
    expect(tallies.model.identical).toBe(tallies.model.total);
  });
});
