/**
 * Async jobs of the embedded mode, kept in memory and scored by the server's own scorer in chunks
 * of CHUNK_ROWS (progress moves per chunk); lost when the server stops.
 */
import type { Model } from '../../lib/model.js';
import type { Scored } from '../codec/format.js';
import { HttpError, notFound, quote } from '../errors.js';
import { nScores } from '../model.js';
import type { Scorer } from '../scorer.js';
import { emptyCounts, type JobStatus, type JobStore, type JobView, type NewJob } from './store.js';

const CHUNK_ROWS = 100_000;

interface Job extends JobView {
  model: Model;
  result?: Scored;
  finishedAt?: number;
}

export interface MemoryJobOptions {
  ttlMs: number;
  scorer: Scorer;
  /** Rows of a finished job (metrics). */
  onDone?: (rows: number) => void;
  /** A job that failed for a reason that is not the client's (a bug). */
  onBug?: (error: unknown, id: string) => void;
}

export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, Job>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: MemoryJobOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(Math.max(options.ttlMs / 4, 1000), 60_000));
    this.sweeper.unref();
  }

  async get(id: string): Promise<JobView | undefined> {
    return this.jobs.get(id);
  }

  async submit({ id, model, withScores, rows }: NewJob): Promise<JobView> {
    const existing = this.jobs.get(id);
    if (existing !== undefined && existing.status !== 'failed') return existing;
    const job: Job = { id, status: 'queued', rows: rows.n, progress: 0, withScores, checksum: model.checksum, classes: model.classes, model };
    this.jobs.set(id, job);
    setImmediate(() => void this.run(job, rows.X));
    return job;
  }

  private async run(job: Job, X: Float64Array): Promise<void> {
    const { model } = job;
    const n = job.rows;
    const d = model.inputs.length;
    const m = nScores(model);
    const predictions = new Int32Array(n);
    const scores = new Float64Array(n * m);
    job.status = 'running';
    try {
      for (let start = 0; start < n; start += CHUNK_ROWS) {
        const k = Math.min(CHUNK_ROWS, n - start);
        const part = await this.options.scorer.score(model, X.subarray(start * d, (start + k) * d), k);
        predictions.set(part.predictions, start);
        scores.set(part.scores, start * m);
        job.progress = (start + k) / n;
      }
      job.result = { predictions, scores };
      job.status = 'done';
      job.progress = 1;
      this.options.onDone?.(n);
    } catch (error) {
      job.status = 'failed';
      job.error = error instanceof HttpError ? error.message : 'internal error';
      if (!(error instanceof HttpError)) this.options.onBug?.(error, job.id);
    }
    job.finishedAt = Date.now();
    for (const wake of this.waiters.get(job.id) ?? []) wake();
    this.waiters.delete(job.id);
  }

  wait(id: string, ms: number, signal?: AbortSignal): Promise<JobView | undefined> {
    const job = this.jobs.get(id);
    if (job === undefined || job.status === 'done' || job.status === 'failed' || ms <= 0) return Promise.resolve(job);
    return new Promise((resolve) => {
      let set = this.waiters.get(id);
      if (set === undefined) this.waiters.set(id, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve(this.jobs.get(id));
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async result(id: string): Promise<{ view: JobView; scored: Scored }> {
    const job = this.jobs.get(id);
    if (job === undefined) throw notFound(`no job ${quote(id)} (unknown, or removed after --job-ttl)`);
    if (job.status !== 'done' || job.result === undefined) {
      throw new HttpError(
        409,
        'CONFLICT',
        job.status === 'failed' ? `the job failed: ${job.error ?? 'unknown reason'}` : `the job is ${job.status}; its result is not ready`,
      );
    }
    return { view: job, scored: job.result };
  }

  async counts(): Promise<Record<JobStatus, number>> {
    const counts = emptyCounts();
    for (const job of this.jobs.values()) counts[job.status]++;
    return counts;
  }

  sweep(now = Date.now()): void {
    for (const [id, job] of this.jobs) {
      if (job.finishedAt !== undefined && now - job.finishedAt >= this.options.ttlMs) this.jobs.delete(id);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const set of this.waiters.values()) for (const wake of set) wake();
  }
}
