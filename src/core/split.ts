/**
 * scikit-learn's `train_test_split` on row indices (docs/SKLEARN_PARITY.md §2): `ShuffleSplit` or
 * `StratifiedShuffleSplit` (first split), or the ordered split when shuffle is off.
 */
import { DataError, InvalidParameterError } from './errors.js';
import { RandomState, validateSeed } from './random.js';

export interface SplitOptions {
  /** A count when an integer >= 1, otherwise a fraction in (0, 1). */
  testSize?: number | null;
  trainSize?: number | null;
  seed?: number;
  shuffle?: boolean;
  /** Class code per row (codes ordered like the sorted classes). */
  stratify?: ArrayLike<number> | null;
  /** Names of the stratify codes, only used to word error messages. */
  classNames?: readonly string[] | null;
}

export interface SplitResult {
  train: number[];
  test: number[];
}

type Size = { kind: 'none' } | { kind: 'count'; value: number } | { kind: 'fraction'; value: number };

function classifySize(v: number | null | undefined, name: string): Size {
  if (v === null || v === undefined) return { kind: 'none' };
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new InvalidParameterError(`${name} must be a number, got ${String(v)}`);
  }
  if (Number.isInteger(v) && v >= 1) return { kind: 'count', value: v };
  if (!(v > 0 && v < 1)) {
    throw new InvalidParameterError(`${name} ${v} must be a fraction in (0, 1) or a whole number of rows >= 1`);
  }
  return { kind: 'fraction', value: v };
}

function show(s: Size): string {
  return s.kind === 'none' ? 'none' : String(s.value);
}

/** `_validate_shuffle_split`: the train and test counts, with sklearn's conditions. */
export function splitSizes(n: number, testSize?: number | null, trainSize?: number | null): { nTrain: number; nTest: number } {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`number of rows must be a non-negative integer, got ${n}`);
  }
  let test = classifySize(testSize, 'test size');
  const train = classifySize(trainSize, 'train size');
  if (test.kind === 'none' && train.kind === 'none') test = { kind: 'fraction', value: 0.25 };

  if (test.kind === 'fraction' && train.kind === 'fraction' && train.value + test.value > 1) {
    throw new InvalidParameterError(`test size ${test.value} and train size ${train.value} add up to ${train.value + test.value}, more than 1`);
  }
  for (const [s, name, other] of [
    [test, 'test', 'training'],
    [train, 'train', 'testing'],
  ] as const) {
    if (s.kind !== 'count') continue;
    if (s.value > n) {
      throw new DataError(`${name} size ${s.value} is larger than the ${n} rows available`);
    }
    if (s.value === n) {
      throw new DataError(`${name} size ${s.value} leaves no rows for ${other}: the data has ${n} rows`);
    }
  }

  // The float product is rounded before ceil/floor: 0.07 * 100 = 7.000000000000001 gives 8.
  let nTest = test.kind === 'fraction' ? Math.ceil(test.value * n) : test.kind === 'count' ? test.value : 0;
  let nTrain = train.kind === 'fraction' ? Math.floor(train.value * n) : train.kind === 'count' ? train.value : 0;
  if (train.kind === 'none') nTrain = n - nTest;
  else if (test.kind === 'none') nTest = n - nTrain;

  if (nTrain + nTest > n) {
    throw new DataError(`train size ${nTrain} and test size ${nTest} add up to ${nTrain + nTest}, more than the ${n} rows available`);
  }
  if (nTrain === 0) {
    throw new DataError(`with ${n} rows, test size ${show(test)} and train size ${show(train)} the training set would be empty`);
  }
  return { nTrain, nTest };
}

