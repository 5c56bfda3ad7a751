/**
 * Open Inference Protocol v2 inference requests to rows, and scored rows to its answer, in JSON or
 * with the binary tensor extension (binary.ts). Optional members sent as `null` (`id`,
 * `parameters`, `outputs`, an input's or an output's `parameters`) mean absent, as MLServer's and
 * KServe's Python clients send them.
 */
import { coefRows } from '../../core/linear.js';
import type { Model } from '../../lib/model.js';
import { badRequest, quote } from '../errors.js';
import { BinarySection, decodeBytes, decodeNumbers, encodeBytes, encodeFp64 } from './binary.js';
import type { Scored } from './format.js';
import { cellsOf, checkRows, featureList, isObject, kind, parseJsonBody, type Cells, type Rows } from './rows.js';

export const OUTPUT_NAMES = ['label', 'decision_function'] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];

export interface RequestedOutput {
  name: OutputName;
  /** Sent back as raw bytes after the JSON header (binary tensor extension). */
  binary: boolean;
}

export interface InferRequest extends Rows {
  id: string | undefined;
  outputs: RequestedOutput[];
}

/** BYTES: the values of a categorical input (a model with categorical features, one input per feature). */
const TENSOR_TYPES = new Set(['FP64', 'FP32', 'INT64', 'INT32', 'BYTES']);

/** A tensor's values: JSON data (flat or nested), or numbers read from the binary section. */
type Values = unknown[] | Float64Array;

interface Tensor {
  name: string;
  datatype: string;
  shape: number[];
  data: Values;
}

/** An optional member: null means absent. */
function optional(value: unknown): unknown {
  return value === null ? undefined : value;
}

function tensorHead(input: unknown, where: string, binary: BinarySection | undefined): Tensor {
  if (!isObject(input)) throw badRequest(`${where}: expected a tensor object, got ${kind(input)}`);
  const { name, datatype, shape } = input;
  if (typeof name !== 'string') throw badRequest(`${where}.name: expected a string`);
  if (typeof datatype !== 'string' || !TENSOR_TYPES.has(datatype)) {
    throw badRequest(`${where}.datatype: ${quote(datatype)} is not accepted; use FP64, FP32, INT64 or INT32 (BYTES for a categorical feature)`);
  }
  if (!Array.isArray(shape) || shape.some((s) => typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0)) {
    throw badRequest(`${where}.shape: expected an array of whole numbers of at least 0`);
  }
  const parameters = optional(input.parameters);
  if (parameters !== undefined && !isObject(parameters)) throw badRequest(`${where}.parameters: expected an object, got ${kind(parameters)}`);
  const size = optional(parameters?.binary_data_size);
  if (size !== undefined) {
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
      throw badRequest(`${where}.parameters.binary_data_size: expected a whole number of bytes`);
    if (binary === undefined) throw badRequest(`${where}.parameters.binary_data_size: binary data needs the Inference-Header-Content-Length header`);
    if (optional(input.data) !== undefined) throw badRequest(`${where}: give data or binary_data_size, not both`);
    const bytes = binary.take(size, where);
    return { name, datatype, shape: shape as number[], data: datatype === 'BYTES' ? decodeBytes(bytes, where) : decodeNumbers(bytes, datatype, where) };
  }
  const data = input.data;
  if (!Array.isArray(data)) throw badRequest(`${where}.data: expected an array, got ${kind(data)}`);
  return { name, datatype, shape: shape as number[], data };
}

/** Flattens row-major values into out, counting them; non-numbers are refused with their row and feature. */
function flatten(
  data: Values,
  out: Float64Array,
  integer: boolean,
  where: (k: number) => string,
  cell: (value: unknown, k: number, where: () => string) => number,
): number {
  let k = 0;
  const put = (item: unknown) => {
    if (k >= out.length) {
      k++;
      return;
    }
    const value = cell(item, k, () => where(k));
    if (integer && !Number.isNaN(value) && !Number.isInteger(value)) throw badRequest(`${where(k)}: ${value} is not a whole number, as the datatype says`);
    out[k++] = value;
  };
  if (data instanceof Float64Array) {
    for (const value of data) put(value);
    return k;
  }
  const visit = (items: unknown[], depth: number) => {
    if (depth > 2) throw badRequest(`${where(k)}: arrays nested deeper than the tensor's shape`);
    for (const item of items) {
      if (Array.isArray(item)) visit(item, depth + 1);
      else put(item);
    }
  };
  visit(data, 0);
  return k;
}

