/**
 * The linear part of a fitted model: decision function and class choice. Scoring imports no
 * training code (a worker thread or a browser can load this module alone); training imports it.
 */
import type { Matrix } from './types.js';

/** What the decision function needs: weights of coefRows(nClasses) rows x nFeatures, row-major. */
export interface LinearModel {
  nClasses: number;
  nFeatures: number;
  coef: Float64Array;
  intercept: Float64Array;
}

/** Binary problems have a single weight row whose positive class is code 1. */
export function coefRows(nClasses: number): number {
  return nClasses === 2 ? 1 : nClasses;
}

function checkModel(model: LinearModel, X: Matrix): number {
  const rows = coefRows(model.nClasses);
  if (model.coef.length !== rows * model.nFeatures || model.intercept.length !== rows) {
    throw new RangeError(
      `model with ${model.nClasses} classes and ${model.nFeatures} features has ${model.coef.length} weights and ${model.intercept.length} intercepts`,
    );
  }
  if (X.cols !== model.nFeatures) {
    throw new RangeError(`model expects ${model.nFeatures} features, got ${X.cols}`);
  }
  if (X.data.length !== X.rows * X.cols) {
    throw new RangeError(`matrix ${X.rows} x ${X.cols} has ${X.data.length} values`);
  }
  return rows;
}

/**
 * X·coefᵀ + intercept with a sequential dot over features. sklearn goes through BLAS, whose
 * blocking can differ in the last bit; predictions agree (docs/SKLEARN_PARITY.md §4.6).
 */
export function decisionFunction(model: LinearModel, X: Matrix, out?: Float64Array): Float64Array {
  const rows = checkModel(model, X);
  const n = X.rows;
  const d = X.cols;
  const res = out ?? new Float64Array(n * rows);
  if (res.length !== n * rows) throw new RangeError(`output buffer has ${res.length} values, needs ${n * rows}`);
  const x = X.data;
  const w = model.coef;
  const b = model.intercept;
  for (let i = 0; i < n; i++) scoreRowInto(x, i * d, d, w, b, rows, res, i * rows);
  return res;
}

/**
 * The decision function of the row x[xr .. xr+d): per coef row, a sequential dot over the features
 * (j ascending, as scikit-learn's sequential sum), then + intercept, into out[o .. o+rows).
 */
export function scoreRowInto(x: Float64Array, xr: number, d: number, w: Float64Array, b: Float64Array, rows: number, out: Float64Array, o: number): void {
  for (let k = 0; k < rows; k++) {
    const wr = k * d;
    let dot = 0.0;
    for (let j = 0; j < d; j++) dot = dot + x[xr + j]! * w[wr + j]!;
    out[o + k] = dot + b[k]!;
  }
}

/**
 * One row's class code. Binary: positive score → 1 (exactly 0 → 0). Multiclass: numpy argmax,
 * the first maximum (and the first NaN, as numpy's argmax treats NaN as the maximum).
 */
export function predictFromScores(scores: Float64Array, offset: number, nClasses: number): number {
  if (nClasses === 2) return scores[offset]! > 0 ? 1 : 0;
  let best = 0;
  let bestValue = scores[offset]!;
  if (Number.isNaN(bestValue)) return 0;
  for (let k = 1; k < nClasses; k++) {
    const v = scores[offset + k]!;
    if (Number.isNaN(v)) return k;
    if (v > bestValue) {
      best = k;
      bestValue = v;
    }
  }
  return best;
}

/** The class code of every row: decisionFunction then predictFromScores, row by row, without a scores matrix. */
export function predictCodes(model: LinearModel, X: Matrix, out?: Int32Array): Int32Array {
  const rows = checkModel(model, X);
  const n = X.rows;
  const d = X.cols;
  const res = out ?? new Int32Array(n);
  if (res.length !== n) throw new RangeError(`output buffer has ${res.length} values, needs ${n}`);
  const x = X.data;
  const w = model.coef;
  const b = model.intercept;
  const nClasses = model.nClasses;
  const scores = new Float64Array(rows);
  for (let i = 0; i < n; i++) {
    scoreRowInto(x, i * d, d, w, b, rows, scores, 0);
    res[i] = predictFromScores(scores, 0, nClasses);
  }
  return res;
}

/** predictCodes and the decision function together, for rows already scaled (the same bits as each alone). */
export function predictWithScores(model: LinearModel, X: Matrix): { predictions: Int32Array; scores: Float64Array } {
  const scores = decisionFunction(model, X);
  const rows = coefRows(model.nClasses);
  const predictions = new Int32Array(X.rows);
  for (let i = 0; i < X.rows; i++) predictions[i] = predictFromScores(scores, i * rows, model.nClasses);
  return { predictions, scores };
}

/** What scoring raw (unscaled) rows needs of a fitted model: the scaler's statistics and the weights. */
export interface ScoringModel {
  readonly classes: readonly string[];
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  /** Row-major, coefRows(classes.length) x mean.length. */
  readonly coef: Float64Array;
  readonly intercept: Float64Array;
}

/**
 * Scores raw rows: standard scaling with the stored statistics, then the decision function and the
 * class index. One pass per row, with no scaled copy of the rows: the same operations in the same
 * order as transformStandard, then decisionFunction and predictFromScores, so the same bits.
 */
export function scoreRows(model: ScoringModel, X: Matrix): { predictions: Int32Array; scores: Float64Array } {
  if (X.cols !== model.mean.length) {
    throw new RangeError(`rows have ${X.cols} features, the model ${model.mean.length}`);
  }
  const nClasses = model.classes.length;
  const rows = coefRows(nClasses);
  const d = X.cols;
  const n = X.rows;
  const { mean, scale, coef: w, intercept: b } = model;
  if (mean.length !== d || scale.length !== d || w.length !== rows * d || b.length !== rows) {
    throw new RangeError(
      `a model of ${nClasses} classes and ${d} features has ${mean.length} means, ${scale.length} scales, ${w.length} weights and ${b.length} intercepts`,
    );
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
