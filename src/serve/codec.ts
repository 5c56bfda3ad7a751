/**
 * Request bodies to rows, scored rows to response bodies: pure functions with no server in them, so
 * that the same code runs on the event loop for small requests and in a worker thread for large
 * ones (work.ts), and can be fuzzed on its own.
 *
 * Typing is one rule for every format: a feature value is a finite number. JSON values must be JSON
 * numbers (a number sent as a string is refused, as a CSV field that is not a number is); the
 * value is the double JSON.parse gives, which is the double the CSV reader gives for the same text.
 */
import { badRequest, quote, tooLarge } from './errors.js';
import type { Scored } from './model.js';

/** What parsing and formatting need to know of the model. */
export interface ModelShape {
  features: readonly string[];
  classes: readonly string[];
  nScores: number;
}

export interface Rows {
  /** n x features.length, row-major, in the model's feature order. */
  X: Float64Array;
  n: number;
}

export const INVOCATION_FORMS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;
export const OUTPUT_NAMES = ['label', 'decision_function'] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${quote(value)}`;
  return `${typeof value} ${quote(value)}`;
}

/** The one typing rule of every format. */
function numberAt(value: unknown, where: () => string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw badRequest(`${where()}: ${quote(String(value))} is not a finite number`);
  }
  if (typeof value === 'string') throw badRequest(`${where()}: ${quote(value)} is a string, not a number (send feature values as JSON numbers)`);
  throw badRequest(`${where()}: ${kind(value)} is not a number`);
}

function checkRows(n: number, maxRows: number): void {
  if (n > maxRows) throw tooLarge(`${n} rows in one request; at most ${maxRows} are accepted (--max-rows)`);
}

function featureList(features: readonly string[]): string {
  const shown = features.slice(0, 20).map((f) => JSON.stringify(f));
  return shown.join(', ') + (features.length > 20 ? `, … (${features.length} in all)` : '');
}

/**
 * Reads the body as JSON. The parser's own message is not passed on: V8 quotes the input in it.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw badRequest('the body is empty; expected a JSON document');
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw badRequest(`the body is not valid JSON${position === undefined ? '' : ` (at character ${Number(position) + 1})`}`);
  }
}

/** One record (a JSON object naming the features) into row i of X; other members are ignored, as extra CSV columns are. */
function putRecord(record: unknown, features: readonly string[], X: Float64Array, i: number, where: () => string): void {
  if (!isObject(record)) throw badRequest(`${where()}: expected a record (an object naming the features), got ${kind(record)}`);
  const d = features.length;
  for (let j = 0; j < d; j++) {
    const feature = features[j] as string;
    const value = record[feature];
    if (value === undefined && !Object.hasOwn(record, feature)) throw badRequest(`${where()}: missing feature ${JSON.stringify(feature)}`);
    X[i * d + j] = numberAt(value, () => `${where()}: feature ${JSON.stringify(feature)}`);
  }
}

/** One row given as an array of values in the model's feature order. */
function putArray(row: unknown[], features: readonly string[], X: Float64Array, i: number, where: () => string): void {
  const d = features.length;
  if (row.length !== d) throw badRequest(`${where()}: ${row.length} values, but the model has ${d} features (${featureList(features)})`);
  for (let j = 0; j < d; j++) {
    X[i * d + j] = numberAt(row[j], () => `${where()}: feature ${JSON.stringify(features[j])}`);
  }
}

/** `instances` / `inputs`: rows as arrays or records, or (MLflow's columnar form) an object of one array per feature. */
function rowsOfInstances(value: unknown, member: string, features: readonly string[], maxRows: number): Rows {
  const d = features.length;
  if (Array.isArray(value)) {
    checkRows(value.length, maxRows);
    const X = new Float64Array(value.length * d);
    for (let i = 0; i < value.length; i++) {
      const row = value[i];
      const where = () => `${member}[${i}]`;
      if (Array.isArray(row)) putArray(row, features, X, i, where);
      else putRecord(row, features, X, i, where);
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
        checkRows(n, maxRows);
      } else if (column.length !== n) {
        throw badRequest(`${member}.${feature}: ${column.length} values, but ${JSON.stringify(features[0])} has ${n}`);
      }
    }
    const X = new Float64Array(Math.max(n, 0) * d);
    features.forEach((feature, j) => {
      const column = value[feature] as unknown[];
      for (let i = 0; i < n; i++) X[i * d + j] = numberAt(column[i], () => `${member}.${feature}[${i}]`);
    });
    return { X, n: Math.max(n, 0) };
  }
  throw badRequest(`${member}: expected an array of rows, got ${kind(value)}`);
}

/** MLflow's `/invocations` JSON body (one of dataframe_split, dataframe_records, instances, inputs, plus params). */
export function rowsOfInvocation(doc: unknown, model: ModelShape, maxRows: number): Rows {
  const { features } = model;
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
  const form = forms[0] as (typeof INVOCATION_FORMS)[number];
  const value = doc[form];
  switch (form) {
    case 'dataframe_split': {
      if (!isObject(value)) throw badRequest(`dataframe_split: expected an object with columns and data, got ${kind(value)}`);
      for (const key of Object.keys(value)) {
        if (key !== 'columns' && key !== 'data' && key !== 'index') throw badRequest(`dataframe_split: unknown member ${quote(key)} (it takes columns, data and index)`);
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
      checkRows(data.length, maxRows);
      const X = new Float64Array(data.length * d);
      for (let i = 0; i < data.length; i++) {
        const row = data[i];
        if (!Array.isArray(row) || row.length !== columns.length) {
          throw badRequest(`dataframe_split.data[${i}]: expected an array of ${columns.length} values (one per column), got ${Array.isArray(row) ? `${row.length} values` : kind(row)}`);
        }
        for (let j = 0; j < d; j++) {
          X[i * d + j] = numberAt(row[at[j] as number], () => `dataframe_split.data[${i}]: feature ${JSON.stringify(features[j])}`);
        }
      }
      return { X, n: data.length };
    }
    case 'dataframe_records': {
      if (!Array.isArray(value)) throw badRequest(`dataframe_records: expected an array of records, got ${kind(value)}`);
      checkRows(value.length, maxRows);
      const X = new Float64Array(value.length * d);
      for (let i = 0; i < value.length; i++) putRecord(value[i], features, X, i, () => `dataframe_records[${i}]`);
      return { X, n: value.length };
    }
    default:
      return rowsOfInstances(value, form, features, maxRows);
  }
}

export interface InferRequest extends Rows {
  id: string | undefined;
  outputs: OutputName[];
}

const TENSOR_TYPES = new Set(['FP64', 'FP32', 'INT64', 'INT32']);

function tensorHead(input: unknown, where: string): { name: string; datatype: string; shape: number[]; data: unknown } {
  if (!isObject(input)) throw badRequest(`${where}: expected a tensor object, got ${kind(input)}`);
  const { name, datatype, shape, data } = input;
  if (typeof name !== 'string') throw badRequest(`${where}.name: expected a string`);
  if (typeof datatype !== 'string' || !TENSOR_TYPES.has(datatype)) {
    throw badRequest(`${where}.datatype: ${quote(datatype)} is not accepted; use FP64, FP32, INT64 or INT32`);
  }
  if (!Array.isArray(shape) || shape.some((s) => typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0)) {
    throw badRequest(`${where}.shape: expected an array of whole numbers of at least 0`);
  }
  if (!Array.isArray(data)) throw badRequest(`${where}.data: expected an array, got ${kind(data)}`);
  return { name, datatype, shape: shape as number[], data };
}

/** Flattens row-major nested arrays into out, counting values; non-numbers are refused with their row and feature. */
function flatten(data: unknown[], out: Float64Array, integer: boolean, where: (k: number) => string): number {
  let k = 0;
  const visit = (items: unknown[], depth: number) => {
    if (depth > 2) throw badRequest(`${where(k)}: arrays nested deeper than the tensor's shape`);
    for (const item of items) {
      if (Array.isArray(item)) visit(item, depth + 1);
      else {
        if (k >= out.length) {
          k++;
          continue;
        }
        const value = numberAt(item, () => where(k));
        if (integer && !Number.isInteger(value)) throw badRequest(`${where(k)}: ${value} is not a whole number, as the datatype says`);
        out[k++] = value;
      }
    }
  };
  visit(data, 0);
  return k;
}

