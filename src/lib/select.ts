/**
 * The library's model selection (README, "Library"; docs/MODEL_SELECTION.md): scikit-learn's
 * cross_validate and GridSearchCV on the shapes `fit` accepts, with the CLI's numbers.
 */
import { assignFolds, type CvKind } from '../core/folds.js';
import { applyCandidate, normaliseGrid, parameterGrid, type Candidate, type ParamGrid } from '../core/grid.js';
import { encodeLabels } from '../core/labels.js';
import { resolvePerceptronParams, validatePerceptronParams, type PerceptronParams } from '../core/perceptron.js';
import { fitFold, type FoldResult, type Scorer } from '../core/selection.js';
import { DataError } from '../core/errors.js';
import { fit, type FitOptions } from './fit.js';
import { toLabels, toMatrix, type Label, type MatrixInput } from './inputs.js';
import { buildTable } from './fit-table.js';
import { columnTableRows, isColumnTable, isRecordList, type ColumnTable, type TableRecord } from './records.js';
import { DEFAULT_NA_VALUES } from '../core/preprocessing.js';
import type { Matrix } from '../core/types.js';
import type { FoldData } from '../core/selection.js';
import type { Model } from './model.js';
import { runFits, searchResults, summarise, type CandidateResult } from './select-engine.js';

export type { Scorer, FoldResult, CandidateResult, Candidate, ParamGrid, CvKind };

export interface CrossValidateOptions {
  /** Number of folds (default 5). */
  folds?: number;
  /** 'stratified' (StratifiedKFold, the default) or 'kfold'. */
  cv?: CvKind;
  /** Shuffle before making the folds (random_state = seed). Default false. */
  shuffle?: boolean;
  /** random_state of a shuffled splitter (default 0). */
  seed?: number;
  /** Default ['accuracy', 'f1_macro']. */
  scoring?: readonly Scorer[];
  /** The model options of every fold's fit, as `fit` takes them. */
  fit?: FitOptions;
}

export interface CrossValidation {
  folds: FoldResult[];
  /** Per scorer, one score per fold (scikit-learn's test_<scorer>). */
  scores: Record<string, number[]>;
  mean: Record<string, number>;
  std: Record<string, number>;
}

interface Prepared {
  data: Parameters<typeof fitFold>[0];
  base: PerceptronParams;
  init: { coef: Float64Array; intercept: Float64Array } | undefined;
}

/** What the library's fit takes: a numeric matrix, or records / a column table (tables with categories and gaps). */
export type SelectionInput = MatrixInput | readonly TableRecord[] | ColumnTable;

function prepare(X: SelectionInput, y: readonly Label[], options: Omit<CrossValidateOptions, 'scoring'>): Prepared {
  const { seed: fitSeed, features: names, target = 'y', initModel, categorical, impute, fillValue, maxCategories, ...params } = options.fit ?? {};
  let M: Matrix;
  let table: FoldData['table'];
  let features: readonly string[];
  if (isRecordList(X) || isColumnTable(X)) {
    // As fit does on records: column kinds from the values; every fold refits the ColumnTransformer.
    const raw = buildTable(isRecordList(X) ? X : columnTableRows(X), new Set(categorical ?? []));
    M = { data: raw.data, rows: raw.rows, cols: raw.cols };
    features = raw.columns.map((c) => c.name);
    const fit = {
      impute: impute === undefined ? null : { strategy: impute, fillValue: fillValue === undefined ? null : String(fillValue) },
      naValues: DEFAULT_NA_VALUES,
      dropna: 'none' as const,
      maxCategories: maxCategories ?? 1000,
    };
    table = { columns: raw.columns, fit };
    if (fit.impute === null && raw.columns.every((c) => c.kind === 'numeric') && raw.data.some((v) => Number.isNaN(v))) {
      throw new DataError('the rows have missing values', { hint: "pass fit: { impute: 'mean' } (or median, most_frequent, constant)" });
    }
  } else {
    if (categorical !== undefined || impute !== undefined || fillValue !== undefined || maxCategories !== undefined) {
      throw new DataError('categorical, impute, fillValue and maxCategories need rows as records or a column table');
    }
    M = toMatrix(X, names === undefined ? {} : { width: names.length, features: names });
    features = names ?? Array.from({ length: M.cols }, (_, j) => `x${j}`);
  }
  const labels = toLabels(y, M.rows);
  const { classes, codes } = encodeLabels(labels);
  const foldOf = assignFolds(codes, {
    folds: options.folds ?? 5,
    kind: options.cv ?? 'stratified',
    shuffle: options.shuffle ?? false,
    seed: options.seed ?? 0,
  });
  const base = resolvePerceptronParams({
    ...params,
    randomState: fitSeed ?? 0,
    ...(initModel === undefined ? {} : { initModel: { checksum: initModel.checksum } }),
  });
  validatePerceptronParams(base);
  if (
    initModel !== undefined &&
    table === undefined &&
    (initModel.features.join('\n') !== features.join('\n') || initModel.classes.join('\n') !== classes.join('\n'))
  ) {
    throw new DataError('initModel has other features or classes than the data');
  }
  const init =
    initModel === undefined ? undefined : { coef: Float64Array.from(initModel.fitted.coef), intercept: Float64Array.from(initModel.fitted.intercept) };
  return { data: { X: M, codes, names: classes, foldOf, features, target, table }, base, init };
}

