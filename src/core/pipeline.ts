/**
 * The whole life of the classifier as scikit-learn runs it in the original script:
 * train_test_split → StandardScaler fitted on the training rows → Perceptron → metrics.
 * Pure: the CLI and the library API both call these, so their numbers cannot drift apart.
 */
import { DataError } from './errors.js';
import { encodeLabels, sortClasses } from './labels.js';
import { partitionRowsInPlace, takeRows } from './matrix.js';
import { classificationReport, accuracyScore, type ClassificationReport } from './metrics.js';
import { predictCodes, predictWithScores, type LinearModel } from './linear.js';
import type { FittedModel } from './model.js';
import { fitPerceptron, resolvePerceptronParams, type PerceptronParams } from './perceptron.js';
import { numericPreprocessing, type Preprocessing } from './preprocessing.js';
import { fitStandardScaler, transformStandard } from './scaler.js';
import { trainTestSplit, type SplitResult } from './split.js';
import type { Matrix } from './types.js';

export interface TrainOptions {
  target: string;
  features: readonly string[];
  /** A fraction in (0, 1) or a whole number of rows. */
  testSize: number;
  seed: number;
  stratify: boolean;
  /** train_test_split(shuffle=); false keeps the last rows as the test set. */
  splitShuffle: boolean;
  /** Perceptron hyperparameters; randomState is taken from `seed`, as the CLI's single --seed does. */
  perceptron: Partial<Omit<PerceptronParams, 'randomState'>>;
  /**
   * The caller gives X up: its rows are reordered and scaled in place (X's contents are undefined
   * afterwards), so that no second copy of the data is held. Same results. Default false.
   */
  consumeInput?: boolean;
  /** Starting weights of the perceptron (fit(coef_init=, intercept_init=)). */
  init?: PerceptronInit;
  /** The model's preprocessing record (default: all-numeric, no imputation). */
  preprocessing?: Preprocessing;
}

export interface Evaluation {
  /** The model's classes, then any label of the data the model never saw (sorted), in metric order. */
  labels: string[];
  /** Labels of the data that the model never saw; each of their rows counts as an error. */
  unseen: string[];
  report: ClassificationReport;
}

export interface TrainOutcome {
  model: FittedModel;
  split: SplitResult;
  trainAccuracy: number;
  test: Evaluation;
  /** Predicted class index (into `classes`) of each test row, in split.test order. */
  testPredictions: Int32Array;
  /** The decision function of the test rows, coefRows(classes) values a row (ROC curves, AUC). */
  testScores: Float64Array;
  /** Each test row's label as an index into test.labels (the classes, then labels unseen in training). */
  testCodes: Int32Array;
}

export function trainPipeline(X: Matrix, labels: readonly string[], options: TrainOptions): TrainOutcome {
  if (labels.length !== X.rows) {
    throw new RangeError(`${labels.length} labels for ${X.rows} rows`);
  }
  const split = splitRows(labels, options);

  // Every row's label as a number first (one lookup a row), so that what follows is integer work
  // rather than arrays of label strings per split.
  const rowLabels = labelCodes(labels);
  // scikit-learn takes classes_ from the training labels alone: a class absent from them is unknown to the model.
  const inTrain = rowLabels.seenIn(split.train);
  const classes = sortClasses(rowLabels.distinct.filter((_, c) => inTrain[c] === 1));
  const yTrain = rowLabels.codesOf(split.train, classes);

  // The training and test rows are scaled in place: in X itself when the caller gives it up, else
  // in one copy of each (the test rows are copied only once the training rows are done with).
  const parts = options.consumeInput === true ? partitionRowsInPlace(X, split.train, split.test) : undefined;
  const XTrain = parts?.first ?? takeRows(X, split.train);
  const { model, trainAccuracy } = fitModel(XTrain, yTrain, classes, {
    target: options.target,
    features: options.features,
    params: { ...options.perceptron, randomState: options.seed },
    consumeInput: true,
    ...(options.init === undefined ? {} : { init: options.init }),
    ...(options.preprocessing === undefined ? {} : { preprocessing: options.preprocessing }),
  });

  const XTest = parts?.second ?? takeRows(X, split.test);
  transformStandard(model, XTest, XTest.data);
  return { model, split, trainAccuracy, ...scoreTestRows(linearPart(model), XTest, rowLabels, split.test, classes) };
}

/**
 * The held-out rows (already scaled) scored and reported, as evaluateLabels would from the label
 * numbers: labels the training rows never had are appended after the classes.
 */
export function scoreTestRows(
  linear: LinearModel,
  XTest: Matrix,
  rowLabels: ReturnType<typeof labelCodes>,
  testIndices: readonly number[],
  classes: readonly string[],
): Pick<TrainOutcome, 'test' | 'testPredictions' | 'testScores' | 'testCodes'> {
  const { predictions: testPredictions, scores: testScores } = predictWithScores(linear, XTest);
  const inTest = rowLabels.seenIn(testIndices);
  const known = new Set(classes);
  const unseen = sortClasses(rowLabels.distinct.filter((label, c) => inTest[c] === 1 && !known.has(label)));
  const testLabels = [...classes, ...unseen];
  const testCodes = rowLabels.codesOf(testIndices, testLabels);
  const test: Evaluation = { labels: testLabels, unseen, report: classificationReport(testCodes, testPredictions, testLabels.length) };
  return { test, testPredictions, testScores, testCodes };
}

