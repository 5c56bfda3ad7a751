/**
 * Cross-validation fits as queue jobs (`iris cv/tune --queue`, `iris worker --fits`;
 * docs/MODEL_SELECTION.md). The coordinator stores the search's rows once in Redis, adds one job
 * per fold x candidate to the `fits` queue and waits on a list of finished job numbers; workers
 * load the rows once per search and run core/selection.ts's fitFold, exactly what a thread runs.
 * A worker that dies mid-fit loses its lock; BullMQ hands the job to another worker (stall
 * detection), and every fit is deterministic, so the results are those of one thread.
 */
import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { DataError, isIrisError } from '../core/errors.js';
import type { PerceptronInit } from '../core/pipeline.js';
import { fitFold, type FoldData, type FoldResult, type Scorer } from '../core/selection.js';
import type { FitJob } from '../lib/select-engine.js';
import { closeRedis, connectRedis, openRedis, requireNoEviction, shownUrl } from './connection.js';
import { FITS_QUEUE, KEY_PREFIX, fitsKey } from './keys.js';
import { jsonLogger, type LogLevel } from './log.js';
import { MAX_STALLED, lockTimings } from './protocol.js';

const QUEUE = FITS_QUEUE;
/** A search's rows and results are kept a day at most (an abandoned search cleans itself up). */
const TTL_SECONDS = 86_400;
const keyOf = fitsKey;

interface FitJobData {
  run: string;
  index: number;
  job: FitJob;
}

/** What the rows' key holds besides the numbers. */
interface SearchMeta {
  rows: number;
  cols: number;
  names: readonly string[];
  features: readonly string[];
  target: string;
  table?: FoldData['table'];
  scorers: readonly Scorer[];
  init?: { coef: number[]; intercept: number[] };
}

