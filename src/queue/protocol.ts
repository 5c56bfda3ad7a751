/**
 * What the queue mode's processes agree on: job payloads, the bytes under their keys (keys.ts names them) and the timings
 * of BullMQ's stall detection. The server, `iris worker` and `iris predict --queue` import this one
 * module, so a change here is a change of the wire format between them (see docs/QUEUE.md).
 */
import type { Format } from '../io/prediction-records.js';
import type { Model } from '../lib/model.js';

/** Class codes and decision values of rows, as lib's Model.scoreRows gives them. */
export type Scored = ReturnType<Model['scoreRows']>;

/** A chunk of a CSV file for `iris predict --queue`: the worker parses and formats it as predict would. */
export interface CsvChunkJob {
  kind: 'csv';
  /** The full checksum of the model the rows are for; a worker with another model refuses the job. */
  checksum: string;
  /** Shown in messages: the input file as the user named it. */
  source: string;
  /** The file's bytes up to and including the header line's end (or a made-up header, see chunk cutting). */
  head: string;
  /** Physical line (1-based) of the chunk's first line in the original file. */
  firstLine: number;
  /**
   * Where the chunk's bytes wait (complete records, cut at a line end outside quotes): a key of its
   * own, as raw bytes, rather than inside the job, which BullMQ would JSON-encode and copy through
   * its scripts.
   */
  inputKey: string;
  format: Format;
  scores: boolean;
  withInput: boolean;
  /** Where the worker stores the output bytes (too large for BullMQ's return value and event stream). */
  resultKey: string;
  /** Table models: a category the model never saw is all zeros (`ignore`, the default) or an error naming the line. */
  unknown?: 'ignore' | 'error';
}

/**
 * Rows already parsed (the server's micro-batches and async jobs). The rows wait under `inputKey`
 * as raw float64 values, row-major in the model's feature order; the worker stores the answer under
 * `resultKey` (see encodeScored).
 */
export interface RowsJob {
  kind: 'rows';
  checksum: string;
  n: number;
  inputKey: string;
  /**
   * Small micro-batches: the rows themselves (encodeRows, base64) in the job's data instead of under
   * `inputKey`, which is then never written: no SET by the server, no GET by the worker, no DEL. A
   * worker from before this field reads `inputKey` only (and fails the job, 502): upgrade workers first.
   */
  rows?: string;
  resultKey: string;
  /**
   * Micro-batches: a list the server waits on (BLMPOP); the worker pushes the answer there, framed by
   * encodeReply, instead of storing it under resultKey. One list per server process: no event stream
   * to read, no second round trip for the answer.
   */
  replyTo?: string;
  /** Async jobs (/v1/jobs): the job's record, marked done by the worker, and how long it is kept after. */
  record?: { key: string; ttlSeconds: number };
}

export type QueueJob = CsvChunkJob | RowsJob;

export interface CsvChunkResult {
  rows: number;
  bytes: number;
}

export interface RowsResult {
  rows: number;
}

/**
 * A rows job's answer as stored in Redis: the class index of each row (int32), then the decision
 * function, row-major (float64, one value a row for two classes), in the machine's byte order
 * (little-endian on every platform Node supports).
 */
export function encodeScored(predictions: Int32Array, scores: Float64Array): Buffer {
  const out = Buffer.allocUnsafe(predictions.byteLength + scores.byteLength);
  Buffer.from(predictions.buffer, predictions.byteOffset, predictions.byteLength).copy(out, 0);
  Buffer.from(scores.buffer, scores.byteOffset, scores.byteLength).copy(out, predictions.byteLength);
  return out;
}

export function decodeScored(bytes: Buffer, n: number): Scored {
  // Copied into fresh, aligned arrays (a Buffer from Redis may sit at any offset of its pool).
  const predictions = new Int32Array(n);
  Buffer.from(predictions.buffer).set(bytes.subarray(0, n * 4));
  const scores = new Float64Array((bytes.length - n * 4) / 8);
  Buffer.from(scores.buffer).set(bytes.subarray(n * 4));
  return { predictions, scores };
}

/** Micro-batches of at most this many bytes of rows carry them in the job (RowsJob.rows). */
export const INLINE_ROWS_BYTES = 64 * 1024;

/** Rows as stored under a rows job's inputKey. */
export function encodeRows(X: Float64Array): Buffer {
  return Buffer.from(X.buffer, X.byteOffset, X.byteLength);
}

export function decodeRows(bytes: Buffer): Float64Array {
  const X = new Float64Array(bytes.length / 8);
  Buffer.from(X.buffer).set(bytes);
  return X;
}

/** How long a chunk's output waits in Redis for its reader, in seconds. */
export const RESULT_TTL_SECONDS = 24 * 3600;

/**
 * BullMQ's lock and stall timings. A worker renews the lock of each job it holds every lockDuration/2;
 * a job whose lock expired (its worker died) is put back in the queue by the next stall check, which
 * runs every stalledInterval. Both default to 30 s; IRIS_QUEUE_LOCK_MS sets both (the tests use 2 s
 * so that a killed worker's chunk comes back quickly). Too small a value on a busy machine lets a
 * live worker's job be taken for stalled and computed twice: harmless (results are written under
 * the job's key, read once), only wasted work.
 */
export function lockTimings(env: NodeJS.ProcessEnv = process.env): { lockDuration: number; stalledInterval: number } {
  const raw = env.IRIS_QUEUE_LOCK_MS;
  const ms = raw === undefined || raw === '' ? 30_000 : Number(raw);
  const value = Number.isFinite(ms) && ms >= 500 ? Math.round(ms) : 30_000;
  return { lockDuration: value, stalledInterval: value };
}

/** How many times a job may come back from a stalled (dead) worker before it fails. */
export const MAX_STALLED = 3;

/** A reply on a replyTo list: [u16 id length][id][u8 1 = answer, 0 = failure][answer bytes | utf-8 reason]. */
export function encodeReply(jobId: string, ok: boolean, payload: Buffer): Buffer {
  const id = Buffer.from(jobId);
  const head = Buffer.allocUnsafe(3);
  head.writeUInt16LE(id.length, 0);
  head[2] = ok ? 1 : 0;
  return Buffer.concat([head.subarray(0, 2), id, head.subarray(2), payload]);
}

export function decodeReply(frame: Buffer): { jobId: string; ok: boolean; payload: Buffer } {
  const length = frame.readUInt16LE(0);
  return { jobId: frame.toString('utf8', 2, 2 + length), ok: frame[2 + length] === 1, payload: frame.subarray(3 + length) };
}

/** How long an unread reply list is kept (a server that went away leaves one behind). */
export const REPLY_TTL_SECONDS = 3600;
