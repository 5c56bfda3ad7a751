/**
 * Async jobs of the embedded mode, kept in memory: they are lost when the server stops (the queue
 * mode keeps them in Redis). A job's id is derived from the model checksum, the media type, the
 * `scores` choice and the body's SHA-256, so a resubmitted job is not computed twice.
 */
import { createHash } from 'node:crypto';
import type { Scored } from './model.js';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface Job {
  id: string;
  status: JobStatus;
  rows: number;
  progress: number;
  error?: string;
  withScores: boolean;
  /** The model that answers it (a reload does not change a job's answers). */
  checksum: string;
  result?: Scored;
  finishedAt?: number;
}

export function jobId(checksum: string, mediaType: string, withScores: boolean, body: Uint8Array): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHash('sha256').update(`${checksum}\n${mediaType}\n${withScores ? 'scores' : 'labels'}\n${bodyHash}`).digest('hex').slice(0, 32);
}

export class JobStore {
  private readonly jobs = new Map<string, Job>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly ttlMs: number) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(Math.max(ttlMs / 4, 1000), 60_000));
    this.sweeper.unref();
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  add(job: Job): void {
    this.jobs.set(job.id, job);
  }

  /** Wakes the requests waiting on the job (`?wait=`). */
  changed(job: Job): void {
    if (job.status === 'done' || job.status === 'failed') {
      job.finishedAt = Date.now();
      for (const wake of this.waiters.get(job.id) ?? []) wake();
      this.waiters.delete(job.id);
    }
  }

  /** Resolves when the job ends, or after ms, or when the signal aborts. */
  wait(id: string, ms: number, signal?: AbortSignal): Promise<void> {
    const job = this.jobs.get(id);
    if (job === undefined || job.status === 'done' || job.status === 'failed' || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.waiters.get(id);
      if (set === undefined) this.waiters.set(id, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  counts(): Record<JobStatus, number> {
    const counts = { queued: 0, running: 0, done: 0, failed: 0 };
    for (const job of this.jobs.values()) counts[job.status]++;
    return counts;
  }

  sweep(now = Date.now()): void {
    for (const [id, job] of this.jobs) {
      if (job.finishedAt !== undefined && now - job.finishedAt >= this.ttlMs) this.jobs.delete(id);
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const set of this.waiters.values()) for (const wake of set) wake();
  }
}