/** cross_validate(pipeline, X, y, cv=…, scoring=…): every fold refits the scaler and the perceptron. */
export function crossValidate(X: SelectionInput, y: readonly Label[], options: CrossValidateOptions = {}): CrossValidation {
  const { data, base, init } = prepare(X, y, options);
  const scorers = options.scoring ?? ['accuracy', 'f1_macro'];
  const k = options.folds ?? 5;
  const folds = Array.from({ length: k }, (_, f) => fitFold(data, f, base, scorers, init));
  const stats = summarise(folds, scorers);
  const pick = (get: (s: string) => number) => Object.fromEntries(scorers.map((s) => [s, get(s)]));
  return {
    folds,
    scores: Object.fromEntries(scorers.map((s) => [s, folds.map((f) => f.scores[s]!)])),
    mean: pick((s) => stats[s]!.mean),
    std: pick((s) => stats[s]!.std),
  };
}

export interface GridSearchOptions extends Omit<CrossValidateOptions, 'scoring'> {
  /** scikit-learn's param_grid with its parameter names: a dict of value lists, or a list of them. */
  grid: ParamGrid;
  /** The scorer that ranks (default 'accuracy'). */
  scoring?: Scorer;
  /** Worker threads for the fits (default 1); the results do not depend on it. */
  threads?: number;
}

export interface GridSearch {
  /** cv_results_, one row per candidate in ParameterGrid order. */
  results: CandidateResult[];
  bestIndex: number;
  bestParams: Candidate;
  bestScore: number;
  /** The best setting refitted on all the rows given (refit=True). */
  bestModel: Model;
}

/** GridSearchCV(pipeline, param_grid, cv=…, scoring=…, refit=True).fit(X, y). */
export async function gridSearch(X: SelectionInput, y: readonly Label[], options: GridSearchOptions): Promise<GridSearch> {
  const candidates = parameterGrid(normaliseGrid(options.grid));
  const { data, base, init } = prepare(X, y, options);
  const k = options.folds ?? 5;
  const params = candidates.map((c) => applyCandidate(base, c));
  params.forEach((p) => validatePerceptronParams(p));
  const scorer = options.scoring ?? 'accuracy';
  const jobs = params.flatMap((p, candidate) => Array.from({ length: k }, (_, fold) => ({ candidate, fold, params: p })));
  const fits = await runFits(data, jobs, { scorers: [scorer], threads: options.threads ?? 1, init });
  const { results, bestIndex } = searchResults(candidates, k, fits, scorer);
  const best = results[bestIndex]!;
  const bestModel = fit(X, y, applyCandidate({ ...(options.fit ?? {}) } as FitOptions, best.params));
  return { results, bestIndex, bestParams: best.params, bestScore: best.meanTestScore, bestModel };
}
