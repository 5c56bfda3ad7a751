/**
 * The server's side of the queue mode (`iris serve --queue`): rows go to `iris worker`s through
 * Redis, gathered into few jobs, and async jobs live in Redis so that they survive a restart.
 *
 * Micro-batching: a Redis round trip costs about as much as scoring thousands of rows, so requests
 * are not sent one job each. At most MAX_IN_FLIGHT batches are out at once; requests that arrive
 * meanwhile wait in one pending batch, which leaves as soon as a slot frees. Under light load a
 * request leaves at once (no timer adds latency); under heavy load batches grow by themselves.
 *
 * Errors carry the HTTP status and code of SERVE.md (503 QUEUE_DOWN with Retry-After while Redis is
 * unreachable, 502 WORKER_FAILED when a worker failed the job); the routes send them as they are.
 */
import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectRedis, openRedis, requireNoEviction, shownUrl } from './connection.js';
import { KEY_PREFIX, RESULT_TTL_SECONDS, decodeReply, decodeScored, encodeRows, queueName, type RowsJob } from './protocol.js';

export type QueueErrorCode = 'QUEUE_DOWN' | 'WORKER_FAILED' | 'TIMEOUT' | 'NOT_FOUND' | 'CONFLICT';

/** An error with the HTTP status and code the contract gives it (serve's HttpError has the same fields). */
export class QueueError extends Error {
  readonly headers: Record<string, string>;
  constructor(
    readonly status: number,
    readonly code: QueueErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'QueueError';
    this.headers = status === 503 ? { 'retry-after': '1' } : {};
  }
}

export interface Scored {
  predictions: Int32Array;
  scores: Float64Array;
}

export interface QueueModelShape {
  checksum: string;
  nFeatures: number;
  /** Decision-function values per row (1 for two classes). */
  nScores: number;
}

/** Batches out at once; more requests wait in the pending batch. */
const MAX_IN_FLIGHT = 4;
/** A pending batch leaves when it holds this many rows, even if no slot is free. */
const MAX_BATCH_ROWS = 50_000;
/** A batch whose answer has not come after this long is checked directly (a worker may have failed it without a word). */
const CHECK_AFTER_MS = 2000;

interface Waiting {
  X: Float64Array;
  n: number;
  resolve: (scored: Scored) => void;
  reject: (error: Error) => void;
}

interface Batch {
  id: string;
  model: QueueModelShape;
  requests: Waiting[];
  n: number;
  inputKey: string;
  resultKey: string;
  sentAt: number;
  settled: boolean;
}

export interface ServerQueueOptions {
  url: string;
  /** The model the server answers with; its queue is the one the batches go to. */
  checksum: string;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

import type { JobStatus } from '../jobs.js';

export type { JobStatus };

export interface QueueJobView {
  id: string;
  status: JobStatus;
  rows: number;
  progress: number;
  error?: string;
  withScores: boolean;
  checksum: string;
  mediaType: string;
}

/**
 * One server's connections to Redis and its model's queue: the micro-batcher, the async job store
 * and the health that readiness reports.
 */
export class ServerQueue {
  private readonly pending = new Map<string, { model: QueueModelShape; requests: Waiting[]; n: number }>();
  private readonly inFlight = new Map<string, Batch>();
  private readonly queues = new Map<string, Queue>();
  private readonly runId = randomBytes(6).toString('hex');
  private counter = 0;
  private checker: NodeJS.Timeout | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private healthy = false;
  private closed = false;
  /** Batches sent and rows in them, since start (how well requests are gathered). */
  readonly sent = { batches: 0, rows: 0 };
  /** Model versions this server has sent work for (a reload adds one): where its jobs may be. */
  private readonly seen = new Set<string>();
  private readonly replyKey = `${KEY_PREFIX}:replies:${randomBytes(8).toString('hex')}`;

  private constructor(
    private readonly options: ServerQueueOptions,
    private readonly redis: Redis,
    private readonly QueueClass: typeof Queue,
    private readonly reader: Redis,
  ) {}