export interface FitOptions {
  target: string;
  features: readonly string[];
  /** Missing members take DEFAULT_PERCEPTRON_PARAMS. */
  params?: Partial<PerceptronParams>;
  /** The caller gives X up: it is scaled in place. Default false (X is never modified). */
  consumeInput?: boolean;
  /** The fitted column steps in front of X (default: all-numeric, no imputation). */
  preprocessing?: Preprocessing;
  init?: PerceptronInit;
}

/** Starting weights: coefRows(classes) x features, row-major, and one intercept per row. */
export interface PerceptronInit {
  coef: Float64Array;
  intercept: Float64Array;
}

/**
 * StandardScaler fitted on X, then the perceptron on the scaled rows: scikit-learn's
 * `make_pipeline(StandardScaler(), Perceptron(...)).fit(X, y)`. y holds codes into `classes`.
 */
export function fitModel(X: Matrix, y: Int32Array, classes: readonly string[], options: FitOptions): { model: FittedModel; trainAccuracy: number } {
  if (y.length !== X.rows) throw new RangeError(`${y.length} labels for ${X.rows} rows`);
  if (options.features.length !== X.cols) throw new RangeError(`${options.features.length} feature names for ${X.cols} columns`);
  if (classes.length < 2) {
    const only = classes[0] === undefined ? 'no class' : `only the class "${classes[0]}"`;
    throw new DataError(`the training rows contain ${only}; a classifier needs at least two`, {
      hint: 'check --target, or use data with more than one label',
    });
  }
  const params = resolvePerceptronParams(options.params);
  const scaler = fitStandardScaler(X);
  const scaled = transformStandard(scaler, X, options.consumeInput === true ? X.data : undefined);
  const linear = fitPerceptron(scaled, y, classes.length, params, {
    classes,
    ...(options.init === undefined ? {} : { coefInit: options.init.coef, interceptInit: options.init.intercept }),
  });
  const trainAccuracy = accuracyScore(y, predictCodes(linear, scaled));
  const model: FittedModel = {
    target: options.target,
    features: [...options.features],
    classes: [...classes],
    mean: scaler.mean,
    scale: scaler.scale,
    coef: linear.coef,
    intercept: linear.intercept,
    nIter: linear.nIter,
    converged: linear.converged,
    params,
    preprocessing: options.preprocessing ?? numericPreprocessing(options.features),
  };
  return { model, trainAccuracy };
}

/** The decision-function view of a fitted model. */
export function linearPart(model: FittedModel): { nClasses: number; nFeatures: number; coef: Float64Array; intercept: Float64Array } {
  return { nClasses: model.classes.length, nFeatures: model.features.length, coef: model.coef, intercept: model.intercept };
}

/** Each row's label as an index into the distinct labels (in order of appearance). */
export function labelCodes(labels: readonly string[]) {
  const index = new Map<string, number>();
  const distinct: string[] = [];
  const codes = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    let code = index.get(label);
    if (code === undefined) {
      code = distinct.length;
      index.set(label, code);
      distinct.push(label);
    }
    codes[i] = code;
  }
  return {
    distinct,
    /** Per distinct label: 1 when one of `rows` has it. */
    seenIn(rows: readonly number[]): Uint8Array {
      const seen = new Uint8Array(distinct.length);
      for (let k = 0; k < rows.length; k++) seen[codes[rows[k]!]!] = 1;
      return seen;
    },
    /** encodeLabels(rows' labels, names).codes: each row's label as an index into `names`, -1 when not among them. */
    codesOf(rows: readonly number[], names: readonly string[]): Int32Array {
      const to = new Int32Array(distinct.length).fill(-1);
      for (let k = names.length - 1; k >= 0; k--) {
        const code = index.get(names[k]!);
        if (code !== undefined) to[code] = k;
      }
      const out = new Int32Array(rows.length);
      for (let k = 0; k < rows.length; k++) out[k] = to[codes[rows[k]!]!]!;
      return out;
    },
  };
}

/** The split of the training run, recomputable from the recorded options (evaluate does this). */
export function splitRows(labels: readonly string[], options: Pick<TrainOptions, 'testSize' | 'seed' | 'stratify' | 'splitShuffle'>): SplitResult {
  const encoded = options.stratify ? encodeLabels(labels) : undefined;
  return trainTestSplit(labels.length, {
    testSize: options.testSize,
    seed: options.seed,
    shuffle: options.splitShuffle,
    stratify: encoded?.codes ?? null,
    classNames: encoded?.classes,
  });
}

/**
 * Metrics of predictions against true labels, as classification_report sees them: the labels are the
 * model's classes plus every unseen label of the data, so rows of an unseen label are errors.
 */
export function evaluateLabels(trueLabels: readonly string[], predicted: Int32Array, classes: readonly string[]): Evaluation {
  const known = new Set(classes);
  const unseen = sortClasses([...new Set(trueLabels.filter((label) => !known.has(label)))]);
  const labels = [...classes, ...unseen];
  const { codes } = encodeLabels(trueLabels, labels);
  return { labels, unseen, report: classificationReport(codes, predicted, labels.length) };
}
