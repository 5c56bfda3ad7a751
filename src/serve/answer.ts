/**
 * Answers of many rows, written as they are formatted: a generator yields the same bytes as the
 * one-string formatters of codec/format.ts and codec/infer.ts (tested byte for byte), a chunk of
 * rows at a time, and the response pulls the next chunk only when the socket has taken the last
 * one. A 1M-row answer with scores (about 126 MB as one string) then costs a chunk of memory, and
 * the event loop gets a turn between chunks (health probes stay answerable while it is written).
 */
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { coefRows } from '../core/linear.js';
import { csvBody, formatter, type Classes, type Scored } from './codec/format.js';
import type { RequestedOutput } from './codec/infer.js';
import type { Model } from '../lib/model.js';

/** Answers of at least this many rows are streamed; smaller ones go out in one write. */
export const STREAM_ROWS = 8192;
/** Rows formatted per chunk: about 30-250 KB of text, a few milliseconds of work (the event loop turns between chunks). */
const CHUNK_ROWS = 2048;

function slice(scored: Scored, m: number, i: number, j: number): Scored {
  return { predictions: scored.predictions.subarray(i, j), scores: scored.scores.subarray(i * m, j * m) };
}

/** The rows of `scored` in chunks, `sep` between chunks (each chunk is `piece` of its rows). */
function* chunked(n: number, sep: string, piece: (i: number, j: number) => string): Generator<string> {
  for (let i = 0; i < n; i += CHUNK_ROWS) {
    const text = piece(i, Math.min(n, i + CHUNK_ROWS));
    yield i === 0 ? text : sep + text;
  }
}

/** MLflow's `{"predictions": [...]}`, as invocationBody writes it. */
export function* mlflowChunks(model: Classes, scored: Scored, n: number, withScores: boolean): Generator<string> {
  const fmt = formatter(model);
  const m = coefRows(model.classes.length);
  yield '{"predictions":[';
  yield* chunked(n, ',', (i, j) => fmt.predictions(slice(scored, m, i, j), j - i, withScores));
  yield ']}';
}

/** NDJSON records, as formatter().ndjson writes them. */
export function* ndjsonChunks(model: Classes, scored: Scored, n: number, withScores: boolean): Generator<string> {
  const fmt = formatter(model);
  const m = coefRows(model.classes.length);
  yield* chunked(n, '', (i, j) => fmt.ndjson(slice(scored, m, i, j), j - i, withScores));
}

/** CSV with its header line, as csvBody writes it. */
export function* csvChunks(model: Classes, scored: Scored, n: number, withScores: boolean): Generator<string> {
  const m = coefRows(model.classes.length);
  const first = Math.min(n, CHUNK_ROWS);
  yield csvBody(model, slice(scored, m, 0, first), first, withScores);
  for (let i = first; i < n; i += CHUNK_ROWS) {
    const j = Math.min(n, i + CHUNK_ROWS);
    const body = csvBody(model, slice(scored, m, i, j), j - i, withScores);
    yield body.slice(body.indexOf('\n') + 1);
  }
}

/** An OIP inference answer with no binary output, as inferBody writes it. */
export function* inferChunks(
  model: Model,
  name: string,
  request: { id: string | undefined; outputs: readonly RequestedOutput[] },
  scored: Scored,
  n: number,
): Generator<string> {
  const id = request.id === undefined ? '' : `"id":${JSON.stringify(request.id)},`;
  yield `{${id}"model_name":${JSON.stringify(name)},"model_version":${JSON.stringify(model.version)},"outputs":[`;
  const m = coefRows(model.classes.length);
  let first = true;
  for (const output of request.outputs) {
    const comma = first ? '' : ',';
    first = false;
    if (output.name === 'label') {
      const labels = model.classes.map((c) => JSON.stringify(c));
      yield `${comma}{"name":"label","datatype":"BYTES","shape":[${n}],"data":[`;
      yield* chunked(n, ',', (i, j) => {
        const data = new Array<string>(j - i);
        for (let k = i; k < j; k++) data[k - i] = labels[scored.predictions[k] as number] as string;
        return data.join(',');
      });
    } else {
      yield `${comma}{"name":"decision_function","datatype":"FP64","shape":${m === 1 ? `[${n}]` : `[${n},${m}]`},"data":[`;
      yield* chunked(n, ',', (i, j) => {
        const data = new Array<string>((j - i) * m);
        for (let k = i * m; k < j * m; k++) data[k - i * m] = String(scored.scores[k]);
        return data.join(',');
      });
    }
    yield ']}';
  }
  yield ']}';
}

