/**
 * scikit-learn's `Perceptron` (= SGDClassifier with the perceptron loss, constant learning rate,
 * no penalty) on dense float64 data, following docs/SKLEARN_PARITY.md §4 operation for operation.
 */
import { DataError, InvalidParameterError, NumericalError } from './errors.js';
import { MAX_INT, MAX_SEED, RandomState, isValidSeed } from './random.js';
import { coefRows, decisionFunction, predictCodes } from './linear.js';
import type { Matrix } from './types.js';

/** scikit-learn's `penalty` (null = none, the Perceptron's default). */
export type PerceptronPenalty = null | 'l2' | 'l1' | 'elasticnet';
/** scikit-learn's `class_weight`: none, 'balanced', or a weight per class label. */
export type ClassWeightParam = null | 'balanced' | Record<string, number>;

export interface PerceptronParams {
  maxIter: number;
  eta0: number;
  /** null runs every epoch (scikit-learn's tol=None). */
  tol: number | null;
  nIterNoChange: number;
  shuffle: boolean;
  fitIntercept: boolean;
  randomState: number;
  penalty: PerceptronPenalty;
  alpha: number;
  l1Ratio: number;
  earlyStopping: boolean;
  validationFraction: number;
  classWeight: ClassWeightParam;
  /** Warm start from the model whose checksum this is (coef_init / intercept_init). */
  initModel: null | { checksum: string };
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
  penalty: null,
  alpha: 0.0001,
  l1Ratio: 0.15,
  earlyStopping: false,
  validationFraction: 0.1,
  classWeight: null,
  initModel: null,
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
      `randomState must be an integer between 0 and ${MAX_SEED}, got ${describe(randomState)}`,
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