const bytes = (a: Float64Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** JSON cannot carry NaN (a failed fit's score): null on the wire. */
function encodeResult(result: FoldResult): string {
  return JSON.stringify(result, (_key, value: unknown) => (typeof value === 'number' && Number.isNaN(value) ? null : value));
}
function decodeResult(text: string): FoldResult {
  const result = JSON.parse(text) as FoldResult;
  for (const [k, v] of Object.entries(result.scores)) if (v === null) result.scores[k] = Number.NaN;
  return result;
}

export interface FitsOnQueueOptions {
  scorers: readonly Scorer[];
  init?: PerceptronInit | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
  /** How long to wait for Redis, and for a first worker. */
  connectTimeout: number;
}

/** Runs the jobs on `iris worker --fits` processes; results in job order. */
export async function fitsOnQueue(url: string, data: FoldData, jobs: readonly FitJob[], options: FitsOnQueueOptions): Promise<FoldResult[]> {
  process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED ??= 'true';
  const { Queue } = await import('bullmq');
  const redis = await openRedis(url, { waitForever: true, name: 'iris-fits' });
  await connectRedis(redis, url, options.connectTimeout);
  const waiter = redis.duplicate();
  const run = randomUUID();
  const queue = new Queue<FitJobData>(QUEUE, { connection: redis, prefix: KEY_PREFIX });
  try {
    await requireNoEviction(redis, url);
    const meta: SearchMeta = {
      rows: data.X.rows,
      cols: data.X.cols,
      names: data.names,
      features: data.features,
      target: data.target,
      ...(data.table === undefined ? {} : { table: data.table }),
      scorers: options.scorers,
      ...(options.init === undefined ? {} : { init: { coef: Array.from(options.init.coef), intercept: Array.from(options.init.intercept) } }),
    };
    await redis
      .multi()
      .set(keyOf(run, 'x'), bytes(data.X.data), 'EX', TTL_SECONDS)
      .set(keyOf(run, 'codes'), bytes(data.codes), 'EX', TTL_SECONDS)
      .set(keyOf(run, 'folds'), bytes(data.foldOf), 'EX', TTL_SECONDS)
      .set(keyOf(run, 'meta'), JSON.stringify(meta), 'EX', TTL_SECONDS)
      .exec();
    await queue.addBulk(
      jobs.map((job, index) => ({ name: 'fit', data: { run, index, job }, opts: { jobId: `${run}-${index}`, removeOnComplete: true, removeOnFail: true } })),
    );
    const results = new Array<FoldResult | undefined>(jobs.length);
    let done = 0;
    let quiet = 0;
    while (done < jobs.length) {
      // Each finished job pushes its number; a job redone after a stall may push it twice.
      const popped = await waiter.blpop(keyOf(run, 'done'), 1);
      if (popped === null) {
        quiet += 1;
        if (quiet * 1000 >= options.connectTimeout && (await queue.getWorkersCount()) === 0) {
          throw new DataError(`no \`iris worker --fits\` is taking jobs on ${shownUrl(url)}`, {
            hint: `start one: iris worker --queue ${shownUrl(url)} --fits`,
          });
        }
        continue;
      }
      quiet = 0;
      const index = Number(popped[1]);
      if (results[index] !== undefined) continue;
      const text = await redis.get(keyOf(run, `result:${index}`));
      if (text === null) continue;
      const parsed = JSON.parse(text) as { failed?: { message: string; kind: string } };
      if (parsed.failed !== undefined) {
        const error = parsed.failed.kind === 'data' ? new DataError(parsed.failed.message) : new Error(parsed.failed.message);
        throw error;
      }
      results[index] = decodeResult(text);
      options.onProgress?.(++done, jobs.length);
    }
    return results as FoldResult[];
  } finally {
    // The search is over (or abandoned): its jobs and rows go.
    await queue.drain(true).catch(() => undefined);
    const keys = ['x', 'codes', 'folds', 'meta', 'done', ...jobs.map((_, i) => `result:${i}`)].map((what) => keyOf(run, what));
    await redis.del(...keys).catch(() => undefined);
    await queue.close().catch(() => undefined);
    await closeRedis(waiter);
    await closeRedis(redis);
  }
}

export interface FitWorkerOptions {
  queue: string;
  concurrency: number;
  logLevel: LogLevel;
  connectTimeout: number;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  stop: Promise<string>;
}

/** `iris worker --fits`: takes fit jobs until stopped; finishes the fit in hand on SIGTERM. */
export async function runFitWorker(options: FitWorkerOptions): Promise<void> {
  process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED ??= 'true';
  const log = jsonLogger(options.stderr, options.logLevel, { name: 'iris-worker', queue: QUEUE });
  const { Worker } = await import('bullmq');
  const redis = await openRedis(options.queue, { waitForever: true, name: 'iris-fit-worker' });
  await Promise.race([connectRedis(redis, options.queue, options.connectTimeout), options.stop]);
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  await requireNoEviction(redis, options.queue);
  // The rows of the last searches seen: a search's jobs all need the same rows.
  const searches = new Map<string, { data: FoldData; scorers: readonly Scorer[]; init: PerceptronInit | undefined }>();
  const load = async (run: string) => {
    const known = searches.get(run);
    if (known !== undefined) return known;
    const [x, codes, folds, metaText] = await Promise.all([
      redis.getBuffer(keyOf(run, 'x')),
      redis.getBuffer(keyOf(run, 'codes')),
      redis.getBuffer(keyOf(run, 'folds')),
      redis.get(keyOf(run, 'meta')),
    ]);
    if (x === null || codes === null || folds === null || metaText === null) throw new Error(`search ${run}: its rows are gone from Redis`);
    const meta = JSON.parse(metaText) as SearchMeta;
    // Copies: a Buffer from ioredis may share a larger pool and need not be 8-byte aligned.
    const data: FoldData = {
      X: { data: new Float64Array(new Uint8Array(x).buffer), rows: meta.rows, cols: meta.cols },
      codes: new Int32Array(new Uint8Array(codes).buffer),
      foldOf: new Int32Array(new Uint8Array(folds).buffer),
      names: meta.names,
      features: meta.features,
      target: meta.target,
      table: meta.table,
    };
    const init = meta.init === undefined ? undefined : { coef: Float64Array.from(meta.init.coef), intercept: Float64Array.from(meta.init.intercept) };
    const entry = { data, scorers: meta.scorers, init };
    if (searches.size >= 4) searches.delete(searches.keys().next().value as string);
    searches.set(run, entry);
    return entry;
  };
  const processor = async (job: Job<FitJobData>) => {
    const { run, index } = job.data;
    log.debug('fit started', { job: job.id });
    const search = await load(run);
    let text: string;
    try {
      text = encodeResult(fitFold(search.data, job.data.job.fold, job.data.job.params, search.scorers, search.init));
    } catch (error) {
      if (!isIrisError(error)) throw error;
      text = JSON.stringify({ failed: { message: error.message, kind: error.kind } });
    }
    await redis
      .multi()
      .set(keyOf(run, `result:${index}`), text, 'EX', TTL_SECONDS)
      .rpush(keyOf(run, 'done'), String(index))
      .expire(keyOf(run, 'done'), TTL_SECONDS)
      .exec();
    log.debug('fit done', { job: job.id });
    return { index };
  };
  const timings = lockTimings(options.env);
  const worker = new Worker<FitJobData>(QUEUE, processor, {
    connection: redis,
    prefix: KEY_PREFIX,
    concurrency: options.concurrency,
    lockDuration: timings.lockDuration,
    stalledInterval: timings.stalledInterval,
    maxStalledCount: MAX_STALLED,
    name: `iris-fit-worker-${process.pid}`,
  });
  worker.on('error', (error) => log.warn('queue error', { error: error.message }));
  await worker.waitUntilReady();
  log.info('worker ready', { queue: QUEUE, concurrency: options.concurrency });
  const signal = await options.stop;
  log.info('stopping: finishing the fits in hand', { signal });
  await worker.close();
  await closeRedis(redis);
}