  /** Connects (waiting up to `connectMs` for Redis) and checks maxmemory-policy (exit 3 otherwise). */
  static async open(options: ServerQueueOptions, connectMs = 10_000): Promise<ServerQueue> {
    process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED ??= 'true';
    // Commands fail at once while Redis is unreachable (a request gets 503, not a hang); the events
    // reader blocks, so it needs BullMQ's maxRetriesPerRequest: null.
    const redis = await openRedis(options.url, { waitForever: false, name: 'iris-serve' });
    try {
      await connectRedis(redis, options.url, connectMs);
      await requireNoEviction(redis, options.url);
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    const { Queue: QueueClass } = await import('bullmq');
    // Answers come back on a list of this server's own, read with a blocking BLMPOP.
    const reader = await openRedis(options.url, { waitForever: true, name: 'iris-serve-replies' });
    await connectRedis(reader, options.url, connectMs);
    const queue = new ServerQueue(options, redis, QueueClass, reader);
    queue.seen.add(options.checksum);
    void queue.readReplies();
    queue.healthy = true;
    queue.pinger = setInterval(() => void queue.ping(), 1000);
    queue.pinger.unref();
    queue.checker = setInterval(() => void queue.checkLate(), 500);
    queue.checker.unref();
    redis.on('close', () => (queue.healthy = false));
    redis.on('ready', () => void queue.ping());
    return queue;
  }

  /** Redis answers (readiness): false from the first failed command until a PING succeeds again. */
  get up(): boolean {
    return this.healthy && this.redis.status === 'ready';
  }

  /** Batches waiting for a slot or out at a worker (the pool-depth metric of the queue mode). */
  depth(): number {
    return this.inFlight.size + this.pending.size;
  }

  private async ping(): Promise<void> {
    try {
      await this.redis.ping();
      if (!this.healthy) this.options.log?.('info', 'Redis is reachable again', { queue: shownUrl(this.options.url) });
      this.healthy = true;
    } catch {
      if (this.healthy) this.options.log?.('warn', 'Redis is unreachable; readiness is 503 until it answers', { queue: shownUrl(this.options.url) });
      this.healthy = false;
    }
  }

  private down(): QueueError {
    return new QueueError(503, 'QUEUE_DOWN', `the queue (Redis at ${shownUrl(this.options.url)}) is unreachable; try again shortly`);
  }

  private queueFor(checksum: string): Queue {
    let queue = this.queues.get(checksum);
    if (queue === undefined) {
      queue = new this.QueueClass(queueName(checksum), { connection: this.redis, prefix: KEY_PREFIX });
      queue.on('error', () => undefined);
      this.queues.set(checksum, queue);
    }
    return queue;
  }

  /** Reads the answers the workers push on this server's list, many at a time, until close(). */
  private async readReplies(): Promise<void> {
    while (!this.closed) {
      let reply: unknown;
      try {
        reply = await this.reader.callBuffer('BLMPOP', '1', '1', this.replyKey, 'LEFT', 'COUNT', '512');
      } catch {
        if (this.closed) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      if (!Array.isArray(reply)) continue;
      for (const frame of reply[1] as Buffer[]) {
        const { jobId, ok, payload } = decodeReply(frame);
        const batch = this.inFlight.get(jobId);
        if (batch === undefined) continue;
        if (ok) this.settle(batch, decodeScored(payload, batch.n), undefined);
        else this.settle(batch, undefined, new QueueError(502, 'WORKER_FAILED', `the worker failed the job: ${payload.toString('utf8')}`));
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Micro-batches

  /** Scores rows on the workers, gathered with other requests' rows into one job. */
  score(model: QueueModelShape, X: Float64Array, n: number): Promise<Scored> {
    if (this.closed || !this.up) return Promise.reject(this.down());
    if (n === 0) return Promise.resolve({ predictions: new Int32Array(0), scores: new Float64Array(0) });
    return new Promise<Scored>((resolve, reject) => {
      let batch = this.pending.get(model.checksum);
      if (batch === undefined) this.pending.set(model.checksum, (batch = { model, requests: [], n: 0 }));
      batch.requests.push({ X, n, resolve, reject });
      batch.n += n;
      if (this.inFlight.size < MAX_IN_FLIGHT || batch.n >= MAX_BATCH_ROWS) this.send(model.checksum);
    });
  }

  private send(checksum: string): void {
    const gathered = this.pending.get(checksum);
    if (gathered === undefined) return;
    this.pending.delete(checksum);
    const { model, requests, n } = gathered;
    const id = `${this.runId}-${this.counter++}`;
    const version = queueName(model.checksum);
    const batch: Batch = {
      id,
      model,
      requests,
      n,
      inputKey: `${KEY_PREFIX}:${version}:rows:${id}`,
      resultKey: `${KEY_PREFIX}:${version}:scored:${id}`,
      sentAt: Date.now(),
      settled: false,
    };
    this.inFlight.set(id, batch);
    this.sent.batches++;
    this.sent.rows += n;
    const X = requests.length === 1 ? (requests[0] as Waiting).X.subarray(0, n * model.nFeatures) : new Float64Array(n * model.nFeatures);
    if (requests.length > 1) {
      let offset = 0;
      for (const request of requests) {
        X.set(request.X.subarray(0, request.n * model.nFeatures), offset);
        offset += request.n * model.nFeatures;
      }
    }
    const data: RowsJob = { kind: 'rows', checksum: model.checksum, n, inputKey: batch.inputKey, resultKey: batch.resultKey, replyTo: this.replyKey };
    this.seen.add(model.checksum);
    // One connection, commands in order: the rows are stored before the job that names them.
    const stored = this.redis.set(batch.inputKey, encodeRows(X), 'EX', RESULT_TTL_SECONDS);
    const added = this.queueFor(model.checksum).add('rows', data, { jobId: id, removeOnComplete: true, removeOnFail: { age: 3600 } });
    Promise.all([stored, added]).catch((error: unknown) => {
      this.settle(batch, undefined, this.up ? (error instanceof Error ? error : new Error(String(error))) : this.down());
    });
  }

  /** Batches with no answer after a while: a worker may have failed them before it could reply (a stall limit, a foreign model). */
  private async checkLate(): Promise<void> {
    if (!this.up) return;
    const now = Date.now();
    for (const batch of this.inFlight.values()) {
      if (batch.settled || now - batch.sentAt < CHECK_AFTER_MS) continue;
      try {
        const job = await this.queueFor(batch.model.checksum).getJob(batch.id);
        if (job !== undefined && job.failedReason !== undefined && (await job.isFailed())) {
          this.settle(batch, undefined, new QueueError(502, 'WORKER_FAILED', `the worker failed the job: ${job.failedReason}`));
        }
      } catch {
        // Redis went away again; the next check retries.
      }
    }
  }

  private settle(batch: Batch, scored: Scored | undefined, error: Error | undefined): void {
    if (batch.settled) return;
    batch.settled = true;
    this.inFlight.delete(batch.id);
    void this.redis.del(batch.inputKey).catch(() => undefined);
    if (scored === undefined) for (const request of batch.requests) request.reject(error as Error);
    else {
      const m = batch.model.nScores;
      let row = 0;
      for (const request of batch.requests) {
        request.resolve({
          predictions: scored.predictions.slice(row, row + request.n),
          scores: scored.scores.slice(row * m, (row + request.n) * m),
        });
        row += request.n;
      }
    }
    // A slot is free: the requests that waited leave now.
    for (const checksum of [...this.pending.keys()]) if (this.inFlight.size < MAX_IN_FLIGHT) this.send(checksum);
  }

  // ------------------------------------------------------------------------------------------
  // Async jobs, kept in Redis

  private recordKey(checksum: string, id: string): string {
    return `${KEY_PREFIX}:${queueName(checksum)}:job:${id}`;
  }

  private async view(checksum: string, id: string): Promise<QueueJobView | undefined> {
    const record = await this.redis.hgetall(this.recordKey(checksum, id));
    if (record.status === undefined) return undefined;
    const base = {
      id,
      rows: Number(record.rows),
      withScores: record.withScores === '1',
      checksum: record.checksum ?? checksum,
      mediaType: record.mediaType ?? '',
    };
    if (record.status === 'done') return { ...base, status: 'done', progress: 1 };
    if (record.status === 'failed') return { ...base, status: 'failed', progress: 0, error: record.error ?? 'unknown reason' };
    const job = await this.queueFor(checksum).getJob(`job-${id}`);
    const state = job === undefined ? 'unknown' : await job.getState();
    if (state === 'active') return { ...base, status: 'running', progress: 0 };
    if (state === 'failed') return { ...base, status: 'failed', progress: 0, error: job?.failedReason ?? 'unknown reason' };
    if (state === 'completed') return { ...base, status: 'done', progress: 1 };
    return { ...base, status: 'queued', progress: 0 };
  }

  /** A job's status (undefined: unknown, or removed after --job-ttl). Looks in every model version this server has served. */
  async getJob(id: string): Promise<QueueJobView | undefined> {
    if (!this.up) throw this.down();
    for (const checksum of this.knownChecksums()) {
      const view = await this.view(checksum, id);
      if (view !== undefined) return view;
    }
    return undefined;
  }

  private knownChecksums(): string[] {
    return [this.options.checksum, ...[...this.seen].filter((c) => c !== this.options.checksum)];
  }

  /**
   * Submits an async job (its rows already checked). A job of the same id that is not failed is
   * left as it is (a resubmission is not computed twice); a failed one is submitted again.
   */
  async submitJob(
    model: QueueModelShape,
    job: { id: string; mediaType: string; withScores: boolean; ttlMs: number },
    X: Float64Array,
    n: number,
  ): Promise<QueueJobView> {
    if (!this.up) throw this.down();
    const existing = await this.view(model.checksum, job.id);
    if (existing !== undefined && existing.status !== 'failed') return existing;
    const key = this.recordKey(model.checksum, job.id);
    const version = queueName(model.checksum);
    const ttlSeconds = Math.max(1, Math.ceil(job.ttlMs / 1000));
    const data: RowsJob = {
      kind: 'rows',
      checksum: model.checksum,
      n,
      inputKey: `${KEY_PREFIX}:${version}:jobrows:${job.id}`,
      resultKey: `${KEY_PREFIX}:${version}:jobresult:${job.id}`,
      record: { key, ttlSeconds },
    };
    const queue = this.queueFor(model.checksum);
    if (existing !== undefined) await queue.remove(`job-${job.id}`).catch(() => undefined);
    // The record and the rows first (no expiry while the job waits), then the job that names them.
    await this.redis
      .multi()
      .del(key)
      .hset(key, 'status', 'queued', 'rows', String(n), 'withScores', job.withScores ? '1' : '0', 'checksum', model.checksum, 'mediaType', job.mediaType, 'createdAt', String(Date.now()))
      .set(data.inputKey, encodeRows(X.subarray(0, n * model.nFeatures)))
      .exec();
    this.seen.add(model.checksum);
    await queue.add('job', data, { jobId: `job-${job.id}`, removeOnComplete: { age: ttlSeconds }, removeOnFail: { age: ttlSeconds } });
    return { id: job.id, status: 'queued', rows: n, progress: 0, withScores: job.withScores, checksum: model.checksum, mediaType: job.mediaType };
  }

  /** Holds until the job ends or `ms` pass (?wait=): polls its record, which any server or worker may change. */
  async waitJob(id: string, ms: number, signal?: AbortSignal): Promise<QueueJobView | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const view = await this.getJob(id);
      if (view === undefined || view.status === 'done' || view.status === 'failed' || Date.now() >= deadline || signal?.aborted === true) return view;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(deadline - Date.now(), 1))));
    }
  }

