/**
 * `iris worker`: a BullMQ Worker on the queue of its model's version. It loads the model once,
 * scores chunk jobs (`predict --queue`) and row jobs (the server's micro-batches) with predict's own
 * code, refuses jobs for another model, and on SIGTERM finishes the jobs in hand before it returns.
 */
import type { Job } from 'bullmq';
import { isIrisError, type ErrorKind } from '../core/errors.js';
import { matrix } from '../core/matrix.js';
import { loadModel } from '../lib/model.js';
import { closeRedis, connectRedis, openRedis, requireNoEviction, shownUrl } from './connection.js';
import { KEY_PREFIX, queueKeys, queueName } from './keys.js';
import { jsonLogger, type LogLevel } from './log.js';
import {
  MAX_STALLED,
  REPLY_TTL_SECONDS,
  RESULT_TTL_SECONDS,
  decodeRows,
  encodeReply,
  encodeScored,
  lockTimings,
  type QueueJob,
  type RowsResult,
} from './protocol.js';
import { scoreCsvChunk } from './score-chunk.js';

export interface WorkerOptions {
  model: string;
  queue: string;
  concurrency: number;
  logLevel: LogLevel;
  /** How long to wait for Redis at start before giving up (--connect-timeout; exit 3). */
  connectTimeout: number;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Resolves when the worker should stop (SIGTERM/SIGINT in the CLI). */
  stop: Promise<string>;
}

/** What a failed chunk leaves for the coordinator beside BullMQ's one-line failedReason. */
export interface ChunkFailure {
  error: { message: string; hint?: string; kind: ErrorKind };
}