/** What of a parsed request the answer needs (it crosses from a pool thread as JSON). */
export interface AnswerMeta {
  id?: string | undefined;
  outputs?: RequestedOutput[];
  withScores?: boolean;
}

/** What of a task the answer needs (work.ts's Task). */
interface AnswerTask {
  format: string;
  model: Model;
  name: string;
  withScores: boolean;
}

/** Whether a task's answer is streamed: many rows, and no binary tensor output (its header length must be known first). */
export function streamable(task: Pick<AnswerTask, 'format'>, meta: AnswerMeta, n: number): boolean {
  return n >= STREAM_ROWS && (task.format !== 'infer' || !(meta.outputs ?? []).some((o) => o.binary));
}

export function chunksOf(task: AnswerTask, meta: AnswerMeta, scored: Scored, n: number): Generator<string> {
  if (task.format === 'infer') return inferChunks(task.model, task.name, { id: meta.id, outputs: meta.outputs ?? [] }, scored, n);
  return mlflowChunks(task.model, scored, n, task.withScores || meta.withScores === true);
}

/** Job results in the output asked for. */
export function outputChunks(output: 'mlflow' | 'ndjson' | 'csv', model: Classes, scored: Scored, n: number, withScores: boolean): Generator<string> {
  if (output === 'csv') return csvChunks(model, scored, n, withScores);
  if (output === 'ndjson') return ndjsonChunks(model, scored, n, withScores);
  return mlflowChunks(model, scored, n, withScores);
}

/* Scored rows crossing from a pool thread (pool-worker.ts): transferred as one buffer. */

/** Marks a packed result as scored rows, not a body (in the header-length slot). */
export const SCORED = -2;

const align8 = (k: number) => (k + 7) & ~7;

/** Scored rows for the event loop to stream: row count, SCORED, the meta's JSON length, the meta, the class codes (int32), the scores (float64). */
export function packScored(parsed: AnswerMeta & { n: number }, scored: Scored): Buffer {
  const n = parsed.n;
  const meta: AnswerMeta = {
    id: parsed.id,
    ...(parsed.outputs === undefined ? {} : { outputs: parsed.outputs }),
    ...(parsed.withScores === true ? { withScores: true } : {}),
  };
  const json = Buffer.from(JSON.stringify(meta));
  const p = align8(20 + json.length);
  const q = align8(p + 4 * n);
  const scores = scored.scores.subarray(0, scored.scores.length);
  const packed = Buffer.allocUnsafeSlow(q + scores.byteLength);
  packed.writeDoubleLE(n, 0);
  packed.writeDoubleLE(SCORED, 8);
  packed.writeUInt32LE(json.length, 16);
  packed.set(json, 20);
  new Int32Array(packed.buffer, p, n).set(scored.predictions.subarray(0, n));
  new Float64Array(packed.buffer, q, scores.length).set(scores);
  return packed;
}

/** The other side of packScored. */
export function unpackScored(bytes: Buffer): { n: number; meta: AnswerMeta; scored: Scored } {
  const n = bytes.readDoubleLE(0);
  const length = bytes.readUInt32LE(16);
  const meta = JSON.parse(bytes.toString('utf8', 20, 20 + length)) as AnswerMeta;
  const p = align8(20 + length);
  const q = align8(p + 4 * n);
  const base = bytes.byteOffset;
  return {
    n,
    meta,
    scored: { predictions: new Int32Array(bytes.buffer, base + p, n), scores: new Float64Array(bytes.buffer, base + q, (bytes.byteLength - q) / 8) },
  };
}

/**
 * A byte stream of chunks that formats the next one only when the consumer asks for more, and
 * never two in one turn of the event loop: a client that reads as fast as the server writes (a
 * local one, with the kernel's socket buffers taking every write at once) would otherwise never
 * make the socket push back, and the whole answer would be formatted in one go (a second and more
 * for a million rows with scores, with every other request waiting).
 */
export function streamOf(chunks: Iterable<string>): Readable {
  async function* oneATurn(): AsyncGenerator<string> {
    for (const chunk of chunks) {
      yield chunk;
      await nextTurn();
    }
  }
  return Readable.from(oneATurn(), { objectMode: false, highWaterMark: 64 * 1024 });
}