  /** A done job's predictions and scores. */
  async jobResult(id: string): Promise<{ view: QueueJobView; scored: Scored }> {
    const view = await this.getJob(id);
    if (view === undefined) throw new QueueError(404, 'NOT_FOUND', `no job ${JSON.stringify(id)} (unknown, or removed after --job-ttl)`);
    if (view.status !== 'done') {
      throw new QueueError(409, 'CONFLICT', view.status === 'failed' ? `the job failed: ${view.error ?? 'unknown reason'}` : `the job is ${view.status}; its result is not ready`);
    }
    const bytes = await this.redis.getBuffer(`${KEY_PREFIX}:${queueName(view.checksum)}:jobresult:${id}`);
    if (bytes === null) throw new QueueError(404, 'NOT_FOUND', `the result of job ${JSON.stringify(id)} has expired (--job-ttl)`);
    return { view, scored: decodeScored(bytes, view.rows) };
  }

  /** Job counts for the iris_jobs metric: the records of this model version by status. */
  async jobCounts(): Promise<Record<JobStatus, number>> {
    const counts: Record<JobStatus, number> = { queued: 0, running: 0, done: 0, failed: 0 };
    if (!this.up) return counts;
    const queue = this.queueFor(this.options.checksum);
    const byState = await queue.getJobCounts('waiting', 'active', 'failed').catch(() => ({}) as Record<string, number>);
    counts.queued = byState.waiting ?? 0;
    counts.running = byState.active ?? 0;
    counts.failed = byState.failed ?? 0;
    return counts;
  }

  /** Stops taking work; requests in flight get their answers if they come within `ms`. */
  async close(ms = 5000): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + ms;
    while (this.inFlight.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const batch of this.inFlight.values()) this.settle(batch, undefined, this.down());
    clearInterval(this.pinger);
    clearInterval(this.checker);
    this.reader.disconnect();
    for (const queue of this.queues.values()) await queue.close().catch(() => undefined);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
