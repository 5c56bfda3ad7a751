/**
 * One cross-validation fit: clone the pipeline, fit it on a fold's training rows (every
 * preprocessing step refitted there, through the pipeline's own fit), score it on the fold's test
 * rows — what `cross_validate` and `GridSearchCV` do per split (docs/SKLEARN_PARITY.md §15.3).
 * Pure and self-contained, so a worker thread can run it on shared memory.
 */
import { isIrisError } from './errors.js';
import { sortClasses } from './labels.js';
import { scoreRows } from './linear.js';
import { takeRows } from './matrix.js';
import { classificationReport } from './metrics.js';
import type { PerceptronParams } from './perceptron.js';
import { fitModel, type PerceptronInit } from './pipeline.js';
import type { Matrix } from './types.js';

export type Scorer = 'accuracy' | 'f1_macro';
export const SCORER_NAMES: readonly Scorer[] = ['accuracy', 'f1_macro'];

/** The data of a search: rows, each row's label as a code into `names` (any order), the fold of each row. */
export interface FoldData {
  X: Matrix;
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
export function fitFold(
  data: FoldData,
  fold: number,
  params: PerceptronParams,
  scorers: readonly Scorer[],
  init?: PerceptronInit,
): FoldResult {
  const { X, codes, names, foldOf } = data;
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < foldOf.length; i++) (foldOf[i] === fold ? test : train).push(i);
  const present = new Uint8Array(names.length);
  for (const i of train) present[codes[i]!] = 1;
  const classes = sortClasses(names.filter((_, c) => present[c] === 1));
  const classOf = new Int32Array(names.length).fill(-1);
  classes.forEach((name, k) => (classOf[names.indexOf(name)] = k));
  const yTrain = Int32Array.from(train, (i) => classOf[codes[i]!]!);
  const result: FoldResult = { fold, trainRows: train.length, testRows: test.length, classes, nIter: 0, scores: {} };
  let model;
  try {
    ({ model } = fitModel(takeRows(X, train), yTrain, classes, {
      target: data.target,
      features: data.features,
      params,
      consumeInput: true,
      ...(init === undefined ? {} : { init }),
    }));
  } catch (error) {
    // A fold whose fit fails scores NaN (error_score=np.nan); the caller reports it.
    if (!isIrisError(error) || error.kind !== 'data') throw error;
    for (const s of scorers) result.scores[s] = Number.NaN;
    result.error = error.message;
    return result;
  }
  result.nIter = model.nIter;
  const { predictions } = scoreRows(model, takeRows(X, test));
  // True and predicted labels as codes into `names`.
  const nameOf = classes.map((name) => names.indexOf(name));
  const yTrue = Int32Array.from(test, (i) => codes[i]!);
  const yPred = Int32Array.from(predictions, (k) => nameOf[k]!);
  for (const s of scorers) result.scores[s] = s === 'accuracy' ? accuracy(yTrue, yPred) : f1Macro(yTrue, yPred, names);
  return result;
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