/** An Open Inference Protocol v2 inference request: one [N, F] tensor, or one [N] tensor per feature. */
export function rowsOfInfer(doc: unknown, model: ModelShape, maxRows: number): InferRequest {
  const { features } = model;
  const d = features.length;
  if (!isObject(doc)) throw badRequest(`the body must be a JSON object with inputs, got ${kind(doc)}`);
  const id = doc.id;
  if (id !== undefined && typeof id !== 'string') throw badRequest('id: expected a string');
  let outputs: OutputName[] = [...OUTPUT_NAMES];
  if (doc.outputs !== undefined) {
    if (!Array.isArray(doc.outputs)) throw badRequest('outputs: expected an array of {"name": …}');
    const named = doc.outputs.map((output, i) => {
      const name = isObject(output) ? output.name : undefined;
      if (typeof name !== 'string' || !(OUTPUT_NAMES as readonly string[]).includes(name)) {
        throw badRequest(`outputs[${i}]: ${quote(name)} is not an output of the model (label, decision_function)`);
      }
      return name as OutputName;
    });
    if (named.length > 0) outputs = OUTPUT_NAMES.filter((name) => named.includes(name));
  }
  const inputs = doc.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) throw badRequest('inputs: expected a non-empty array of tensors');
  const first = tensorHead(inputs[0], 'inputs[0]');
  const tensorForm = inputs.length === 1 && (first.shape.length === 2 || !features.includes(first.name));
  if (tensorForm) {
    const [n, f] = first.shape;
    if (first.shape.length !== 2 || n === undefined || f === undefined) throw badRequest(`inputs[0].shape: expected [N, ${d}], got ${quote(first.shape)}`);
    if (f !== d) throw badRequest(`inputs[0].shape: [${n}, ${f}], but the model has ${d} features (${featureList(features)})`);
    checkRows(n, maxRows);
    const X = new Float64Array(n * d);
    const count = flatten(first.data as unknown[], X, first.datatype.startsWith('INT'), (k) => `inputs[0].data: row ${Math.floor(k / d)}, feature ${JSON.stringify(features[k % d])}`);
    if (count !== n * d) throw badRequest(`inputs[0].data: ${count} values, but the shape [${n}, ${d}] needs ${n * d}`);
    return { X, n, id, outputs };
  }
  // One input per feature (MLServer's "pd" content type), in any order.
  const byFeature = new Map<string, { datatype: string; shape: number[]; data: unknown[]; index: number }>();
  inputs.forEach((input, index) => {
    const head = index === 0 ? first : tensorHead(input, `inputs[${index}]`);
    if (!features.includes(head.name)) {
      throw badRequest(`inputs[${index}].name: ${quote(head.name)} is not a feature of the model (${featureList(features)})`);
    }
    if (byFeature.has(head.name)) throw badRequest(`inputs[${index}].name: the feature ${JSON.stringify(head.name)} is given twice`);
    byFeature.set(head.name, { ...head, data: head.data as unknown[], index });
  });
  let n = -1;
  for (const feature of features) {
    const input = byFeature.get(feature);
    if (input === undefined) throw badRequest(`inputs: missing feature ${JSON.stringify(feature)}`);
    const rows = input.shape[0];
    if (rows === undefined || input.shape.length > 2 || (input.shape.length === 2 && input.shape[1] !== 1)) {
      throw badRequest(`inputs[${input.index}].shape: expected [N] for one feature, got ${quote(input.shape)}`);
    }
    if (n === -1) n = rows;
    else if (rows !== n) throw badRequest(`inputs[${input.index}].shape: ${rows} rows, but the other inputs have ${n}`);
  }
  checkRows(n, maxRows);
  const X = new Float64Array(n * d);
  const column = new Float64Array(n);
  features.forEach((feature, j) => {
    const input = byFeature.get(feature) as { datatype: string; data: unknown[]; index: number };
    const count = flatten(input.data, column, input.datatype.startsWith('INT'), (k) => `inputs[${input.index}].data[${k}] (feature ${JSON.stringify(feature)})`);
    if (count !== n) throw badRequest(`inputs[${input.index}].data: ${count} values, but the shape says ${n}`);
    for (let i = 0; i < n; i++) X[i * d + j] = column[i] as number;
  });
  return { X, n, id, outputs };
}

