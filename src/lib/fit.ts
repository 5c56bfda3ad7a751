/**
 * scikit-learn's train_test_split and make_pipeline(StandardScaler(), Perceptron(...)).fit, on the
 * shapes the library accepts. The numbers are the core's, so they are the CLI's and scikit-learn's.
 */
import { encodeLabels } from '../core/labels.js';
import { takeRows } from '../core/matrix.js';
import { fitModel, splitRows } from '../core/pipeline.js';
import { DEFAULT_PERCEPTRON_PARAMS } from '../core/perceptron.js';
import type { Matrix } from '../core/types.js';
import { isMatrixLike, toLabels, toMatrix, type FlatMatrix, type Label, type MatrixInput, type MatrixLike } from './inputs.js';
import { Model } from './model.js';
import { startingWeights } from './init-model.js';
import { fitTable } from './fit-table.js';
import { columnTableRows, isColumnTable, isRecordList, type ColumnTable, type TableRecord } from './records.js';
import { DataError } from '../core/errors.js';
import type { FitOptions } from './fit-options.js';

export type { FitOptions } from './fit-options.js';

/**
 * Fits the scaler on X, then the perceptron on the scaled rows. X and y are never modified.
 * X is a numeric matrix, or records / a column table (keyed by input name) for tables with
 * categorical inputs and missing values: the ColumnTransformer of docs/MODEL_FORMAT.md, then the perceptron.
 */
export function fit(X: MatrixInput | readonly TableRecord[] | ColumnTable, y: readonly Label[], options: FitOptions = {}): Model {
  if (isRecordList(X) || isColumnTable(X)) return fitTable(isRecordList(X) ? X : columnTableRows(X), y, options);
  const {
    seed = DEFAULT_PERCEPTRON_PARAMS.randomState,
    features: names,
    target = 'y',
    categorical,
    impute,
    fillValue,
    maxCategories,
    initModel,
    ...params
  } = options;
  if (categorical !== undefined || impute !== undefined || fillValue !== undefined || maxCategories !== undefined) {
    throw new DataError('categorical, impute, fillValue and maxCategories need rows as records or a column table');
  }
  const XTrain = toMatrix(X, names === undefined ? {} : { width: names.length, features: names });
  const labels = toLabels(y, XTrain.rows);
  const features = names ?? Array.from({ length: XTrain.cols }, (_, j) => `x${j}`);
  const { classes, codes } = encodeLabels(labels);
  // toMatrix made a copy: the fit may scale it in place.
  const init = initModel === undefined ? undefined : startingWeights(initModel, features, classes);
  const { model, trainAccuracy } = fitModel(XTrain, codes, classes, {
    target,
    features,
    params: { ...params, randomState: seed, ...(initModel === undefined ? {} : { initModel: { checksum: initModel.checksum } }) },
    consumeInput: true,
    ...(init === undefined ? {} : { init }),
  });
  return Model.fromFitted(model, { data: null, metrics: { train: { accuracy: trainAccuracy } } });
}

export interface SplitOptions {
  /** A fraction in (0, 1) or a whole number of test rows (default 0.3, this toolkit's default). */
  testSize?: number;
  /** random_state of the split (default 0). */
  seed?: number;
  /** Keep class proportions (stratify=y). Default false. */
  stratify?: boolean;
  /** false: no shuffling, the last rows are the test set. Default true. */
  shuffle?: boolean;
}

export interface Split<X, Y> {
  XTrain: X;
  XTest: X;
  yTrain: Y[];
  yTest: Y[];
  trainIndices: number[];
  testIndices: number[];
}

type Rows<X> = X extends MatrixLike ? X : X extends FlatMatrix ? FlatMatrix : number[][];

/** scikit-learn's train_test_split: the same rows in the same order for the same options. X comes back in the shape it came in. */
export function trainTestSplit<X extends MatrixInput, Y extends Label>(X: X, y: readonly Y[], options: SplitOptions = {}): Split<Rows<X>, Y> {
  const all = toMatrix(X);
  const labels = toLabels(y, all.rows);
  const { train, test } = splitRows(labels, {
    testSize: options.testSize ?? 0.3,
    seed: options.seed ?? 0,
    stratify: options.stratify ?? false,
    splitShuffle: options.shuffle ?? true,
  });
  const rowsOf = (indices: number[]) => rowsLike(X, all, indices) as Rows<X>;
  return {
    XTrain: rowsOf(train),
    XTest: rowsOf(test),
    yTrain: train.map((i) => y[i]!),
    yTest: test.map((i) => y[i]!),
    trainIndices: train,
    testIndices: test,
  };
}

function rowsLike(X: MatrixInput, all: Matrix, indices: number[]): unknown {
  const taken = takeRows(all, indices);
  if (isMatrixLike(X)) {
    // ml-matrix's own row selection keeps the caller's matrix class.
    const select = (X as { subMatrixRow?: (rows: number[]) => unknown }).subMatrixRow;
    if (typeof select === 'function') return select.call(X, indices);
  } else if (!Array.isArray(X)) {
    return { data: taken.data, rows: taken.rows, cols: taken.cols } satisfies FlatMatrix;
  }
  const out: number[][] = [];
  for (let i = 0; i < taken.rows; i++) out.push(Array.from(taken.data.subarray(i * taken.cols, (i + 1) * taken.cols)));
  return out;
}
