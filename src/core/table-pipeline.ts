/**
 * Training on a table with categorical columns or missing values: pandas' dropna, train_test_split
 * of the frame, the ColumnTransformer of column-transformer.ts fitted on the training rows, then the
 * same Perceptron as today (docs/CLI.md "Tables"). An all-numeric table without imputation takes
 * trainPipeline unchanged: the same numbers and the same speed as before tables existed.
 */
import { expanderOf, fitColumnTransformer, type FitTableOptions, type RawTable } from './column-transformer.js';
import { DataError } from './errors.js';
import { sortClasses } from './labels.js';
import { predictCodes } from './linear.js';
import { accuracyScore } from './metrics.js';
import type { FittedModel } from './model.js';
import { fitPerceptron, resolvePerceptronParams, type PerceptronParams } from './perceptron.js';
import { labelCodes, scoreTestRows, splitRows, trainPipeline, type TrainOptions, type TrainOutcome } from './pipeline.js';
import { expandedNames } from './preprocessing.js';
import { transformStandard } from './scaler.js';

export type TableTrainOptions = Omit<TrainOptions, 'features' | 'consumeInput' | 'preprocessing'> & FitTableOptions;

/** A missing label: the readers give '' for a target field that is a missing-value string. */
export const MISSING_LABEL = '';

/**
 * The rows kept by pandas' `df.dropna(subset=…)`: with 'any', rows missing the target or any
 * feature; with 'target' (and 'none'), rows missing the target. Returns the kept row indices, or
 * null when every row is kept.
 */
export function rowsToKeep(table: RawTable, labels: readonly string[], policy: FitTableOptions['dropna']): Int32Array | null {
  const { data, rows, cols } = table;
  const keep = new Int32Array(rows);
  let k = 0;
  for (let i = 0; i < rows; i++) {
    let ok = labels[i] !== MISSING_LABEL;
    if (ok && policy === 'any') {
      const from = i * cols;
      for (let j = 0; j < cols; j++) {
        const v = data[from + j]!;
        if (v !== v) {
          ok = false;
          break;
        }
      }
    }
    if (ok) keep[k++] = i;
  }
  return k === rows ? null : keep.slice(0, k);
}

/** The kept rows only, moved to the front of the table's own array (no second copy of the data). */
export function compactRows<T>(table: RawTable, labels: readonly T[], keep: Int32Array): { table: RawTable; labels: T[] } {
  const { data, cols } = table;
  for (let k = 0; k < keep.length; k++) {
    const from = keep[k]! * cols;
    if (from !== k * cols) data.copyWithin(k * cols, from, from + cols);
  }
  return {
    table: { ...table, data: data.subarray(0, keep.length * cols), rows: keep.length },
    labels: Array.from(keep, (i) => labels[i]!),
  };
}

function hasCategorical(table: RawTable): boolean {
  return table.columns.some((c) => c.kind === 'categorical');
}

/** Trains on `table` (rows already dropped as the policy says). The table's data may be reordered in place. */
export function trainTablePipeline(table: RawTable, labels: readonly string[], options: TableTrainOptions): TrainOutcome {
  const features = table.columns.map((c) => c.name);
  if (!hasCategorical(table) && options.impute === null) {
    const pre = {
      columns: features.map((name) => ({ name, kind: 'numeric' as const, impute: null })),
      naValues: [...options.naValues],
      impute: null,
      dropna: options.dropna,
    };
    return trainPipeline({ data: table.data, rows: table.rows, cols: table.cols }, labels, {
      ...options,
      features,
      consumeInput: true,
      preprocessing: pre,
    });
  }
  if (labels.length !== table.rows) throw new RangeError(`${labels.length} labels for ${table.rows} rows`);
  const split = splitRows(labels, options);
  const rowLabels = labelCodes(labels);
  const inTrain = rowLabels.seenIn(split.train);
  const classes = sortClasses(rowLabels.distinct.filter((_, c) => inTrain[c] === 1));
  if (classes.length < 2) {
    const only = classes[0] === undefined ? 'no class' : `only the class "${classes[0]}"`;
    throw new DataError(`the training rows contain ${only}; a classifier needs at least two`, { hint: 'check --target, or use data with more than one label' });
  }
  const yTrain = rowLabels.codesOf(split.train, classes);

  const fitted = fitColumnTransformer(table, split.train, options);
  const expander = expanderOf(fitted);
  const XTrain = expander.expandTable(table, split.train);
  transformStandard(fitted, XTrain, XTrain.data);
  const params = resolvePerceptronParams({ ...options.perceptron, randomState: options.seed });
  // Class names for a class_weight record; starting weights of --init-model (docs/MODEL_SELECTION.md).
  const linear = fitPerceptron(XTrain, yTrain, classes.length, params, {
    classes,
    ...(options.init === undefined ? {} : { coefInit: options.init.coef, interceptInit: options.init.intercept }),
  });
  const trainAccuracy = accuracyScore(yTrain, predictCodes(linear, XTrain));
  const model = tableFittedModel(options.target, fitted, linear, params, classes);

  const XTest = expander.expandTable(table, split.test);
  transformStandard(fitted, XTest, XTest.data);
  return { model, split, trainAccuracy, ...scoreTestRows(linear, XTest, rowLabels, split.test, classes) };
}

/** The fitted model of a table pipeline: the column transformer's state, then the perceptron over its expanded columns. */
export function tableFittedModel(
  target: string,
  fitted: ReturnType<typeof fitColumnTransformer>,
  linear: ReturnType<typeof fitPerceptron>,
  params: PerceptronParams,
  classes: readonly string[],
): FittedModel {
  return {
    target,
    features: expandedNames(fitted.preprocessing.columns),
    classes: [...classes],
    mean: fitted.mean,
    scale: fitted.scale,
    coef: linear.coef,
    intercept: linear.intercept,
    nIter: linear.nIter,
    converged: linear.converged,
    params,
    preprocessing: fitted.preprocessing,
  };
}
