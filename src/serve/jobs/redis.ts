/**
 * Async jobs of the queue mode, kept in Redis: a record (hash) per job, its rows as raw float64
 * values, and a BullMQ job that an `iris worker` of the model's version scores; the worker stores
 * the answer and marks the record done. Any server on the same Redis can answer for any job, and
 * jobs survive a restart. The record holds the classes of the model that computes the job, so its
 * result is formatted with them whatever model is loaded when it is read.
 */
import type { QueueClient } from '../../queue/client.js';
import { QueueError } from '../../queue/errors.js';
import { jobIds, queueKeys } from '../../queue/keys.js';
import { decodeScored, encodeRows, type RowsJob } from '../../queue/protocol.js';
import type { Scored } from '../codec/format.js';
import { emptyCounts, type JobStatus, type JobStore, type JobView, type NewJob } from './store.js';

export interface RedisJobOptions {
  client: QueueClient;
  ttlMs: number;
  /** The model versions this server serves or has served (a reload adds one): where its jobs may be. */
  checksums: () => readonly string[];
  /** Rows of a job this server submitted, once it sees it done (metrics). */
  onDone?: (rows: number) => void;
}

export class RedisJobStore implements JobStore {
  /** Jobs this server submitted and has not yet seen done: id -> rows. */
  private readonly mine = new Map<string, { checksum: string; rows: number }>();

  constructor(private readonly options: RedisJobOptions) {}

  private get client(): QueueClient {
    return this.options.client;
  }

  private async view(checksum: string, id: string): Promise<JobView | undefined> {
    const record = await this.client.redis.hgetall(queueKeys(checksum).jobRecord(id));
    if (record.status === undefined) return undefined;
    const base = {
      id,
      rows: Number(record.rows),
      withScores: record.withScores === '1',
      checksum: record.checksum ?? checksum,
      classes: JSON.parse(record.classes ?? '[]') as string[],
    };
    if (record.status === 'done') return this.seen({ ...base, status: 'done', progress: 1 });
    if (record.status === 'failed') return { ...base, status: 'failed', progress: 0, error: record.error ?? 'unknown reason' };
    const job = await this.client.queueFor(checksum).getJob(jobIds.asyncJob(id));
    const state = job === undefined ? 'unknown' : await job.getState();
    if (state === 'active') return { ...base, status: 'running', progress: 0 };
    if (state === 'failed') return { ...base, status: 'failed', progress: 0, error: job?.failedReason ?? 'unknown reason' };
    if (state === 'completed') return this.seen({ ...base, status: 'done', progress: 1 });
    return { ...base, status: 'queued', progress: 0 };
  }

  /** A job of this server seen done for the first time: its rows are counted. */
  private seen(view: JobView): JobView {
    const mine = this.mine.get(view.id);
    if (mine !== undefined) {
      this.mine.delete(view.id);
      this.options.onDone?.(mine.rows);
    }
    return view;
  }

  async get(id: string): Promise<JobView | undefined> {
    if (!this.client.up) throw this.client.down();
    for (const checksum of this.options.checksums()) {
      const view = await this.view(checksum, id);
      if (view !== undefined) return view;
    }
    return undefined;
  }

  async submit({ id, model, mediaType, withScores, rows: { X, n } }: NewJob): Promise<JobView> {
    if (!this.client.up) throw this.client.down();
    const existing = await this.view(model.checksum, id);
    if (existing !== undefined && existing.status !== 'failed') return existing;
    const keys = queueKeys(model.checksum);
    const key = keys.jobRecord(id);
    const ttlSeconds = Math.max(1, Math.ceil(this.options.ttlMs / 1000));
    const data: RowsJob = { kind: 'rows', checksum: model.checksum, n, inputKey: keys.jobRows(id), resultKey: keys.jobResult(id), record: { key, ttlSeconds } };
    const queue = this.client.queueFor(model.checksum);
    if (existing !== undefined) await queue.remove(jobIds.asyncJob(id)).catch(() => undefined);
    // The record and the rows first (no expiry while the job waits), then the job that names them.
    await this.client.redis
      .multi()
      .del(key)
      .hset(
        key,
        'status',
        'queued',
        'rows',
        String(n),
        'withScores',
        withScores ? '1' : '0',
        'checksum',
        model.checksum,
        'classes',
        JSON.stringify(model.classes),
        'mediaType',
        mediaType,
        'createdAt',
        String(Date.now()),
      )
      .set(data.inputKey, encodeRows(X.subarray(0, n * model.inputs.length)))
      .exec();
    await queue.add('job', data, { jobId: jobIds.asyncJob(id), removeOnComplete: { age: ttlSeconds }, removeOnFail: { age: ttlSeconds } });
    this.mine.set(id, { checksum: model.checksum, rows: n });
    return { id, status: 'queued', rows: n, progress: 0, withScores, checksum: model.checksum, classes: model.classes };
  }

  /** Holds until the job ends or `ms` pass (?wait=): polls its record, which any server or worker may change. */
  async wait(id: string, ms: number, signal?: AbortSignal): Promise<JobView | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const view = await this.get(id);
      if (view === undefined || view.status === 'done' || view.status === 'failed' || Date.now() >= deadline || signal?.aborted === true) return view;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(deadline - Date.now(), 1))));
    }
  }

  async result(id: string): Promise<{ view: JobView; scored: Scored }> {
    const view = await this.get(id);
    if (view === undefined) throw new QueueError(404, 'NOT_FOUND', `no job ${JSON.stringify(id)} (unknown, or removed after --job-ttl)`);
    if (view.status !== 'done') {
      throw new QueueError(
        409,
        'CONFLICT',
        view.status === 'failed' ? `the job failed: ${view.error ?? 'unknown reason'}` : `the job is ${view.status}; its result is not ready`,
      );
    }
    const bytes = await this.client.redis.getBuffer(queueKeys(view.checksum).jobResult(id));
    if (bytes === null) throw new QueueError(404, 'NOT_FOUND', `the result of job ${JSON.stringify(id)} has expired (--job-ttl)`);
    return { view, scored: decodeScored(bytes, view.rows) };
  }

  /**
   * Jobs by status from Redis (BullMQ's counts of the served version's queue: waiting, active,
   * completed, failed). The jobs this server submitted are looked at first, so that a finished
   * job's rows are counted by the scrape that follows it.
   */
  async counts(): Promise<Record<JobStatus, number>> {
    const counts = emptyCounts();
    if (!this.client.up) return counts;
    for (const [id, { checksum }] of [...this.mine].slice(0, 100)) await this.view(checksum, id).catch(() => undefined);
    const [current] = this.options.checksums();
    if (current === undefined) return counts;
    const byState = await this.client
      .queueFor(current)
      .getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed')
      .catch(() => ({}) as Record<string, number>);
    counts.queued = (byState.waiting ?? 0) + (byState.prioritized ?? 0) + (byState.delayed ?? 0);
    counts.running = byState.active ?? 0;
    counts.done = byState.completed ?? 0;
    counts.failed = byState.failed ?? 0;
    return counts;
  }

  async close(): Promise<void> {}
}
