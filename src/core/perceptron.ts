/**
 * scikit-learn's `Perceptron` (= SGDClassifier with the perceptron loss, constant learning rate,
 * no penalty) on dense float64 data, following SKLEARN_PARITY.md §4 operation for operation.
 */
import { DataError, InvalidParameterError, NumericalError } from './errors.js';
import { MAX_INT, RandomState, isValidSeed } from './random.js';
import type { Matrix } from './types.js';

export interface PerceptronParams {
  maxIter: number;
  eta0: number;
  /** null runs every epoch (scikit-learn's tol=None). */
  tol: number | null;
  nIterNoChange: number;
  shuffle: boolean;
  fitIntercept: boolean;
  randomState: number;
}

/** The iris CLI's defaults (scikit-learn's own are max_iter=1000, eta0=1.0). */
export const DEFAULT_PERCEPTRON_PARAMS: PerceptronParams = Object.freeze({
  maxIter: 40,
  eta0: 0.1,
  tol: 1e-3,
  nIterNoChange: 5,
  shuffle: true,
  fitIntercept: true,
  randomState: 0,
});

export interface PerceptronModel {
  nClasses: number;
  nFeatures: number;
  /** Row-major, coefRows(nClasses) x nFeatures. */
  coef: Float64Array;
  intercept: Float64Array;
  /** Epochs run; with several classes, the most any one-vs-rest model ran. */
  nIter: number;
  /** tol !== null && nIter < maxIter: scikit-learn would not warn of non-convergence. */
  converged: boolean;
}

type LinearModel = Pick<PerceptronModel, 'nClasses' | 'nFeatures' | 'coef' | 'intercept'>;

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

export function validatePerceptronParams(p: PerceptronParams): void {
  const { maxIter, eta0, tol, nIterNoChange, shuffle, fitIntercept, randomState } = p;
  if (typeof maxIter !== 'number' || !Number.isInteger(maxIter) || maxIter < 1) {
    throw new InvalidParameterError(`maxIter must be an integer >= 1, got ${describe(maxIter)}`);
  }
  if (typeof eta0 !== 'number' || !Number.isFinite(eta0) || !(eta0 > 0)) {
    throw new InvalidParameterError(`eta0 must be a finite number > 0, got ${describe(eta0)}`);
  }
  if (tol !== null && (typeof tol !== 'number' || !Number.isFinite(tol) || !(tol >= 0))) {
    throw new InvalidParameterError(`tol must be null (none) or a finite number >= 0, got ${describe(tol)}`);
  }
  if (typeof nIterNoChange !== 'number' || !Number.isInteger(nIterNoChange) || nIterNoChange < 1) {
    throw new InvalidParameterError(`nIterNoChange must be an integer >= 1, got ${describe(nIterNoChange)}`);
  }
  if (typeof shuffle !== 'boolean') {
    throw new InvalidParameterError(`shuffle must be true or false, got ${describe(shuffle)}`);
  }
  if (typeof fitIntercept !== 'boolean') {
    throw new InvalidParameterError(`fitIntercept must be true or false, got ${describe(fitIntercept)}`);
  }
  if (typeof randomState !== 'number' || !isValidSeed(randomState)) {
    throw new InvalidParameterError(
      `randomState must be an integer between 0 and 4294967295, got ${describe(randomState)}`,
    );
  }
}

/** The defaults overlaid with the given values; an explicit `undefined` keeps the default. */
export function resolvePerceptronParams(params: Partial<PerceptronParams> = {}): PerceptronParams {
  const p: PerceptronParams = { ...DEFAULT_PERCEPTRON_PARAMS };
  const target = p as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && key in p) target[key] = value;
  }
  return p;
}

/** Binary problems have a single weight row whose positive class is code 1. */
export function coefRows(nClasses: number): number {
  return nClasses === 2 ? 1 : nClasses;
}

/**
 * `our_rand_r` xorshift over a caller-held state, then sklearn's forward Fisher–Yates. The seed
 * is copied on entry: every epoch replays the same swaps on the previous epoch's order.
 */
function datasetShuffle(index: Int32Array, seed: number): void {
  const n = index.length;
  let s = seed >>> 0;
  for (let i = 0; i < n - 1; i++) {
    if (s === 0) s = 1;
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    const r = s & 0x7fffffff;
    const j = i + (r % (n - i));
    const t = index[i]!;
    index[i] = index[j]!;
    index[j] = t;
  }
}

/**
 * `_plain_sgd` for one binary target t = ±1: weights into `w` (zeroed by the caller), returns
 * the intercept and the number of epochs run.
 */
