/**
 * One scoring task: a whole request body in, a whole response body out (parse, check, score,
 * format). The same function runs inline on the event loop for small bodies and in a pool thread
 * (pool-worker.ts) for large ones, so both paths give the same bytes.
 */
import { Readable } from 'node:stream';
import { chunksOf, streamOf, streamable } from './answer.js';
import { isIrisError } from '../core/errors.js';
import type { Model } from '../lib/model.js';
import { csvBody, formatter, invocationBody, type Classes, type Scored } from './codec/format.js';
import { inferBody, parseInfer, type RequestedOutput } from './codec/infer.js';
import { cellsOf, parseJsonBody, putNdjsonLine, rowsOfInvocation, type Cells, type Rows } from './codec/rows.js';
import { HttpError, badRequest, tooLarge, type HttpErrorData } from './errors.js';
import { csvRows, scoreFlat } from './model.js';

/** `json`/`csv`/`ndjson`: MLflow /invocations bodies; `infer`: an OIP v2 inference request. */
export type TaskFormat = 'json' | 'csv' | 'ndjson' | 'infer';
/** What the response body is: MLflow JSON, NDJSON records or CSV (job results). */
export type TaskOutput = 'mlflow' | 'ndjson' | 'csv';

export interface Task {
  format: TaskFormat;
  body: Uint8Array;
  model: Model;
  /** The served model's name (the OIP answer's model_name). */
  name: string;
  withScores: boolean;
  maxRows: number;
  /** Binary tensor extension: the length of the JSON header that opens the body. */
  headerLength?: number | undefined;
}

/**
 * A body made inline stays a string (it goes out in one write); one from the pool comes as bytes;
 * an answer of many rows is a stream, formatted as the client reads it (answer.ts).
 */
export type TaskResult =
  { ok: true; body: string | Uint8Array | Readable; rows: number; headerLength?: number; unknown?: Map<string, number> } | { ok: false; error: HttpErrorData };

/** How rows of a parsed request are scored: plain scoring, or through the result cache. */
export type RowScorer = (X: Float64Array, n: number) => Scored;

/** What parsing found besides the rows. */
export interface Parsed extends Rows {
  id?: string | undefined;
  outputs?: RequestedOutput[];
  /** MLflow's params: {"scores": true}. */
  withScores?: boolean;
  /** Categories the model never saw, per feature (iris_unknown_categories_total). */
  unknown?: Map<string, number>;
}

