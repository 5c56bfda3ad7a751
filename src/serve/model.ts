/**
 * What the server does with lib's `Model`, the one model type of src/serve: its default name,
 * scoring flat rows, the number of decision values, and reading CSV rows exactly as `iris predict`
 * reads them.
 *
 * The model file is re-read on every load (lib's loadModel has no process-wide cache): SIGHUP
 * reloads must see the new file. Scoring is lib's Model.scoreRows, so a prediction is bit for bit
 * what `iris predict` gives for the same row.
 */
import { basename, extname } from 'node:path';
import type { Readable } from 'node:stream';
import { coefRows } from '../core/linear.js';
import { matrix } from '../core/matrix.js';
import type { Model } from '../lib/model.js';
import type { Scored } from './codec/format.js';

export { loadModel } from '../lib/model.js';

/** The model's default name: the file's base name without its extension (`models/iris.json` → `iris`). */
export function defaultModelName(path: string): string {
  const base = basename(path);
  const ext = extname(base);
  return ext === '' || ext === base ? base : base.slice(0, -ext.length);
}

/** Decision values per row: 1 for a two-class model, else one per class. */
export function nScores(model: Model): number {
  return coefRows(model.classes.length);
}

/**
 * Scores n input rows held row-major in X (at least n x inputs, in lib's Model.inputs order:
 * numbers, category indices, NaN for a missing value); for an all-numeric model the inputs are its
 * features and this is Model.scoreRows.
 */
export function scoreFlat(model: Model, X: Float64Array, n: number): Scored {
  const d = model.inputs.length;
  return model.scoreInputRows(matrix(X.length === n * d ? X : X.subarray(0, n * d), n, d));
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
export async function* csvRows(input: Readable, model: Model, source: string, unknown: Map<string, number>): AsyncGenerator<CsvBatch> {
  const { openFeatureRows } = await import('../io/csv/index.js');
  const features = model.inputs.map((i) => i.name);
  // A table model's fields are read as predict reads them: its missing-value strings and categories.
  const cells = model.isTable ? new (await import('../io/csv/table-cells.js')).ModelCells(source, model.fitted.preprocessing, '.', 'ignore') : undefined;
  const rows = openFeatureRows(input, { features, source, ...(cells === undefined ? {} : { cells }) });
  for await (const batch of rows.batches()) yield { X: batch.X, n: batch.n };
  for (const { feature, rows: count } of cells?.unknownCounts() ?? []) unknown.set(feature, count);
}
