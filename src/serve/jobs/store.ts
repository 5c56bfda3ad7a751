/**
 * Async jobs (`/v1/jobs`): one interface, kept in memory in the embedded mode (memory.ts, lost when
 * the server stops) or in Redis in the queue mode (redis.ts, scored by `iris worker`s, kept across
 * restarts). A job's id is derived from the model checksum, the media type, the `scores` choice and
 * the body's SHA-256, so a resubmitted job is not computed twice. A job keeps the model version that
 * computes it: its result is formatted with that version's classes, whatever is loaded later.
 */
import { createHash } from 'node:crypto';
import type { Model } from '../../lib/model.js';
import type { Scored } from '../codec/format.js';
import type { Rows } from '../codec/rows.js';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

/** A job as the routes show and format it. */
export interface JobView {
  id: string;
  status: JobStatus;
  rows: number;
  progress: number;
  error?: string;
  withScores: boolean;
  /** The model version that computes the job, and its classes (what its result is formatted with). */
  checksum: string;
  classes: readonly string[];
}

export interface NewJob {
  id: string;
  model: Model;
  mediaType: string;
  withScores: boolean;
  rows: Rows;
}

export interface JobStore {
  /** undefined: unknown, or removed after --job-ttl. */
  get(id: string): Promise<JobView | undefined>;
  /** Starts a job (its rows already checked); a job of the same id that has not failed is left as it is. */
  submit(job: NewJob): Promise<JobView>;
  /** Resolves when the job ends, or after ms, or when the signal aborts. */
  wait(id: string, ms: number, signal?: AbortSignal): Promise<JobView | undefined>;
  /** A done job's predictions; 404 unknown, 409 not done (errors carry their status). */
  result(id: string): Promise<{ view: JobView; scored: Scored }>;
  /** Jobs kept, by status (the iris_jobs metric). */
  counts(): Promise<Record<JobStatus, number>>;
  close(): Promise<void>;
}

export function jobId(checksum: string, mediaType: string, withScores: boolean, body: Uint8Array): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHash('sha256')
    .update(`${checksum}\n${mediaType}\n${withScores ? 'scores' : 'labels'}\n${bodyHash}`)
    .digest('hex')
    .slice(0, 32);
}

/** The public view of a job (what GET /v1/jobs/{id} answers). */
export function jobStatusBody(view: JobView) {
  return { id: view.id, status: view.status, rows: view.rows, progress: view.progress, ...(view.error === undefined ? {} : { error: view.error }) };
}

export const emptyCounts = (): Record<JobStatus, number> => ({ queued: 0, running: 0, done: 0, failed: 0 });
