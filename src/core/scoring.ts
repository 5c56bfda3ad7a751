/**
 * Scoring raw rows with a fitted scaler and perceptron: all that `iris predict` needs of the core,
 * in a module of its own so that a one-off prediction loads no training code.
 */
import { coefRows, predictFromScores, scoreRowInto } from './perceptron.js';
import type { Matrix } from './types.js';

/** What a fitted model needs to score raw (unscaled) rows. */
export interface ScoringModel {
  classes: readonly string[];
  nFeatures: number;
  mean: ArrayLike<number>;
  scale: ArrayLike<number>;
  coef: Float64Array;
  intercept: Float64Array;
}

/**
 * Scores raw rows: standard scaling with the stored statistics, then the decision function and the
 * class index. One pass per row, with no scaled copy of the rows: the same operations in the same
 * order as transformStandard, then decisionFunction and predictFromScores, so the same bits.
 */
export function scoreRows(model: ScoringModel, X: Matrix): { predictions: Int32Array; scores: Float64Array } {
  if (X.cols !== model.nFeatures) {
    throw new RangeError(`rows have ${X.cols} features, the model ${model.nFeatures}`);
  }
  const nClasses = model.classes.length;
  const rows = coefRows(nClasses);
  const d = X.cols;
  const n = X.rows;
  const { mean, scale, coef: w, intercept: b } = model;
  if (mean.length !== d || scale.length !== d || w.length !== rows * d || b.length !== rows) {
    throw new RangeError(`a model of ${nClasses} classes and ${d} features has ${mean.length} means, ${scale.length} scales, ${w.length} weights and ${b.length} intercepts`);
  }
  if (X.data.length !== n * d) throw new RangeError(`matrix ${n} x ${d} has ${X.data.length} values`);
  const x = X.data;
  const z = new Float64Array(d);
  const scores = new Float64Array(n * rows);
  const predictions = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const xr = i * d;
    for (let j = 0; j < d; j++) z[j] = (x[xr + j]! - mean[j]!) / scale[j]!;
    const sr = i * rows;
    scoreRowInto(z, 0, d, w, b, rows, scores, sr);
    predictions[i] = predictFromScores(scores, sr, nClasses);
  }
  return { predictions, scores };
}
