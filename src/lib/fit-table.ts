/**
 * `fit` on records: the table's column kinds from the values (strings make a categorical input,
 * unless `categorical` names it), then scikit-learn's ColumnTransformer and the perceptron on every
 * row, as the CLI's train does on its training rows.
 */
import { expanderOf, fitColumnTransformer, type RawColumn, type RawTable } from '../core/column-transformer.js';
import { DataError } from '../core/errors.js';
import { encodeLabels } from '../core/labels.js';
import { predictCodes } from '../core/linear.js';
import { accuracyScore } from '../core/metrics.js';
import { fitModel } from '../core/pipeline.js';
import { tableFittedModel } from '../core/table-pipeline.js';
import { DEFAULT_PERCEPTRON_PARAMS, fitPerceptron, resolvePerceptronParams } from '../core/perceptron.js';
import { DEFAULT_NA_VALUES, expandedNames } from '../core/preprocessing.js';
import { transformStandard } from '../core/scaler.js';
import type { FitOptions } from './fit-options.js';
import { toLabels, type Label } from './inputs.js';
import { Model } from './model.js';
import { startingWeights } from './init-model.js';
import type { CellValue, TableRecord } from './records.js';

const isMissing = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));

/** The inputs: every key of every record, in order of first appearance. */
function inputNames(records: readonly TableRecord[]): string[] {
  const names = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) names.add(k);
  return [...names];
}

export function buildTable(records: readonly TableRecord[], categorical: ReadonlySet<string>): RawTable {
  const names = inputNames(records);
  for (const name of categorical) if (!names.includes(name)) throw new DataError(`categorical: no input ${JSON.stringify(name)} in the records`);
  const n = records.length;
  const m = names.length;
  const data = new Float64Array(n * m);
  const columns: RawColumn[] = names.map((name, k) => {
    let strings = 0;
    let numbers = 0;
    let firstString: CellValue;
    for (const r of records) {
      const v = r[name];
      if (isMissing(v)) continue;
      if (typeof v === 'string') {
        if (strings++ === 0) firstString = v;
      } else if (typeof v === 'number' || typeof v === 'boolean') numbers++;
      else throw new DataError(`input ${JSON.stringify(name)}: ${typeof v} is not a value (a number, a string, or null)`);
    }
    const kind = categorical.has(name) || (strings > 0 && numbers === 0) ? 'categorical' : 'numeric';
    if (kind === 'numeric' && strings > 0) {
      throw new DataError(
        `input ${JSON.stringify(name)}: ${JSON.stringify(String(firstString).slice(0, 40))} is not a number, but ${numbers} other values are`,
        {
          hint: `pass categorical: [${JSON.stringify(name)}] to read it as categories`,
        },
      );
    }
    const dictionary: string[] = [];
    const codes = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const v = records[i]![name];
      let cell: number;
      if (isMissing(v)) cell = NaN;
      else if (kind === 'numeric') cell = typeof v === 'boolean' ? (v ? 1 : 0) : (v as number);
      else {
        const text = String(v);
        let code = codes.get(text);
        if (code === undefined) {
          code = dictionary.length;
          codes.set(text, code);
          dictionary.push(text);
        }
        cell = code;
      }
      if (kind === 'numeric' && !Number.isNaN(cell) && !Number.isFinite(cell))
        throw new DataError(`row ${i}: input ${JSON.stringify(name)}: ${cell} is not a finite number`);
      data[i * m + k] = cell;
    }
    return kind === 'numeric' ? { name, kind } : { name, kind, dictionary };
  });
  return { data, rows: n, cols: m, columns };
}

export function fitTable(records: readonly TableRecord[], y: readonly Label[], options: FitOptions): Model {
  const {
    seed = DEFAULT_PERCEPTRON_PARAMS.randomState,
    target = 'y',
    categorical = [],
    impute,
    fillValue,
    maxCategories = 1000,
    features,
    initModel,
    ...params
  } = options;
  if (features !== undefined) throw new DataError('features names the columns of a matrix; records carry their own names');
  const table = buildTable(records, new Set(categorical));
  const labels = toLabels(y, table.rows);
  const { classes, codes } = encodeLabels(labels);
  const perceptron = { ...params, randomState: seed, ...(initModel === undefined ? {} : { initModel: { checksum: initModel.checksum } }) };
  const plain = impute === undefined && table.columns.every((c) => c.kind === 'numeric');
  if (plain) {
    for (let i = 0; i < table.data.length; i++) {
      if (Number.isNaN(table.data[i])) {
        const c = table.columns[i % table.cols]!;
        throw new DataError(`row ${Math.floor(i / table.cols)}: input ${JSON.stringify(c.name)} is missing`, {
          hint: "pass impute: 'mean' (or median, most_frequent, constant)",
        });
      }
    }
    const names = table.columns.map((c) => c.name);
    const init = initModel === undefined ? undefined : startingWeights(initModel, names, classes);
    const { model, trainAccuracy } = fitModel({ data: table.data, rows: table.rows, cols: table.cols }, codes, classes, {
      target,
      features: names,
      params: perceptron,
      consumeInput: true,
      ...(init === undefined ? {} : { init }),
    });
    return Model.fromFitted(model, { data: null, metrics: { train: { accuracy: trainAccuracy } } });
  }
  if (classes.length < 2)
    throw new DataError(`y holds ${classes.length === 0 ? 'no class' : `only the class "${classes[0]}"`}; a classifier needs at least two`);
  const all = Int32Array.from({ length: table.rows }, (_, i) => i);
  const fitted = fitColumnTransformer(table, all, {
    impute: impute === undefined ? null : { strategy: impute, fillValue: fillValue === undefined ? null : String(fillValue) },
    naValues: DEFAULT_NA_VALUES,
    dropna: 'none',
    maxCategories,
  });
  const X = expanderOf(fitted).expandTable(table, null);
  transformStandard(fitted, X, X.data);
  const p = resolvePerceptronParams(perceptron);
  // Class names for a class_weight record; initModel's weights once the expanded columns are known.
  const init = initModel === undefined ? undefined : startingWeights(initModel, expandedNames(fitted.preprocessing.columns), classes);
  const linear = fitPerceptron(X, codes, classes.length, p, {
    classes,
    ...(init === undefined ? {} : { coefInit: init.coef, interceptInit: init.intercept }),
  });
  const model = tableFittedModel(target, fitted, linear, p, classes);
  return Model.fromFitted(model, { data: null, metrics: { train: { accuracy: accuracyScore(codes, predictCodes(linear, X)) } } });
}
