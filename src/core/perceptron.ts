/**
 * scikit-learn's `Perceptron` (= SGDClassifier with the perceptron loss and a constant learning rate)
 * on dense float64 data, following docs/SKLEARN_PARITY.md §4 and §11–14 operation for operation:
 * penalties, class and sample weights, early stopping, starting weights.
 */
import { computeClassWeight, problemWeights, validateClassWeight, type ClassWeightParam } from './class-weight.js';
import { DataError, InvalidParameterError } from './errors.js';
import { MAX_INT, MAX_SEED, RandomState, isValidSeed } from './random.js';
import { coefRows, decisionFunction, predictCodes } from './linear.js';
import { pairwiseSum } from './scaler.js';
import { trainFull, trainPlain, type FullLoopOptions } from './sgd.js';
import { trainTestSplit } from './split.js';
import type { Matrix } from './types.js';

export type { ClassWeightParam } from './class-weight.js';
export type PerceptronPenalty = null | 'l2' | 'l1' | 'elasticnet';
export const PERCEPTRON_PENALTIES: readonly PerceptronPenalty[] = [null, 'l2', 'l1', 'elasticnet'];

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
  /** Only for elasticnet (l2 uses 0, l1 uses 1). */
  l1Ratio: number;
  earlyStopping: boolean;
  validationFraction: number;
  classWeight: ClassWeightParam;
  /** The model whose weights started the fit (fit(coef_init=, intercept_init=)), by checksum. */
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
  /** With early stopping: the validation rows (ascending positions in X). */
  validationRows?: number[];
}

/** What a fit may get besides the hyperparameters. */
export interface PerceptronFitExtras {
  /** Class names of the codes, for a record of class weights and for messages. */
  classes?: readonly string[];
  sampleWeight?: Float64Array;
  /** Starting weights, coefRows(nClasses) x d, and intercepts (scikit-learn's coef_init / intercept_init). */
  coefInit?: Float64Array;
  interceptInit?: Float64Array;
}

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