function trainOne(
  x: Float64Array,
  n: number,
  d: number,
  target: Float64Array,
  w: Float64Array,
  index: Int32Array,
  seed: number,
  p: PerceptronParams,
): { intercept: number; nIter: number } {
  const { maxIter, eta0, shuffle, fitIntercept, nIterNoChange } = p;
  const tol = p.tol;
  for (let i = 0; i < n; i++) index[i] = i;
  let b = 0.0;
  let bestLoss = Infinity;
  let noImprove = 0;
  let epoch = 0;
  for (; epoch < maxIter; epoch++) {
    let sumloss = 0.0;
    if (shuffle) datasetShuffle(index, seed);
    for (let k = 0; k < n; k++) {
      const i = index[k]!;
      const row = i * d;
      const t = target[i]!;
      let dot = 0.0;
      for (let j = 0; j < d; j++) dot = dot + w[j]! * x[row + j]!;
      const z = (dot * 1.0 + b) * t;
      // Hinge with threshold 0 uses `<=`: the all-zero start (z == 0) updates.
      if (z <= 0.0) {
        sumloss = sumloss + (0.0 - z);
        // update = -eta0 * dloss with dloss = -t, times class and sample weights of 1.0.
        const update = -eta0 * -t * (1.0 * 1.0);
        if (update !== 0.0) {
          for (let j = 0; j < d; j++) w[j] = w[j]! + x[row + j]! * update;
          if (fitIntercept) b = b + update * 1.0;
        }
      }
    }
    let finite = Number.isFinite(b);
    for (let j = 0; finite && j < d; j++) finite = Number.isFinite(w[j]!);
    if (!finite) {
      throw new NumericalError(`Floating-point under-/overflow occurred at epoch #${epoch + 1}`, {
        hint: 'scale the features or lower --eta0',
      });
    }
    if (tol !== null && sumloss > bestLoss - tol * n) noImprove += 1;
    else noImprove = 0;
    if (sumloss < bestLoss) bestLoss = sumloss;
    if (noImprove >= nIterNoChange) {
      epoch += 1;
      break;
    }
  }
  return { intercept: b, nIter: epoch };
}

export function fitPerceptron(
  X: Matrix,
  y: Int32Array,
  nClasses: number,
  params: Partial<PerceptronParams> = {},
): PerceptronModel {
  const p = resolvePerceptronParams(params);
  validatePerceptronParams(p);
  const n = X.rows;
  const d = X.cols;
  if (X.data.length !== n * d) throw new RangeError(`matrix ${n} x ${d} has ${X.data.length} values`);
  if (y.length !== n) throw new RangeError(`${y.length} labels for ${n} rows`);
  if (!Number.isInteger(nClasses) || nClasses < 2) {
    throw new DataError(`the perceptron needs at least 2 classes, got ${nClasses}`);
  }
  if (n === 0) throw new DataError('cannot train the perceptron on 0 rows');
  for (let i = 0; i < n; i++) {
    const c = y[i]!;
    if (c < 0 || c >= nClasses) throw new RangeError(`label code ${c} at row ${i} is not in [0, ${nClasses})`);
  }

  const rows = coefRows(nClasses);
  const coef = new Float64Array(rows * d);
  const intercept = new Float64Array(rows);
  const target = new Float64Array(n);
  const index = new Int32Array(n);
  let nIter = 0;

  const fitRow = (r: number, positive: number, rs: RandomState): void => {
    // make_dataset draws a seed that the dense dataset never uses; the draw still advances rs.
    rs.randint(1, MAX_INT);
    const seed = rs.randint(MAX_INT);
    for (let i = 0; i < n; i++) target[i] = y[i] === positive ? 1.0 : -1.0;
    const w = coef.subarray(r * d, (r + 1) * d);
    const res = trainOne(X.data, n, d, target, w, index, seed, p);
    intercept[r] = res.intercept;
    if (res.nIter > nIter) nIter = res.nIter;
  };

  const rs = new RandomState(p.randomState);
  if (nClasses === 2) {
    fitRow(0, 1, rs);
  } else {
    const seeds = new Array<number>(nClasses);
    for (let k = 0; k < nClasses; k++) seeds[k] = rs.randint(MAX_INT);
    for (let k = 0; k < nClasses; k++) fitRow(k, k, new RandomState(seeds[k]!));
  }
  return {
    nClasses,
    nFeatures: d,
    coef,
    intercept,
    nIter,
    converged: p.tol !== null && nIter < p.maxIter,
  };
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
 * blocking can differ in the last bit; predictions agree (SKLEARN_PARITY.md §4.6).
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
export function scoreRowInto(
  x: Float64Array,
  xr: number,
  d: number,
  w: Float64Array,
  b: Float64Array,
  rows: number,
  out: Float64Array,
  o: number,
): void {
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

export class Perceptron {
  readonly params: PerceptronParams;
  model_?: PerceptronModel;

  constructor(params: Partial<PerceptronParams> = {}) {
    this.params = resolvePerceptronParams(params);
  }

  fit(X: Matrix, y: Int32Array, nClasses: number): this {
    this.model_ = fitPerceptron(X, y, nClasses, this.params);
    return this;
  }

  private fitted(): PerceptronModel {
    if (this.model_ === undefined) throw new Error('Perceptron used before fit');
    return this.model_;
  }

  decisionFunction(X: Matrix): Float64Array {
    return decisionFunction(this.fitted(), X);
  }

  predict(X: Matrix): Int32Array {
    return predictCodes(this.fitted(), X);
  }
}
