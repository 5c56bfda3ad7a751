/**
 * The whole life of the classifier as scikit-learn runs it in the original script:
 * train_test_split → StandardScaler fitted on the training rows → Perceptron → metrics.
 * Pure: the CLI and the library API both call these, so their numbers cannot drift apart.
 */
import { DataError } from './errors.js';
import { encodeLabels, sortClasses } from './labels.js';
import { takeCodes, takeRows } from './matrix.js';
import { classificationReport, accuracyScore, type ClassificationReport } from './metrics.js';
import {
  decisionFunction,
  fitPerceptron,
  predictCodes,
  coefRows,
  type PerceptronModel,
  type PerceptronParams,
} from './perceptron.js';
import { fitStandardScaler, transformStandard, type ScalerState } from './scaler.js';
import { trainTestSplit, type SplitResult } from './split.js';
import type { Matrix } from './types.js';

export interface TrainOptions {
  /** A fraction in (0, 1) or a whole number of rows. */
  testSize: number;
  seed: number;
  stratify: boolean;
  /** train_test_split(shuffle=); false keeps the last rows as the test set. */
  splitShuffle: boolean;
  /** Perceptron hyperparameters; randomState is taken from `seed`, as the CLI's single --seed does. */
  perceptron: Omit<PerceptronParams, 'randomState'>;
}

/** What a fitted model needs to score raw (unscaled) rows. */
export interface ScoringModel {
  classes: readonly string[];
  nFeatures: number;
  mean: ArrayLike<number>;
  scale: ArrayLike<number>;
  coef: Float64Array;
  intercept: Float64Array;
}

export interface Evaluation {
  /** The model's classes, then any label of the data the model never saw (sorted), in metric order. */
  labels: string[];
  /** Labels of the data that the model never saw; each of their rows counts as an error. */
  unseen: string[];
  report: ClassificationReport;
}

export interface TrainOutcome {
  classes: string[];
  split: SplitResult;
  scaler: ScalerState;
  model: PerceptronModel;
  trainAccuracy: number;
  test: Evaluation;
  /** Predicted class index (into `classes`) of each test row, in split.test order. */
  testPredictions: Int32Array;
}

export function trainPipeline(X: Matrix, labels: readonly string[], options: TrainOptions): TrainOutcome {
  if (labels.length !== X.rows) {
    throw new RangeError(`${labels.length} labels for ${X.rows} rows`);
  }
  const split = splitRows(labels, options);

  // scikit-learn takes classes_ from the training labels alone: a class absent from them is unknown to the model.
  const trainLabels = split.train.map((i) => labels[i] as string);
  const { classes, codes: yTrain } = encodeLabels(trainLabels);
  if (classes.length < 2) {
    const only = classes[0] === undefined ? 'no class' : `only the class "${classes[0]}"`;
    throw new DataError(`the training rows contain ${only}; a classifier needs at least two`, {
      hint: 'check --target, or use data with more than one label',
    });
  }

  const XTrainRaw = takeRows(X, split.train);
  const scaler = fitStandardScaler(XTrainRaw);
  const XTrain = transformStandard(scaler, XTrainRaw);
  const model = fitPerceptron(XTrain, yTrain, classes.length, { ...options.perceptron, randomState: options.seed });

  const trainAccuracy = accuracyScore(yTrain, predictCodes(model, XTrain));
  const XTest = transformStandard(scaler, takeRows(X, split.test));
  const testPredictions = predictCodes(model, XTest);
  const test = evaluateLabels(
    split.test.map((i) => labels[i] as string),
    testPredictions,
    classes,
  );
  return { classes, split, scaler, model, trainAccuracy, test, testPredictions };
}

/** The split of the training run, recomputable from the recorded options (evaluate does this). */
export function splitRows(
  labels: readonly string[],
  options: Pick<TrainOptions, 'testSize' | 'seed' | 'stratify' | 'splitShuffle'>,
): SplitResult {
  return trainTestSplit(labels.length, {
    testSize: options.testSize,
    seed: options.seed,
    shuffle: options.splitShuffle,
    stratify: options.stratify ? encodeLabels(labels).codes : null,
  });
}

/** Scores raw rows: standard scaling with the stored statistics, then the decision function and the class index. */
export function scoreRows(model: ScoringModel, X: Matrix): { predictions: Int32Array; scores: Float64Array } {
  if (X.cols !== model.nFeatures) {
    throw new RangeError(`rows have ${X.cols} features, the model ${model.nFeatures}`);
  }
  const linear = { nClasses: model.classes.length, nFeatures: model.nFeatures, coef: model.coef, intercept: model.intercept };
  const scaled = transformStandard(model, X);
  const scores = decisionFunction(linear, scaled);
  return { predictions: predictCodes(linear, scaled), scores };
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

export { coefRows };
