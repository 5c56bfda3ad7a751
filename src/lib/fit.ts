/**
 * scikit-learn's train_test_split and make_pipeline(StandardScaler(), Perceptron(...)).fit, on the
 * shapes the library accepts. The numbers are the core's, so they are the CLI's and scikit-learn's.
 */
import { DataError } from '../core/errors.js';
import { encodeLabels } from '../core/labels.js';
import { takeRows } from '../core/matrix.js';
import { fitModel, splitRows } from '../core/pipeline.js';
import { DEFAULT_PERCEPTRON_PARAMS, type PerceptronParams } from '../core/perceptron.js';
import type { Matrix } from '../core/types.js';
import { isMatrixLike, toLabels, toMatrix, type FlatMatrix, type Label, type MatrixInput, type MatrixLike } from './inputs.js';
import { Model } from './model.js';

export interface FitOptions extends Partial<Omit<PerceptronParams, 'randomState' | 'initModel'>> {
  /** Start from this model's weights (scikit-learn's fit(coef_init=, intercept_init=)): same features and classes. */
  initModel?: Model;
  /** random_state of the perceptron's shuffling (default 0). */
  seed?: number;
  /** Feature names, one per column of X (default x0, x1, …, as scikit-learn names them). */
  features?: readonly string[];
  /** The name of what y holds (default "y"). */
  target?: string;
}

/** Fits the scaler on X, then the perceptron on the scaled rows. X and y are never modified. */
export function fit(X: MatrixInput, y: readonly Label[], options: FitOptions = {}): Model {
  const { seed = DEFAULT_PERCEPTRON_PARAMS.randomState, features: names, target = 'y', initModel, ...params } = options;
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

/** The init model's weights, when it has the fit's features and classes (else a DataError, as the CLI's exit 3). */
function startingWeights(model: Model, features: readonly string[], classes: readonly string[]): { coef: Float64Array; intercept: Float64Array } {
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  if (!same(model.features, features) || !same(model.classes, classes)) {
    throw new DataError(
      `initModel has features (${model.features.join(', ')}) and classes (${model.classes.join(', ')}); the fit has (${features.join(', ')}) and (${classes.join(', ')})`,
    );
  }
  return { coef: Float64Array.from(model.fitted.coef), intercept: Float64Array.from(model.fitted.intercept) };
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