function text(body: Uint8Array): string {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/** Reads CSV rows exactly as `iris predict` does; a data error is a 400 naming the line and column. */
export async function rowsOfCsv(body: Uint8Array, model: Model, maxRows: number, unknown: Map<string, number> = new Map()): Promise<Rows> {
  if (body.byteLength === 0) throw badRequest('the body is empty; expected CSV with a header row naming the features');
  const batches: Rows[] = [];
  let n = 0;
  try {
    for await (const batch of csvRows(Readable.from([Buffer.from(body.buffer, body.byteOffset, body.byteLength)]), model, 'body', unknown)) {
      n += batch.n;
      if (n > maxRows) throw tooLarge(`more than ${maxRows} rows in one request (--max-rows)`);
      batches.push(batch);
    }
  } catch (error) {
    if (isIrisError(error)) throw badRequest(error.message.replace(/^body:(\d+):/, 'line $1:'));
    throw error;
  }
  if (batches.length === 1) return batches[0] as Rows;
  const d = model.inputs.length;
  const X = new Float64Array(n * d);
  let offset = 0;
  for (const batch of batches) {
    X.set(batch.X.subarray(0, batch.n * d), offset);
    offset += batch.n * d;
  }
  return { X, n };
}

/** A whole NDJSON body (async jobs; /invocations streams it instead). */
export function rowsOfNdjson(body: string, model: Model, maxRows: number, cells: Cells = cellsOf(model)): Rows {
  const lines = body.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const d = cells.names.length;
  let X = new Float64Array(Math.min(lines.length, maxRows + 1) * d);
  let n = 0;
  for (let k = 0; k < lines.length; k++) {
    if (n === maxRows && (lines[k] as string).trim() !== '') throw tooLarge(`more than ${maxRows} rows in one request (--max-rows)`);
    if (putNdjsonLine((lines[k] as string).replace(/\r$/, ''), cells, X, n, k + 1)) n++;
  }
  if (n === 0) throw badRequest('the body has no rows; expected one JSON record or array a line');
  if (X.length !== n * d) X = X.slice(0, n * d);
  return { X, n };
}

/** Body to rows, in the task's format. */
export async function parseTask(task: Task): Promise<Parsed> {
  if (task.format === 'csv') {
    const { unknown } = cellsOf(task.model);
    return { ...(await rowsOfCsv(task.body, task.model, task.maxRows, unknown)), unknown };
  }
  return parseTaskSync(task);
}

/** Body to rows for every format but CSV (whose reader is a stream), without a promise. */
function parseTaskSync(task: Task): Parsed {
  const cells = cellsOf(task.model);
  const { unknown } = cells;
  if (task.format === 'ndjson') return { ...rowsOfNdjson(text(task.body), task.model, task.maxRows, cells), unknown };
  if (task.format === 'infer') return parseInfer(task.body, task.headerLength, task.model, task.maxRows, cells);
  return { ...rowsOfInvocation(parseJsonBody(text(task.body)), task.model, task.maxRows, cells), unknown };
}

/** Rows and their scores to the response body of the task's format. */
export function formatTask(task: Task, parsed: Parsed, scored: Scored, n: number): { body: string | Buffer; headerLength?: number } {
  if (task.format === 'infer') {
    const answer = inferBody(task.model, task.name, { id: parsed.id, outputs: parsed.outputs ?? [] }, scored, n);
    return typeof answer === 'string' ? { body: answer } : answer;
  }
  return { body: invocationBody(task.model, scored, n, task.withScores || parsed.withScores === true) };
}

/** Formats already-scored rows as another output (job results). */
export function formatAs(output: TaskOutput, model: Classes, scored: Scored, n: number, withScores: boolean): string {
  if (output === 'csv') return csvBody(model, scored, n, withScores);
  if (output === 'ndjson') return formatter(model).ndjson(scored, n, withScores);
  return invocationBody(model, scored, n, withScores);
}

export function errorData(error: unknown): HttpErrorData {
  if (error instanceof HttpError) return error.toData();
  throw error;
}

const unknownOf = (parsed: Parsed) => (parsed.unknown === undefined || parsed.unknown.size === 0 ? {} : { unknown: parsed.unknown });

/** The answer of a scored task: streamed when `stream` allows and it has many rows (answer.ts), else one body. */
export function answerOf(task: Task, parsed: Parsed, scored: Scored, stream: boolean): { body: string | Buffer | Readable; headerLength?: number } {
  if (stream && streamable(task, parsed, parsed.n)) return { body: streamOf(chunksOf(task, parsed, scored, parsed.n)) };
  return formatTask(task, parsed, scored, parsed.n);
}

/**
 * A whole task on the spot, without a promise (the one-row path: each await costs a turn of the
 * microtask queue); undefined for CSV, whose reader is a stream (runTask). Errors as runTask's.
 */
export function runTaskSync(task: Task, score: RowScorer, stream: boolean): TaskResult | undefined {
  if (task.format === 'csv') return undefined;
  try {
    const parsed = parseTaskSync(task);
    const scored = score(parsed.X, parsed.n);
    const { body, headerLength } = answerOf(task, parsed, scored, stream);
    return { ok: true, body, rows: parsed.n, ...(headerLength === undefined ? {} : { headerLength }), ...unknownOf(parsed) };
  } catch (error) {
    return { ok: false, error: errorData(error) };
  }
}

/** Runs a whole task; errors the client caused come back as data, bugs are thrown. `stream`: large answers as streams (not in a pool thread). */
export async function runTask(task: Task, score: RowScorer = (X, n) => scoreFlat(task.model, X, n), stream = false): Promise<TaskResult> {
  try {
    const parsed = await parseTask(task);
    const scored = score(parsed.X, parsed.n);
    const { body, headerLength } = answerOf(task, parsed, scored, stream);
    return { ok: true, body, rows: parsed.n, ...(headerLength === undefined ? {} : { headerLength }), ...unknownOf(parsed) };
  } catch (error) {
    return { ok: false, error: errorData(error) };
  }
}