/** The outputs asked for: each known name at most once, in the request's order of the model's outputs. */
function requestedOutputs(doc: Record<string, unknown>): RequestedOutput[] {
  const parameters = optional(doc.parameters);
  const allBinary = isObject(parameters) && parameters.binary_data_output === true;
  const outputs = optional(doc.outputs);
  if (outputs === undefined || (Array.isArray(outputs) && outputs.length === 0)) return OUTPUT_NAMES.map((name) => ({ name, binary: allBinary }));
  if (!Array.isArray(outputs)) throw badRequest('outputs: expected an array of {"name": …}');
  const named = new Map<OutputName, boolean>();
  outputs.forEach((output, i) => {
    const name = isObject(output) ? output.name : undefined;
    if (typeof name !== 'string' || !(OUTPUT_NAMES as readonly string[]).includes(name)) {
      throw badRequest(`outputs[${i}]: ${quote(name)} is not an output of the model (label, decision_function)`);
    }
    if (named.has(name as OutputName)) throw badRequest(`outputs[${i}]: the output ${JSON.stringify(name)} is asked for twice`);
    const own = optional((output as Record<string, unknown>).parameters);
    if (own !== undefined && !isObject(own)) throw badRequest(`outputs[${i}].parameters: expected an object, got ${kind(own)}`);
    named.set(name as OutputName, allBinary || (isObject(own) && own.binary_data === true));
  });
  return OUTPUT_NAMES.filter((name) => named.has(name)).map((name) => ({ name, binary: named.get(name) as boolean }));
}

function text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * An inference request body: JSON, or (when `headerLength` is given) a JSON header and a binary
 * section. One [N, F] tensor, or one [N] tensor per feature.
 */
export function parseInfer(
  body: Uint8Array,
  headerLength: number | undefined,
  model: Model,
  maxRows: number,
  cells: Cells = cellsOf(model),
): InferRequest & { unknown: Map<string, number> } {
  if (headerLength === undefined) return rowsOfInfer(parseJsonBody(text(body)), model, maxRows, undefined, cells);
  const binary = new BinarySection(body.subarray(headerLength));
  const request = rowsOfInfer(parseJsonBody(text(body.subarray(0, headerLength))), model, maxRows, binary, cells);
  binary.finish();
  return request;
}