/** `_approximate_mode`: per-class draws summing to nDraws, ties broken with the RNG. */
export function approximateMode(counts: readonly number[], nDraws: number, rng: RandomState): number[] {
  const k = counts.length;
  let total = 0;
  for (let c = 0; c < k; c++) total += counts[c]!;
  const continuous = new Array<number>(k);
  const floored = new Array<number>(k);
  let flooredSum = 0;
  for (let c = 0; c < k; c++) {
    // Divide first, then multiply: that is numpy's `counts / counts.sum() * n_draws`.
    const v = (counts[c]! / total) * nDraws;
    continuous[c] = v;
    floored[c] = Math.floor(v);
    flooredSum += floored[c]!;
  }
  let need = Math.trunc(nDraws - flooredSum);
  if (need > 0) {
    const remainder = new Array<number>(k);
    for (let c = 0; c < k; c++) remainder[c] = continuous[c]! - floored[c]!;
    const values = [...new Set(remainder)].sort((a, b) => b - a);
    for (const value of values) {
      const inds: number[] = [];
      for (let c = 0; c < k; c++) if (remainder[c] === value) inds.push(c);
      const add = Math.min(inds.length, need);
      const chosen = rng.choice(inds.length, add);
      for (const pick of chosen) floored[inds[pick]!]! += 1;
      need -= add;
      if (need === 0) break;
    }
  }
  return floored;
}

function stratifiedSplit(
  n: number,
  nTrain: number,
  nTest: number,
  stratify: ArrayLike<number>,
  seed: number,
  classNames: readonly string[] | null | undefined,
): SplitResult {
  if (stratify.length !== n) {
    throw new RangeError(`stratify has ${stratify.length} codes for ${n} rows`);
  }
  const distinct = new Set<number>();
  for (let i = 0; i < n; i++) distinct.add(stratify[i]!);
  const classes = [...distinct].sort((a, b) => a - b);
  const position = new Map<number, number>();
  classes.forEach((c, i) => position.set(c, i));
  const classIdx: number[][] = classes.map(() => []);
  for (let i = 0; i < n; i++) classIdx[position.get(stratify[i]!)!]!.push(i);
  const counts = classIdx.map((a) => a.length);
  const nClasses = classes.length;

  for (let c = 0; c < nClasses; c++) {
    if (counts[c]! < 2) {
      const code = classes[c]!;
      const name = classNames?.[code];
      const label = name === undefined ? `class ${code}` : `class "${name}"`;
      throw new DataError(`${label} has only ${counts[c]} member; stratify needs at least 2 rows of every class`);
    }
  }
  if (nTrain < nClasses) {
    throw new DataError(`the training set has ${nTrain} rows, fewer than the ${nClasses} classes that stratify must place in it`);
  }
  if (nTest < nClasses) {
    throw new DataError(`the test set has ${nTest} rows, fewer than the ${nClasses} classes that stratify must place in it`);
  }

  const rng = new RandomState(seed);
  const nI = approximateMode(counts, nTrain, rng);
  const remaining = counts.map((c, i) => c - nI[i]!);
  const tI = approximateMode(remaining, nTest, rng);
  const train: number[] = [];
  const test: number[] = [];
  for (let c = 0; c < nClasses; c++) {
    const idx = classIdx[c]!;
    const p = rng.permutation(counts[c]!);
    const a = nI[c]!;
    const b = Math.min(a + tI[c]!, p.length);
    for (let k = 0; k < Math.min(a, p.length); k++) train.push(idx[p[k]!]!);
    for (let k = a; k < b; k++) test.push(idx[p[k]!]!);
  }
  return { train: rng.permuted(train), test: rng.permuted(test) };
}

export function trainTestSplit(n: number, options: SplitOptions = {}): SplitResult {
  const seed = options.seed ?? 0;
  const shuffle = options.shuffle ?? true;
  const stratify = options.stratify ?? null;
  validateSeed(seed);
  if (!shuffle && stratify !== null) {
    throw new InvalidParameterError('a stratified split needs shuffling: stratify cannot be used with shuffle off');
  }
  const { nTrain, nTest } = splitSizes(n, options.testSize, options.trainSize);

  if (!shuffle) {
    const train = new Array<number>(nTrain);
    const test = new Array<number>(nTest);
    for (let i = 0; i < nTrain; i++) train[i] = i;
    for (let i = 0; i < nTest; i++) test[i] = nTrain + i;
    return { train, test };
  }
  if (stratify !== null) {
    return stratifiedSplit(n, nTrain, nTest, stratify, seed, options.classNames);
  }
  const perm = new RandomState(seed).permutation(n);
  return { test: perm.slice(0, nTest), train: perm.slice(nTest, nTest + nTrain) };
}
