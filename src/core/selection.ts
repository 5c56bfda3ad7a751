/**
 * One cross-validation fit: clone the pipeline, fit it on a fold's training rows (every
 * preprocessing step refitted there, through the pipeline's own fit), score it on the fold's test
 * rows — what `cross_validate` and `GridSearchCV` do per split (docs/SKLEARN_PARITY.md §15.3).
 * Pure and self-contained, so a worker thread can run it on shared memory.
 */
import { expanderOf, fitColumnTransformer, type FitTableOptions, type RawColumn, type RawTable } from './column-transformer.js';
import { DataError, isIrisError } from './errors.js';
import { sortClasses } from './labels.js';
import { predictCodes, scoreRows } from './linear.js';
import { takeRows } from './matrix.js';
import { classificationReport } from './metrics.js';
import { fitPerceptron, type PerceptronParams } from './perceptron.js';
import { transformStandard } from './scaler.js';
import { fitModel, type PerceptronInit } from './pipeline.js';
import type { Matrix } from './types.js';

export type Scorer = 'accuracy' | 'f1_macro';
export const SCORER_NAMES: readonly Scorer[] = ['accuracy', 'f1_macro'];

/** The data of a search: rows, each row's label as a code into `names` (any order), the fold of each row. */
export interface FoldData {
  /** The rows: numbers, or (with `table`) a RawTable's cells: numbers, category codes, NaN for missing. */
  X: Matrix;
  /**
   * A table with categorical columns or imputation: its columns and preprocessing options. Every fold
   * then refits the ColumnTransformer (imputers, scaler, one-hot categories) on its training rows.
   */
  table?: { columns: readonly RawColumn[]; fit: FitTableOptions } | undefined;
  codes: Int32Array;
  names: readonly string[];
  foldOf: Int32Array;
  features: readonly string[];
  target: string;
}

export interface FoldResult {
  fold: number;
  trainRows: number;
  testRows: number;
  classes: string[];
  nIter: number;
  /** Per scorer; NaN when the fit failed (scikit-learn's error_score=nan). */
  scores: Record<string, number>;
  /** Why the fit failed, when it did. */
  error?: string;
}

/** Fits fold `fold` with `params` and scores its test rows with every scorer. */
export function fitFold(data: FoldData, fold: number, params: PerceptronParams, scorers: readonly Scorer[], init?: PerceptronInit): FoldResult {
  const { X, codes, names } = data;
  const { train, test, classes, yTrain } = foldSplit(data, fold);
  const result: FoldResult = { fold, trainRows: train.length, testRows: test.length, classes: [...classes], nIter: 0, scores: {} };
  let scoreTest: (rows: Matrix) => Int32Array;
  try {
    const table = data.table;
    if (table !== undefined && (table.fit.impute !== null || table.columns.some((c) => c.kind === 'categorical'))) {
      scoreTest = fitTableFold(
        { data: X.data, rows: X.rows, cols: X.cols, columns: table.columns },
        table.fit,
        Array.from(train),
        yTrain,
        classes,
        params,
        init,
        result,
      );
    } else {
      const { model } = fitModel(takeRows(X, train), yTrain, classes, {
        target: data.target,
        features: data.features,
        params,
        consumeInput: true,
        ...(init === undefined ? {} : { init }),
      });
      result.nIter = model.nIter;
      scoreTest = (rows) => scoreRows(model, rows).predictions;
    }
  } catch (error) {
    // A fold whose fit fails scores NaN (error_score=np.nan); the caller reports it.
    if (!isIrisError(error) || error.kind !== 'data') throw error;
    for (const s of scorers) result.scores[s] = Number.NaN;
    result.error = error.message;
    return result;
  }
  const predictions = scoreTest(takeRows(X, test));
  // True and predicted labels as codes into `names`.
  const nameOf = classes.map((name) => names.indexOf(name));
  const yTrue = Int32Array.from(test, (i) => codes[i]!);
  const yPred = Int32Array.from(predictions, (k) => nameOf[k]!);
  for (const s of scorers) result.scores[s] = s === 'accuracy' ? accuracy(yTrue, yPred) : f1Macro(yTrue, yPred, names);
  return result;
}

interface FoldSplit {
  train: Int32Array;
  test: Int32Array;
  /** The classes present in the training rows, sorted; yTrain codes into them. */
  classes: string[];
  yTrain: Int32Array;
}

