/**
 * The Perceptron options shared by train, cv and tune (docs/CLI.md, docs/MODEL_SELECTION.md):
 * settings → hyperparameters, and the checks that need the data (class names, --init-model's shape).
 */
import { DataError } from '../core/errors.js';
import { DEFAULT_PERCEPTRON_PARAMS, type PerceptronParams } from '../core/perceptron.js';
import type { PerceptronInit } from '../core/pipeline.js';
import type { Context } from './context.js';

/** The settings train, cv and tune share for the model (a subset of each command's table). */
export interface ModelSettings {
  maxIter?: number | undefined;
  eta0?: number | undefined;
  tol?: number | null | undefined;
  nIterNoChange?: number | undefined;
  shuffle?: boolean | undefined;
  penalty?: 'none' | 'l2' | 'l1' | 'elasticnet' | undefined;
  alpha?: number | undefined;
  l1Ratio?: number | undefined;
  fitIntercept?: boolean | undefined;
  earlyStopping?: boolean | undefined;
  validationFraction?: number | undefined;
  classWeight?: 'balanced' | Record<string, number> | undefined;
  initModel?: string | undefined;
}

/** Every hyperparameter but randomState (the single --seed), defaults filled in. */
export function perceptronParamsOf(s: ModelSettings): Omit<PerceptronParams, 'randomState'> {
  const d = DEFAULT_PERCEPTRON_PARAMS;
  return {
    maxIter: s.maxIter ?? d.maxIter,
    eta0: s.eta0 ?? d.eta0,
    tol: s.tol !== undefined ? s.tol : d.tol,
    nIterNoChange: s.nIterNoChange ?? d.nIterNoChange,
    shuffle: s.shuffle ?? d.shuffle,
    fitIntercept: s.fitIntercept ?? d.fitIntercept,
    penalty: s.penalty === undefined || s.penalty === 'none' ? d.penalty : s.penalty,
    alpha: s.alpha ?? d.alpha,
    l1Ratio: s.l1Ratio ?? d.l1Ratio,
    earlyStopping: s.earlyStopping ?? d.earlyStopping,
    validationFraction: s.validationFraction ?? d.validationFraction,
    classWeight: s.classWeight ?? d.classWeight,
    initModel: d.initModel,
  };
}

/** --class-weight may name only labels of the data (scikit-learn would ignore some and refuse others). */
export function checkClassWeightNames(classWeight: PerceptronParams['classWeight'], labels: Iterable<string>): void {
  if (classWeight === null || classWeight === 'balanced') return;
  const known = new Set(labels);
  const unknown = Object.keys(classWeight).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new DataError(`--class-weight names ${unknown.map((s) => JSON.stringify(s.slice(0, 40))).join(', ')}, which is not a label of the data`, {
      hint: `the labels are ${[...known].slice(0, 20).join(', ')}`,
    });
  }
}

export interface InitModel {
  path: string;
  checksum: string;
  features: readonly string[];
  classes: readonly string[];
  init: PerceptronInit;
}

/** Reads --init-model (a model file: exit 4 when it is not one). */
export async function loadInitModel(ctx: Context, path: string | undefined): Promise<InitModel | undefined> {
  if (path === undefined) return undefined;
  const model = await ctx.model(path);
  const f = model.fitted;
  return {
    path,
    checksum: model.checksum,
    features: f.features,
    classes: f.classes,
    init: { coef: Float64Array.from(f.coef), intercept: Float64Array.from(f.intercept) },
  };
}

/** The init model must have the data's features (same order) and the fit's classes: exit 3 otherwise. */
export function checkInitShape(init: InitModel, features: readonly string[], classes: readonly string[]): void {
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  if (!same(init.features, features)) {
    throw new DataError(
      `--init-model ${init.path}: its features (${init.features.slice(0, 8).join(', ')}) are not the data's (${features.slice(0, 8).join(', ')})`,
      { hint: 'start from a model trained on the same feature columns, in the same order' },
    );
  }
  if (!same(init.classes, classes)) {
    throw new DataError(
      `--init-model ${init.path}: its classes (${init.classes.slice(0, 8).join(', ')}) are not the training rows' (${classes.slice(0, 8).join(', ')})`,
      { hint: 'start from a model trained on the same labels' },
    );
  }
}
