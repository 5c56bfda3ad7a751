/**
 * What the queue mode's processes agree on: queue names, job payloads, result keys and the timings
 * of BullMQ's stall detection. The server, `iris worker` and `iris predict --queue` import this one
 * module, so a change here is a change of the wire format between them (see docs/queue.md).
 */
import type { Format } from '../../io/prediction-records.js';

/** Key prefix of every BullMQ key iris makes (`iris:<version>:…`). */
export const KEY_PREFIX = 'iris';

/** The model version: the first 12 hex digits of the artifact's checksum (`sha256:<hex>`). */
export function modelVersion(checksum: string): string {
  return checksum.replace(/^sha256:/, '').slice(0, 12);
}

/**
 * The queue of one model version. A worker listens on its own model's queue only, so two versions
 * can share one Redis during a rolling upgrade and a job never reaches a worker of another model.
 */
export function queueName(checksum: string): string {
  return modelVersion(checksum);
}

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
}

/** Rows already parsed (the server's micro-batches): row-major, the model's feature order. */
export interface RowsJob {
  kind: 'rows';
  checksum: string;
  n: number;
  X: number[];
}

export type QueueJob = CsvChunkJob | RowsJob;

export interface CsvChunkResult {
  rows: number;
  bytes: number;
}

export interface RowsResult {
  /** Class index of each row. */
  predictions: number[];
  /** Decision function, row-major (one value a row for two classes). */
  scores: number[];
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