/**
 * Which rows a fold trains and tests on, and the training labels: the same for every candidate of
 * a search, so made once per fold (per thread) and only read afterwards. A worker thread gets the
 * data anew with every task, so the cache is recognised by content (fold numbers, labels, class
 * names; a comparison costs far less than the split), not by object.
 */
let cached: { foldOf: Int32Array; codes: Int32Array; names: readonly string[]; perFold: Map<number, FoldSplit> } | null = null;

function sameInts(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function foldSplit(data: FoldData, fold: number): FoldSplit {
  const c = cached;
  const hit =
    c !== null &&
    sameInts(c.foldOf, data.foldOf) &&
    sameInts(c.codes, data.codes) &&
    c.names.length === data.names.length &&
    c.names.every((name, k) => name === data.names[k]);
  if (!hit) cached = { foldOf: data.foldOf.slice(), codes: data.codes.slice(), names: [...data.names], perFold: new Map() };
  const perFold = cached!.perFold;
  const known = perFold.get(fold);
  if (known !== undefined) return known;
  const { codes, names, foldOf } = data;
  let nTest = 0;
  for (let i = 0; i < foldOf.length; i++) if (foldOf[i] === fold) nTest++;
  const train = new Int32Array(foldOf.length - nTest);
  const test = new Int32Array(nTest);
  for (let i = 0, a = 0, b = 0; i < foldOf.length; i++) {
    if (foldOf[i] === fold) test[b++] = i;
    else train[a++] = i;
  }
  const present = new Uint8Array(names.length);
  for (const i of train) present[codes[i]!] = 1;
  const classes = sortClasses(names.filter((_, c) => present[c] === 1));
  const classOf = new Int32Array(names.length).fill(-1);
  classes.forEach((name, k) => (classOf[names.indexOf(name)] = k));
  const yTrain = Int32Array.from(train, (i) => classOf[codes[i]!]!);
  const split = { train, test, classes, yTrain };
  perFold.set(fold, split);
  return split;
}

/**
 * The table pipeline on a fold (as core/table-pipeline.ts trains it): the ColumnTransformer fitted on
 * the fold's training rows, then the perceptron; returns how to predict raw rows of the same table.
 */
function fitTableFold(
  table: RawTable,
  options: FitTableOptions,
  train: readonly number[],
  yTrain: Int32Array,
  classes: readonly string[],
  params: PerceptronParams,
  init: PerceptronInit | undefined,
  result: FoldResult,
): (rows: Matrix) => Int32Array {
  if (classes.length < 2) throw new DataError(`the fold's training rows hold ${classes.length} class; a classifier needs at least two`);
  const fitted = fitColumnTransformer(table, train, options);
  const expander = expanderOf(fitted);
  const XTrain = expander.expandTable(table, train);
  transformStandard(fitted, XTrain, XTrain.data);
  const linear = fitPerceptron(XTrain, yTrain, classes.length, params, {
    classes,
    ...(init === undefined ? {} : { coefInit: init.coef, interceptInit: init.intercept }),
  });
  result.nIter = linear.nIter;
  return (rows) => {
    const Z = expander.expandTable({ ...table, data: rows.data, rows: rows.rows }, null);
    transformStandard(fitted, Z, Z.data);
    return predictCodes(linear, Z);
  };
}

function accuracy(yTrue: Int32Array, yPred: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

/** f1_score(average='macro'): over the sorted labels present in y_true or y_pred only. */
function f1Macro(yTrue: Int32Array, yPred: Int32Array, names: readonly string[]): number {
  const seen = new Uint8Array(names.length);
  for (let i = 0; i < yTrue.length; i++) {
    seen[yTrue[i]!] = 1;
    seen[yPred[i]!] = 1;
  }
  const labels = sortClasses(names.filter((_, c) => seen[c] === 1));
  const to = new Int32Array(names.length).fill(-1);
  labels.forEach((name, k) => (to[names.indexOf(name)] = k));
  const t = Int32Array.from(yTrue, (c) => to[c]!);
  const p = Int32Array.from(yPred, (c) => to[c]!);
  return classificationReport(t, p, labels.length).macro.f1;
}

/** f1_macro of label strings (the labels present in either list, sorted). */
export function f1MacroOfLabels(yTrue: readonly string[], yPred: readonly string[]): number {
  const names = [...new Set([...yTrue, ...yPred])];
  const index = new Map(names.map((name, c) => [name, c]));
  return f1Macro(
    Int32Array.from(yTrue, (l) => index.get(l)!),
    Int32Array.from(yPred, (l) => index.get(l)!),
    names,
  );
}