export async function runWorker(options: WorkerOptions): Promise<void> {
  const model = await loadModel(options.model);
  const keys = queueKeys(model.checksum);
  const log = jsonLogger(options.stderr, options.logLevel, { name: 'iris-worker', model: model.version });
  // msgpackr (under BullMQ) would load a native accelerator when one is installed; iris runs on
  // plain JavaScript only (no native add-ons), and the job payloads gain nothing measurable from it.
  process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED ??= 'true';
  const { Worker, UnrecoverableError } = await import('bullmq');

  const redis = await openRedis(options.queue, { waitForever: true, name: `iris-worker-${model.version}` });
  log.info('connecting to Redis', { queue: shownUrl(options.queue) });
  // A worker started a moment before Redis (containers coming up together) waits for it, up to --connect-timeout.
  await Promise.race([connectRedis(redis, options.queue, options.connectTimeout), options.stop]);
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  try {
    await requireNoEviction(redis, options.queue);
  } catch (error) {
    redis.disconnect();
    throw error;
  }

  /** The rows a job left in Redis (raw float64 values), scored; a job whose rows are gone or malformed cannot be retried. */
  const scoreStoredRows = async (jobId: string, inputKey: string, n: number, inline?: string) => {
    const input = inline !== undefined ? Buffer.from(inline, 'base64') : await redis.getBuffer(inputKey);
    if (input === null) throw new UnrecoverableError(`job ${jobId}: its rows ${inputKey} are gone from Redis`);
    const X = decodeRows(input);
    // Input rows (lib's Model.inputs: numbers, category indices, NaN for a missing value), as the server parsed them.
    const d = model.inputs.length;
    if (X.length !== n * d) throw new UnrecoverableError(`job ${jobId}: ${X.length} values for ${n} rows of ${d} inputs`);
    return model.scoreInputRows(matrix(X, n, d));
  };

  const processor = async (job: Job<QueueJob>) => {
    const data = job.data;
    if (data.checksum !== model.checksum) {
      // Not retried: no worker of this queue can ever score it.
      throw new UnrecoverableError(`job ${job.id} is for model ${String(data.checksum).slice(0, 19)}…, this worker serves ${model.checksum.slice(0, 19)}…`);
    }
    log.debug('job started', { job: job.id, kind: data.kind, attempt: job.attemptsStarted });
    if (data.kind === 'rows' && data.replyTo !== undefined) {
      const replyTo = data.replyTo;
      const reply = (frame: Buffer) => redis.multi().rpush(replyTo, frame).expire(replyTo, REPLY_TTL_SECONDS).exec();
      try {
        const { predictions, scores } = await scoreStoredRows(String(job.id), data.inputKey, data.n, data.rows);
        await reply(encodeReply(String(job.id), true, encodeScored(predictions, scores)));
      } catch (error) {
        // The server waits on its list, not on BullMQ's events: it hears of the failure there.
        await reply(encodeReply(String(job.id), false, Buffer.from(error instanceof Error ? error.message : String(error)))).catch(() => undefined);
        throw error instanceof UnrecoverableError ? error : new UnrecoverableError(error instanceof Error ? error.message : String(error));
      }
      log.debug('job done', { job: job.id, rows: data.n });
      const result: RowsResult = { rows: data.n };
      return result;
    }
    if (data.kind === 'rows') {
      const { predictions, scores } = await scoreStoredRows(String(job.id), data.inputKey, data.n);
      const answer = encodeScored(predictions, scores);
      if (data.record === undefined) await redis.set(data.resultKey, answer, 'EX', RESULT_TTL_SECONDS);
      else {
        // An async job: its answer and its record change together, and both are kept --job-ttl.
        const ttl = data.record.ttlSeconds;
        await redis
          .multi()
          .set(data.resultKey, answer, 'EX', ttl)
          .hset(data.record.key, 'status', 'done', 'finishedAt', String(Date.now()))
          .expire(data.record.key, ttl)
          .del(data.inputKey)
          .exec();
      }
      log.debug('job done', { job: job.id, rows: data.n });
      const result: RowsResult = { rows: data.n };
      return result;
    }
    try {
      const chunk = await redis.getBuffer(data.inputKey);
      if (chunk === null) throw new UnrecoverableError(`job ${job.id}: its input ${data.inputKey} is gone from Redis (expired, or the run was abandoned)`);
      const { body, rows } = await scoreCsvChunk(data, chunk, model);
      // The output goes under its own key: BullMQ would copy a return value into its event stream.
      await redis.set(data.resultKey, body, 'EX', RESULT_TTL_SECONDS);
      log.debug('job done', { job: job.id, rows });
      return { rows, bytes: body.length };
    } catch (error) {
      if (!isIrisError(error)) throw error;
      const failure: ChunkFailure = {
        error: { message: error.message, kind: error.kind, ...(error.hint === undefined ? {} : { hint: error.hint }) },
      };
      await redis.set(keys.chunkFailure(data.resultKey), JSON.stringify(failure), 'EX', RESULT_TTL_SECONDS);
      log.info('job failed', { job: job.id, error: error.message });
      // Bad data fails the same way every time: no retry.
      throw new UnrecoverableError(error.message);
    }
  };

  const timings = lockTimings(options.env);
  const worker = new Worker<QueueJob>(queueName(model.checksum), processor, {
    connection: redis,
    prefix: KEY_PREFIX,
    concurrency: options.concurrency,
    lockDuration: timings.lockDuration,
    stalledInterval: timings.stalledInterval,
    maxStalledCount: MAX_STALLED,
    name: `iris-worker-${process.pid}`,
  });
  worker.on('error', (error) => log.warn('queue error', { error: error.message }));
  worker.on('failed', (job, error) => {
    if (job !== undefined && !(error instanceof UnrecoverableError)) log.warn('job failed', { job: job.id, error: error.message });
  });
  await worker.waitUntilReady();
  log.info('worker ready', { queue: keys.queue, concurrency: options.concurrency, checksum: model.checksum });

  const signal = await options.stop;
  log.info('stopping: finishing the jobs in hand', { signal });
  // close() waits for the active jobs to finish (and their results to be stored), takes no new ones.
  await worker.close();
  await closeRedis(redis);
  log.info('worker stopped');
}
