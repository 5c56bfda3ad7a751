/**
 * MLflow request bodies (JSON, NDJSON lines) to rows: pure functions with no server in them, so that
 * the same code runs on the event loop for small requests and in a worker thread for large ones
 * (work.ts), and can be fuzzed on its own.
 *
 * Typing is one rule for every format: a feature value is a finite number. JSON values must be JSON
 * numbers (a number sent as a string is refused, as a CSV field that is not a number is); the
 * value is the double JSON.parse gives, which is the double the CSV reader gives for the same text.
 */
import type { Model } from '../../lib/model.js';
import { HttpError, badRequest, quote, tooLarge } from '../errors.js';

export interface Rows {
  /** n x features.length, row-major, in the model's feature order. */
  X: Float64Array;
  n: number;
}

export const INVOCATION_FORMS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${quote(value)}`;
  return `${typeof value} ${quote(value)}`;
}

/** The one typing rule of every format. */
export function numberAt(value: unknown, where: () => string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw badRequest(`${where()}: ${quote(String(value))} is not a finite number`);
  }
  if (typeof value === 'string') throw badRequest(`${where()}: ${quote(value)} is a string, not a number (send feature values as JSON numbers)`);
  throw badRequest(`${where()}: ${kind(value)} is not a number`);
}

/**
 * How one request's values become a model's input row (lib's Model.inputs, in model order): a
 * number, a category's index (one past the last for a category the model never saw, counted per
 * feature), or NaN for a missing value (`null`) where the model imputes. An all-numeric model
 * without imputation keeps the one typing rule above: a finite JSON number, nothing else.
 */
export interface Cells {
  readonly names: readonly string[];
  at(value: unknown, j: number, where: () => string): number;
  /** Unknown categories met, per input name (iris_unknown_categories_total). */
  readonly unknown: Map<string, number>;
}

export function cellsOf(model: Model): Cells {
  const inputs = model.inputs;
  const names = inputs.map((input) => input.name);
  const unknown = new Map<string, number>();
  if (!model.isTable) return { names, unknown, at: (value, _j, where) => numberAt(value, where) };
  const index = inputs.map((input) => (input.kind === 'categorical' ? new Map((input.categories ?? []).map((c, k) => [c, k])) : null));
  return {
    names,
    unknown,
    at(value, j, where) {
      const input = inputs[j]!;
      if (value === null || value === undefined) {
        if (input.imputed) return NaN;
        throw badRequest(`${where()}: a missing value (null), and the model does not impute ${JSON.stringify(input.name)}`);
      }
      const categories = index[j];
      if (categories === null || categories === undefined) return numberAt(value, where);
      // A number sent for a categorical feature matches the category spelled as String(n).
      if (typeof value !== 'string' && typeof value !== 'number') throw badRequest(`${where()}: ${kind(value)} is not a category (send a string)`);
      const code = categories.get(String(value));
      if (code !== undefined) return code;
      unknown.set(input.name, (unknown.get(input.name) ?? 0) + 1);
      return categories.size;
    },
  };
}

/** Values one request may fill (8 GiB of float64 would be 2^30): past it, 413 rather than a failed allocation. */
export const MAX_VALUES = 2 ** 27;

export function checkRows(n: number, maxRows: number, width = 0): void {
  if (n > maxRows) throw tooLarge(`${n} rows in one request; at most ${maxRows} are accepted (--max-rows)`);
  if (n * width > MAX_VALUES) throw tooLarge(`${n} rows of ${width} features is more than the ${MAX_VALUES} values one request may hold`);
}

export function featureList(features: readonly string[]): string {
  const shown = features.slice(0, 20).map((f) => JSON.stringify(f));
  return shown.join(', ') + (features.length > 20 ? `, … (${features.length} in all)` : '');
}

/**
 * Reads the body as JSON. The parser's own message is not passed on: V8 quotes the input in it.
 */
export function parseJsonBody(text: string): unknown {
  // A regex stops at the first non-space character; trim() would copy a large body.
  if (!/\S/.test(text)) throw badRequest('the body is empty; expected a JSON document');
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw badRequest(`the body is not valid JSON${position === undefined ? '' : ` (at character ${Number(position) + 1})`}`);
  }
}

/** One record (a JSON object naming the features) into row i of X; other members are ignored, as extra CSV columns are. */
export function putRecord(record: unknown, cells: Cells, X: Float64Array, i: number, where: () => string): void {
  if (!isObject(record)) throw badRequest(`${where()}: expected a record (an object naming the features), got ${kind(record)}`);
  const features = cells.names;
  const d = features.length;
  for (let j = 0; j < d; j++) {
    const feature = features[j] as string;
    const value = record[feature];
    if (value === undefined && !Object.hasOwn(record, feature)) throw badRequest(`${where()}: missing feature ${JSON.stringify(feature)}`);
    X[i * d + j] = cells.at(value, j, () => `${where()}: feature ${JSON.stringify(feature)}`);
  }
}

/** One row given as an array of values in the model's feature order. */
export function putArray(row: unknown[], cells: Cells, X: Float64Array, i: number, where: () => string): void {
  const features = cells.names;
  const d = features.length;
  if (row.length !== d) throw badRequest(`${where()}: ${row.length} values, but the model has ${d} features (${featureList(features)})`);
  for (let j = 0; j < d; j++) {
    X[i * d + j] = cells.at(row[j], j, () => `${where()}: feature ${JSON.stringify(features[j])}`);
  }
}

/** `instances` / `inputs`: rows as arrays or records, or (MLflow's columnar form) an object of one array per feature. */
function rowsOfInstances(value: unknown, member: string, cells: Cells, maxRows: number): Rows {
  const features = cells.names;
  const d = features.length;
  if (Array.isArray(value)) {
    checkRows(value.length, maxRows, features.length);
    const X = new Float64Array(value.length * d);
    for (let i = 0; i < value.length; i++) {
      const row = value[i];
      const where = () => `${member}[${i}]`;
      if (Array.isArray(row)) putArray(row, cells, X, i, where);
      else putRecord(row, cells, X, i, where);
    }
    return { X, n: value.length };
  }
  if (isObject(value)) {
    let n = -1;
    for (const feature of features) {
      const column = value[feature];
      if (column === undefined) throw badRequest(`${member}: missing feature ${JSON.stringify(feature)}`);
      if (!Array.isArray(column)) throw badRequest(`${member}.${feature}: expected an array of values, got ${kind(column)}`);
      if (n === -1) {
        n = column.length;
        checkRows(n, maxRows, d);
      } else if (column.length !== n) {
        throw badRequest(`${member}.${feature}: ${column.length} values, but ${JSON.stringify(features[0])} has ${n}`);
      }
    }
    const X = new Float64Array(Math.max(n, 0) * d);
    features.forEach((feature, j) => {
      const column = value[feature] as unknown[];
      for (let i = 0; i < n; i++) X[i * d + j] = cells.at(column[i], j, () => `${member}.${feature}[${i}]`);
    });
    return { X, n: Math.max(n, 0) };
  }
  throw badRequest(`${member}: expected an array of rows, got ${kind(value)}`);
}

/** MLflow's `/invocations` JSON body (one of dataframe_split, dataframe_records, instances, inputs, plus params). */
export function rowsOfInvocation(doc: unknown, model: Model, maxRows: number, cells: Cells = cellsOf(model)): Rows & { withScores?: boolean } {
  const features = cells.names;
  const d = features.length;
  const expected = 'one of dataframe_split, dataframe_records, instances or inputs';
  if (!isObject(doc)) throw badRequest(`the body must be a JSON object with ${expected}, got ${kind(doc)}`);
  const forms: string[] = [];
  for (const key of Object.keys(doc)) {
    if ((INVOCATION_FORMS as readonly string[]).includes(key)) forms.push(key);
    else if (key !== 'params') throw badRequest(`unknown member ${quote(key)}; the body takes ${expected}, and params`);
  }
  if (forms.length !== 1) throw badRequest(forms.length === 0 ? `the body has none of ${expected}` : `the body has ${forms.join(' and ')}; give exactly one`);
  if (doc.params !== undefined && !isObject(doc.params)) throw badRequest(`params: expected an object, got ${kind(doc.params)}`);
  // MLflow's params: {"scores": true} asks for the decision values; other parameters are ignored.
  const scores = isObject(doc.params) && doc.params.scores === true ? { withScores: true } : {};
  const form = forms[0] as (typeof INVOCATION_FORMS)[number];
  const value = doc[form];
  switch (form) {
    case 'dataframe_split': {
      if (!isObject(value)) throw badRequest(`dataframe_split: expected an object with columns and data, got ${kind(value)}`);
      for (const key of Object.keys(value)) {
        if (key !== 'columns' && key !== 'data' && key !== 'index')
          throw badRequest(`dataframe_split: unknown member ${quote(key)} (it takes columns, data and index)`);
      }
      const { columns, data } = value;
      if (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string')) throw badRequest('dataframe_split.columns: expected an array of column names');
      if (!Array.isArray(data)) throw badRequest(`dataframe_split.data: expected an array of rows, got ${kind(data)}`);
      const seen = new Set<string>();
      for (const column of columns as string[]) {
        if (seen.has(column)) throw badRequest(`dataframe_split.columns: the column ${quote(column)} is given twice`);
        seen.add(column);
      }
      const at = features.map((feature) => {
        const index = (columns as string[]).indexOf(feature);
        if (index === -1) throw badRequest(`dataframe_split.columns: missing feature ${JSON.stringify(feature)}`);
        return index;
      });
      checkRows(data.length, maxRows, d);
      const X = new Float64Array(data.length * d);
      for (let i = 0; i < data.length; i++) {
        const row = data[i];
        if (!Array.isArray(row) || row.length !== columns.length) {
          throw badRequest(
            `dataframe_split.data[${i}]: expected an array of ${columns.length} values (one per column), got ${Array.isArray(row) ? `${row.length} values` : kind(row)}`,
          );
        }
        for (let j = 0; j < d; j++) {
          X[i * d + j] = cells.at(row[at[j] as number], j, () => `dataframe_split.data[${i}]: feature ${JSON.stringify(features[j])}`);
        }
      }
      return { X, n: data.length, ...scores };
    }
    case 'dataframe_records': {
      if (!Array.isArray(value)) throw badRequest(`dataframe_records: expected an array of records, got ${kind(value)}`);
      checkRows(value.length, maxRows, features.length);
      const X = new Float64Array(value.length * d);
      for (let i = 0; i < value.length; i++) putRecord(value[i], cells, X, i, () => `dataframe_records[${i}]`);
      return { X, n: value.length, ...scores };
    }
    default:
      return { ...rowsOfInstances(value, form, cells, maxRows), ...scores };
  }
}

/**
 * One NDJSON line: a record or an array in feature order. `line` is 1-based, for messages.
 * Returns false for a blank line (no row, no answer line).
 */
export function putNdjsonLine(text: string, cells: Cells, X: Float64Array, i: number, line: number): boolean {
  if (!/\S/.test(text)) return false;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest(`line ${line}: not valid JSON`, line);
  }
  try {
    const where = () => `line ${line}`;
    if (Array.isArray(value)) putArray(value, cells, X, i, where);
    else putRecord(value, cells, X, i, where);
  } catch (error) {
    if (error instanceof HttpError) throw badRequest(error.message, line);
    throw error;
  }
  return true;
}