export function validatePerceptronParams(p: PerceptronParams): void {
  const { maxIter, eta0, tol, nIterNoChange, shuffle, fitIntercept, randomState } = p;
  if (!PERCEPTRON_PENALTIES.includes(p.penalty)) {
    throw new InvalidParameterError(`penalty must be null (none), "l2", "l1" or "elasticnet", got ${describe(p.penalty)}`);
  }
  if (typeof p.alpha !== 'number' || !Number.isFinite(p.alpha) || !(p.alpha >= 0)) {
    throw new InvalidParameterError(`alpha must be a finite number >= 0, got ${describe(p.alpha)}`);
  }
  if (typeof p.l1Ratio !== 'number' || !(p.l1Ratio >= 0 && p.l1Ratio <= 1)) {
    throw new InvalidParameterError(`l1Ratio must be a number from 0 to 1, got ${describe(p.l1Ratio)}`);
  }
  if (typeof p.earlyStopping !== 'boolean') {
    throw new InvalidParameterError(`earlyStopping must be true or false, got ${describe(p.earlyStopping)}`);
  }
  if (typeof p.validationFraction !== 'number' || !(p.validationFraction > 0 && p.validationFraction < 1)) {
    throw new InvalidParameterError(`validationFraction must be a number in (0, 1), got ${describe(p.validationFraction)}`);
  }
  validateClassWeight(p.classWeight);
  if (p.initModel !== null && (typeof p.initModel !== 'object' || typeof p.initModel.checksum !== 'string')) {
    throw new InvalidParameterError(`initModel must be null or { checksum }, got ${describe(p.initModel)}`);
  }
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
    throw new InvalidParameterError(`randomState must be an integer between 0 and ${MAX_SEED}, got ${describe(randomState)}`);
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

export function fitPerceptron(
  X: Matrix,
  y: Int32Array,
  nClasses: number,
  params: Partial<PerceptronParams> = {},
  extras: PerceptronFitExtras = {},
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
  const names = extras.classes ?? Array.from({ length: nClasses }, (_, k) => String(k));
  const rows = coefRows(nClasses);
  const sampleWeight = extras.sampleWeight ?? null;
  if (sampleWeight !== null && sampleWeight.length !== n) throw new RangeError(`${sampleWeight.length} sample weights for ${n} rows`);
  const coef = new Float64Array(rows * d);
  const intercept = new Float64Array(rows);
  if (extras.coefInit !== undefined) {
    if (extras.coefInit.length !== rows * d) throw new DataError(`coef_init has ${extras.coefInit.length} values, the model needs ${rows} x ${d}`);
    coef.set(extras.coefInit);
  }
  if (extras.interceptInit !== undefined) {
    if (extras.interceptInit.length !== rows) throw new DataError(`intercept_init has ${extras.interceptInit.length} values, the model needs ${rows}`);
    intercept.set(extras.interceptInit);
  }
  const classWeight = computeClassWeight(p.classWeight, names, y);
  const target = new Float64Array(n);
  const index = new Int32Array(n);

  const val = p.earlyStopping ? validationSplit(y, nClasses, names, p, sampleWeight) : null;
  let allOnes = true;
  for (let c = 0; c < nClasses; c++) if (classWeight[c] !== 1.0) allOnes = false;
  // The plain loop gives the same bits when nothing else applies, at the original speed.
  const plain = p.penalty === null && val === null && sampleWeight === null && allOnes;
  const penaltyType = p.penalty === null ? 0 : p.penalty === 'l1' ? 1 : p.penalty === 'l2' ? 2 : 3;
  const full: FullLoopOptions = {
    penaltyType,
    alpha: p.alpha,
    l1Ratio: p.penalty === 'l2' ? 0.0 : p.penalty === 'l1' ? 1.0 : p.l1Ratio,
    weightPos: 1.0,
    weightNeg: 1.0,
    sampleWeight,
    valMask: val?.mask ?? null,
    valRows: val?.rows ?? null,
    valScratch: val === null ? null : new Float64Array(val.rows.length),
    valWeightSum: val?.weightSum ?? 1.0,
    q: new Float64Array(d),
  };
  let nIter = 0;

  const fitRow = (r: number, positive: number, rs: RandomState): void => {
    // make_dataset draws a seed that the dense dataset never uses; the draw still advances rs.
    rs.randint(1, MAX_INT);
    const seed = rs.randint(MAX_INT);
    for (let i = 0; i < n; i++) target[i] = y[i] === positive ? 1.0 : -1.0;
    const w = coef.subarray(r * d, (r + 1) * d);
    let res;
    if (plain) {
      res = trainPlain(X.data, n, d, target, w, intercept[r]!, index, seed, p);
    } else {
      const { pos, neg } = problemWeights(classWeight, r);
      full.weightPos = pos;
      full.weightNeg = neg;
      res = trainFull(X.data, n, d, target, w, intercept[r]!, index, seed, p, full);
    }
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
    ...(val === null ? {} : { validationRows: Array.from(val.rows) }),
  };
}

/**
 * §13.1: one StratifiedShuffleSplit(test_size=validationFraction, random_state) of the rows given to
 * fit, on the class codes (the binary ±1 targets give the same partition), shared by every
 * one-vs-rest problem.
 */
function validationSplit(
  y: Int32Array,
  nClasses: number,
  names: readonly string[],
  p: PerceptronParams,
  sampleWeight: Float64Array | null,
): { mask: Uint8Array; rows: Int32Array; weightSum: number } {
  const n = y.length;
  const present = new Set(y).size;
  let split;
  try {
    split = trainTestSplit(n, { testSize: p.validationFraction, seed: p.randomState, stratify: y, classNames: names });
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    throw new DataError(`early stopping cannot hold out a validation split of ${n} rows: ${error.message}`, {
      hint: 'raise --validation-fraction, use more rows, or leave out --early-stopping',
      cause: error,
    });
  }
  if (split.test.length < present || split.train.length < present) {
    throw new DataError(`early stopping: the validation split needs at least one row of each of the ${nClasses} classes`);
  }
  const mask = new Uint8Array(n);
  for (const i of split.test) mask[i] = 1;
  const rows = Int32Array.from(split.test).sort();
  let weightSum = rows.length;
  if (sampleWeight !== null) {
    const w = Float64Array.from(rows, (i) => sampleWeight[i]!);
    weightSum = pairwiseSum(w, 0, w.length);
    if (!w.some((v) => v > 0)) {
      throw new DataError('early stopping: the sample weights of the validation rows are all zero', { hint: 'use another --seed' });
    }
  }
  return { mask, rows, weightSum };
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