/**
 * One NDJSON line: a record or an array in feature order. `line` is 1-based, for messages.
 * Returns false for a blank line (no row, no answer line).
 */
export function putNdjsonLine(text: string, model: ModelShape, X: Float64Array, i: number, line: number): boolean {
  if (text.trim() === '') return false;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest(`line ${line}: not valid JSON`, line);
  }
  try {
    const where = () => `line ${line}`;
    if (Array.isArray(value)) putArray(value, model.features, X, i, where);
    else putRecord(value, model.features, X, i, where);
  } catch (error) {
    if (error instanceof Error && 'status' in error) throw badRequest(error.message, line);
    throw error;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Responses. Numbers are written as JSON.stringify writes them, as `iris predict` does.

export interface Formatter {
  /** MLflow: one `{"label", "scores"}` per row, comma-separated (no brackets). */
  predictions(scored: Scored, n: number, withScores: boolean): string;
  /** NDJSON: the `iris predict --format jsonl [--scores]` record of each row, one a line. */
  ndjson(scored: Scored, n: number, withScores: boolean): string;
}

export function formatter(model: ModelShape): Formatter {
  const labels = model.classes.map((c) => JSON.stringify(c));
  const keys = model.classes.map((c) => `${JSON.stringify(c)}:`);
  const m = model.nScores;
  const scoresOf = (scores: Float64Array, offset: number): string => {
    if (m === 1) return String(scores[offset]);
    let s = '{';
    for (let k = 0; k < m; k++) s += (k === 0 ? '' : ',') + keys[k] + String(scores[offset + k]);
    return `${s}}`;
  };
  const rows = (scored: Scored, n: number, head: string, withScores: boolean, sep: string, tail: string): string => {
    const parts = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const label = labels[scored.predictions[i] as number] as string;
      parts[i] = withScores ? `${head}${label},"scores":${scoresOf(scored.scores, i * m)}}` : `${head}${label}}`;
    }
    return n === 0 ? '' : parts.join(sep) + tail;
  };
  return {
    predictions: (scored, n, withScores) => rows(scored, n, '{"label":', withScores, ',', ''),
    ndjson: (scored, n, withScores) => rows(scored, n, '{"prediction":', withScores, '\n', '\n'),
  };
}

