/**
 * scikit-learn's `KFold` and `StratifiedKFold` (1.2 algorithm) fold assignment, and the statistics
 * of fold scores as `cross_validate` / `GridSearchCV` report them (docs/SKLEARN_PARITY.md §15–16).
 */
import { DataError, InvalidParameterError } from './errors.js';
import { RandomState, validateSeed } from './random.js';
import { pairwiseSum } from './scaler.js';

export type CvKind = 'stratified' | 'kfold';

export interface FoldOptions {
  folds: number;
  kind: CvKind;
  shuffle: boolean;
  /** random_state of a shuffled splitter. */
  seed: number;
  /**
   * StratifiedKFold with a class smaller than the number of folds: scikit-learn only warns (and
   * refuses when every class is); iris refuses it unless this is false. Default true.
   */
  refuseSmallClasses?: boolean;
}

function checkFolds(k: number, n: number): void {
  if (!Number.isInteger(k) || k < 2) {
    throw new InvalidParameterError(`cross-validation needs at least 2 folds, got ${String(k)}`, { hint: 'pass --folds 2 or more' });
  }
  if (k > n) throw new DataError(`cannot make ${k} folds of ${n} rows`, { hint: `use --folds ${Math.max(2, n)} or fewer` });
}

/**
 * The fold of every row: test(f) = the rows with fold f (ascending), train(f) = the others (ascending).
 * `y` holds one class code per row (any integers; only StratifiedKFold reads them).
 */
export function assignFolds(y: ArrayLike<number>, options: FoldOptions): Int32Array {
  const n = y.length;
  const k = options.folds;
  checkFolds(k, n);
  if (options.shuffle) validateSeed(options.seed);
  return options.kind === 'kfold' ? kfold(n, k, options) : stratifiedKFold(y, k, options);
}

function kfold(n: number, k: number, options: FoldOptions): Int32Array {
  const idx = new Array<number>(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (options.shuffle) new RandomState(options.seed).shuffle(idx);
  const foldOf = new Int32Array(n);
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    for (let p = start; p < start + size; p++) foldOf[idx[p]!] = f;
    start += size;
  }
  return foldOf;
}

function stratifiedKFold(y: ArrayLike<number>, k: number, options: FoldOptions): Int32Array {
  const n = y.length;
  // Classes in order of first appearance (np.unique(return_index) re-sorted by first index).
  const order = new Map<number, number>();
  const enc = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let c = order.get(y[i]!);
    if (c === undefined) {
      c = order.size;
      order.set(y[i]!, c);
    }
    enc[i] = c;
  }
  const C = order.size;
  const count = new Array<number>(C).fill(0);
  for (let i = 0; i < n; i++) count[enc[i]!]! += 1;
  const smallest = Math.min(...count);
  if (Math.max(...count) < k) {
    throw new DataError(`--folds ${k} is more than the rows of every class (at most ${Math.max(...count)})`, { hint: 'use fewer folds' });
  }
  if (smallest < k && options.refuseSmallClasses !== false) {
    // scikit-learn only warns when some class is smaller than k (and refuses when all are); a test fold
    // without that class is rarely what anyone wants, so iris refuses it.
    throw new DataError(`--folds ${k} is more than the ${smallest} rows of the smallest class: a stratified fold would lack it`, {
      hint: `use --folds ${Math.max(2, smallest)} or fewer, or --cv kfold`,
    });
  }
  const rng = new RandomState(options.shuffle ? options.seed : 0);
  const foldOf = new Int32Array(n);
  // Rows of each class, ascending.
  const rowsOf: number[][] = Array.from({ length: C }, () => []);
  for (let i = 0; i < n; i++) rowsOf[enc[i]!]!.push(i);
  let startC = 0;
  for (let c = 0; c < C; c++) {
    // alloc[f][c] = #{p in [startC, startC + count[c]) : p mod k == f}: the round-robin deal of the sorted labels.
    const foldsC: number[] = [];
    for (let f = 0; f < k; f++) {
      let alloc = 0;
      for (let p = startC; p < startC + count[c]!; p++) if (p % k === f) alloc++;
      for (let a = 0; a < alloc; a++) foldsC.push(f);
    }
    if (options.shuffle) rng.shuffle(foldsC);
    const rows = rowsOf[c]!;
    for (let m = 0; m < rows.length; m++) foldOf[rows[m]!] = foldsC[m]!;
    startC += count[c]!;
  }
  return foldOf;
}

/** The rows of fold f (test) and of the other folds (train), each ascending. */
export function foldRows(foldOf: Int32Array, f: number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < foldOf.length; i++) (foldOf[i] === f ? test : train).push(i);
  return { train, test };
}

/** np.mean of fold scores: numpy's pairwise sum (sequential below 8 values), then / k. */
export function foldMean(scores: ArrayLike<number>): number {
  return pairwiseSum(scores, 0, scores.length) / scores.length;
}

/** numpy's std (ddof 0): sqrt(mean((s - mean)²)), both means pairwise. */
export function foldStd(scores: ArrayLike<number>, mean = foldMean(scores)): number {
  const sq = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const dev = scores[i]! - mean;
    sq[i] = dev * dev;
  }
  return Math.sqrt(pairwiseSum(sq, 0, sq.length) / sq.length);
}

/**
 * rank_test_score: scipy rankdata(-mean, 'min') after NaN means become nanmin - 1 (failed candidates
 * tie for last); ties are exact float equality.
 */
export function rankScores(means: readonly number[]): number[] {
  const finite = means.filter((m) => !Number.isNaN(m));
  const floor = finite.length === 0 ? 0 : Math.min(...finite) - 1;
  const m = means.map((v) => (Number.isNaN(v) ? floor : v));
  return m.map((v) => 1 + m.filter((o) => o > v).length);
}