/** A parsed inference request document to rows; `binary` holds the bytes after a binary request's JSON header. */
export function rowsOfInfer(
  doc: unknown,
  model: Model,
  maxRows: number,
  binary?: BinarySection,
  cells: Cells = cellsOf(model),
): InferRequest & { unknown: Map<string, number> } {
  const features = cells.names;
  const d = features.length;
  const categorical = model.inputs.some((input) => input.kind === 'categorical');
  if (!isObject(doc)) throw badRequest(`the body must be a JSON object with inputs, got ${kind(doc)}`);
  const id = optional(doc.id);
  if (id !== undefined && typeof id !== 'string') throw badRequest('id: expected a string');
  const parameters = optional(doc.parameters);
  if (parameters !== undefined && !isObject(parameters)) throw badRequest(`parameters: expected an object, got ${kind(parameters)}`);
  const outputs = requestedOutputs(doc);
  const inputs = doc.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) throw badRequest('inputs: expected a non-empty array of tensors');
  const first = tensorHead(inputs[0], 'inputs[0]', binary);
  const tensorForm = inputs.length === 1 && (first.shape.length === 2 || !features.includes(first.name));
  if (tensorForm && categorical) {
    throw badRequest(
      `inputs: this model has categorical features; send one input per feature (BYTES for a categorical one, FP64 for a numeric one, null for a missing value): ${featureList(features)}`,
    );
  }
  const notBytes = (datatype: string, where: string, feature?: string) => {
    if (datatype === 'BYTES')
      throw badRequest(
        `${where}.datatype: BYTES is for a categorical feature${feature === undefined ? '' : `, and ${JSON.stringify(feature)} is numeric`}; use FP64, FP32, INT64 or INT32`,
      );
  };
  if (tensorForm) {
    notBytes(first.datatype, 'inputs[0]');
    const [n, f] = first.shape;
    if (first.shape.length !== 2 || n === undefined || f === undefined) throw badRequest(`inputs[0].shape: expected [N, ${d}], got ${quote(first.shape)}`);
    if (f !== d) throw badRequest(`inputs[0].shape: [${n}, ${f}], but the model has ${d} features (${featureList(features)})`);
    checkRows(n, maxRows, d);
    // The data must fill the shape before anything is allocated for it (a shape is cheap to send).
    const nested = !(first.data instanceof Float64Array) && first.data.length > 0 && Array.isArray(first.data[0]);
    if (first.data.length !== (nested ? n : n * d)) {
      throw badRequest(`inputs[0].data: ${first.data.length} ${nested ? 'rows' : 'values'}, but the shape [${n}, ${d}] needs ${nested ? n : n * d}`);
    }
    const X = new Float64Array(n * d);
    const count = flatten(
      first.data,
      X,
      first.datatype.startsWith('INT'),
      (k) => `inputs[0].data: row ${Math.floor(k / d)}, feature ${JSON.stringify(features[k % d])}`,
      (value, k, where) => cells.at(value, k % d, where),
    );
    if (count !== n * d) throw badRequest(`inputs[0].data: ${count} values, but the shape [${n}, ${d}] needs ${n * d}`);
    return { X, n, id: id as string | undefined, outputs, unknown: cells.unknown };
  }
  // One input per feature (MLServer's "pd" content type), in any order.
  const byFeature = new Map<string, Tensor & { index: number }>();
  inputs.forEach((input, index) => {
    const head = index === 0 ? first : tensorHead(input, `inputs[${index}]`, binary);
    if (!features.includes(head.name)) {
      throw badRequest(`inputs[${index}].name: ${quote(head.name)} is not a feature of the model (${featureList(features)})`);
    }
    if (byFeature.has(head.name)) throw badRequest(`inputs[${index}].name: the feature ${JSON.stringify(head.name)} is given twice`);
    byFeature.set(head.name, { ...head, index });
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
  checkRows(n, maxRows, d);
  for (const input of byFeature.values()) {
    if (input.data.length !== n) throw badRequest(`inputs[${input.index}].data: ${input.data.length} values, but the shape says ${n}`);
  }
  const X = new Float64Array(n * d);
  const column = new Float64Array(n);
  features.forEach((feature, j) => {
    const input = byFeature.get(feature) as Tensor & { index: number };
    if (model.inputs[j]?.kind !== 'categorical') notBytes(input.datatype, `inputs[${input.index}]`, feature);
    const count = flatten(
      input.data,
      column,
      input.datatype.startsWith('INT'),
      (k) => `inputs[${input.index}].data[${k}] (feature ${JSON.stringify(feature)})`,
      (value, _k, where) => cells.at(value, j, where),
    );
    if (count !== n) throw badRequest(`inputs[${input.index}].data: ${count} values, but the shape says ${n}`);
    for (let i = 0; i < n; i++) X[i * d + j] = column[i] as number;
  });
  return { X, n, id: id as string | undefined, outputs, unknown: cells.unknown };
}

/** A binary answer: the JSON header (headerLength bytes), then the outputs asked for in binary. */
export interface BinaryAnswer {
  body: Buffer;
  headerLength: number;
}

/** The Open Inference Protocol response body: JSON text, or a binary answer when an output is asked for so. */
export function inferBody(
  model: Model,
  name: string,
  request: { id: string | undefined; outputs: readonly RequestedOutput[] },
  scored: Scored,
  n: number,
): string | BinaryAnswer {
  const outputs: string[] = [];
  const binary: Buffer[] = [];
  for (const output of request.outputs) {
    if (output.name === 'label') {
      if (output.binary) {
        const bytes = encodeBytes(Array.from(scored.predictions.subarray(0, n), (code) => model.classes[code] as string));
        binary.push(bytes);
        outputs.push(`{"name":"label","datatype":"BYTES","shape":[${n}],"parameters":{"binary_data_size":${bytes.length}}}`);
        continue;
      }
      const labels = model.classes.map((c) => JSON.stringify(c));
      const data = new Array<string>(n);
      for (let i = 0; i < n; i++) data[i] = labels[scored.predictions[i] as number] as string;
      outputs.push(`{"name":"label","datatype":"BYTES","shape":[${n}],"data":[${data.join(',')}]}`);
    } else {
      const m = coefRows(model.classes.length);
      const shape = m === 1 ? `[${n}]` : `[${n},${m}]`;
      if (output.binary) {
        const bytes = encodeFp64(scored.scores.subarray(0, n * m));
        binary.push(bytes);
        outputs.push(`{"name":"decision_function","datatype":"FP64","shape":${shape},"parameters":{"binary_data_size":${bytes.length}}}`);
        continue;
      }
      const data = new Array<string>(n * m);
      for (let k = 0; k < n * m; k++) data[k] = String(scored.scores[k]);
      outputs.push(`{"name":"decision_function","datatype":"FP64","shape":${shape},"data":[${data.join(',')}]}`);
    }
  }
  const id = request.id === undefined ? '' : `"id":${JSON.stringify(request.id)},`;
  const json = `{${id}"model_name":${JSON.stringify(name)},"model_version":${JSON.stringify(model.version)},"outputs":[${outputs.join(',')}]}`;
  if (binary.length === 0) return json;
  const header = Buffer.from(json, 'utf8');
  return { body: Buffer.concat([header, ...binary]), headerLength: header.length };
}