/** The MLflow response body. */
export function invocationBody(model: ModelShape, scored: Scored, n: number, withScores: boolean): string {
  return `{"predictions":[${formatter(model).predictions(scored, n, withScores)}]}`;
}

/** The Open Inference Protocol response body. */
export function inferBody(
  model: ModelShape & { name: string; version: string },
  request: { id: string | undefined; outputs: readonly OutputName[] },
  scored: Scored,
  n: number,
): string {
  const outputs: string[] = [];
  if (request.outputs.includes('label')) {
    const labels = model.classes.map((c) => JSON.stringify(c));
    const data = new Array<string>(n);
    for (let i = 0; i < n; i++) data[i] = labels[scored.predictions[i] as number] as string;
    outputs.push(`{"name":"label","datatype":"BYTES","shape":[${n}],"data":[${data.join(',')}]}`);
  }
  if (request.outputs.includes('decision_function')) {
    const m = model.nScores;
    const data = new Array<string>(n * m);
    for (let k = 0; k < n * m; k++) data[k] = String(scored.scores[k]);
    const shape = m === 1 ? `[${n}]` : `[${n},${m}]`;
    outputs.push(`{"name":"decision_function","datatype":"FP64","shape":${shape},"data":[${data.join(',')}]}`);
  }
  const id = request.id === undefined ? '' : `"id":${JSON.stringify(request.id)},`;
  return `{${id}"model_name":${JSON.stringify(model.name)},"model_version":${JSON.stringify(model.version)},"outputs":[${outputs.join(',')}]}`;
}

/** `iris predict --format csv [--scores]` output: for job results asked for as text/csv. */
export function csvBody(model: ModelShape, scored: Scored, n: number, withScores: boolean): string {
  const field = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const m = model.nScores;
  const scoreColumns = !withScores ? [] : m === 1 ? ['score'] : model.classes.map((c) => field(`score_${c}`));
  const lines = [['prediction', ...scoreColumns].join(',')];
  const labels = model.classes.map(field);
  for (let i = 0; i < n; i++) {
    let line = labels[scored.predictions[i] as number] as string;
    if (withScores) for (let k = 0; k < m; k++) line += `,${String(scored.scores[i * m + k])}`;
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}
