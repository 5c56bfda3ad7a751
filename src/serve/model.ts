/**
 * The one place where the server touches the project's model loading and scoring code, so that a
 * change of the model API is one file to follow. Everything else in src/serve works with
 * `ServedModel` and `ScoringParams`.
 *
 * The model file is re-read on every load (no process-wide cache): SIGHUP reloads must see the new
 * file. Scoring is the project's own scoreRows, so a prediction is bit for bit what `iris predict`
 * gives for the same row.
 */
import { basename, extname } from 'node:path';
import type { Readable } from 'node:stream';
import { coefRows, scoreRows } from '../core/linear.js';
import { loadModel } from '../lib/model.js';

/** What scoring needs, as plain typed arrays: cheap to copy to a worker thread with a task. */
export interface ScoringParams {
  classes: string[];
  nFeatures: number;
  mean: Float64Array;
  scale: Float64Array;
  coef: Float64Array;
  intercept: Float64Array;
}

export interface Scored {
  /** Class index per row. */
  predictions: Int32Array;
  /** Row-major n x nScores decision values (nScores = 1 for two classes). */
  scores: Float64Array;
}

export interface ServedModel {
  path: string;
  /** The full 'sha256:…' checksum of the artifact. */
  checksum: string;
  /** The first 12 hex digits of the checksum (the OIP model version). */
  version: string;
  target: string;
  features: readonly string[];
  classes: readonly string[];
  /** Decision values per row: 1 for a two-class model, else one per class. */
  nScores: number;
  /** The artifact's training metrics, as stored (train and test accuracy, confusion matrix, per class). */
  metrics: Record<string, unknown>;
  params: ScoringParams;
}

/** The model's default name: the file's base name without its extension (`models/iris.json` → `iris`). */
export function defaultModelName(path: string): string {
  const base = basename(path);
  const ext = extname(base);
  return ext === '' || ext === base ? base : base.slice(0, -ext.length);
}

/** Reads, parses and verifies (checksum included) the model file; a ModelError says what is wrong. */
export async function loadServedModel(path: string): Promise<ServedModel> {
  const model = await loadModel(path);
  const { fitted } = model;
  return {
    path,
    checksum: model.checksum,
    version: model.version,
    target: model.target,
    features: model.features,
    classes: model.classes,
    nScores: coefRows(model.classes.length),
    metrics: model.training.metrics,
    params: {
      classes: [...fitted.classes],
      nFeatures: fitted.features.length,
      mean: fitted.mean,
      scale: fitted.scale,
      coef: fitted.coef,
      intercept: fitted.intercept,
    },
  };
}

/** Scores n rows held row-major in X (n x nFeatures, in the model's feature order). */
export function scoreFlat(params: ScoringParams, X: Float64Array, n: number): Scored {
  return scoreRows(params, { data: X, rows: n, cols: params.nFeatures });
}

export interface CsvBatch {
  X: Float64Array;
  n: number;
}

/**
 * Streams CSV rows in the model's feature order, read exactly as `iris predict` reads them (header
 * naming the features in any order, extra columns ignored, the same number syntax). Errors are
 * DataErrors naming the line and column.
 */
export async function* csvRows(input: Readable, features: readonly string[], source: string): AsyncGenerator<CsvBatch> {
  const { openFeatureRows } = await import('../io/csv/index.js');
  const rows = openFeatureRows(input, { features, source });
  for await (const batch of rows.batches()) yield { X: batch.X, n: batch.n };
}
