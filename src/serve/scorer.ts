/**
 * Where rows are scored. The routes call a `Scorer`; the embedded one below scores small requests
 * inline and large ones in a worker-thread pool. The queue mode's scorer (queue-scorer.ts)
 * implements the same interface.
 *
 * The inline/pool threshold is on the request body's size, not its row count, because parsing
 * and formatting (JSON.parse, building the answer) cost several times what scoring costs, and the
 * point of the pool is that the event loop never waits on a big body. docs/SERVE.md ("Inline or
 * pool") has the measurement behind POOL_BODY_BYTES.
 */
import type { ModelArtifact } from '../io/model/index.js';
import type { Model } from '../lib/model.js';
import type { ResultCache } from './cache.js';
import type { Scored } from './codec/format.js';
import type { Rows } from './codec/rows.js';
import { HttpError, type HttpErrorData } from './errors.js';
import { scoreFlat } from './model.js';
import { SCORED, chunksOf, streamOf, unpackScored } from './answer.js';
import type { PoolJob, PoolTask } from './pool-worker.js';
import { parseTask, runTask, runTaskSync, type RowScorer, type Task, type TaskResult } from './work.js';

/**
 * Bodies of at least this many bytes are parsed, scored and formatted in the pool. Measured with
 * bench/pool-threshold.mjs on the 2-core machine (figures in docs/SERVE.md): a pool round trip
 * costs about 0.1-0.15 ms more than the same work inline, whatever the size; inline work costs about
 * 40 ns a byte of JSON rows (0.19 ms at 5 KB, 0.67 ms at 17 KB, 18 ms at 170 KB). At 16 KiB the
 * event loop is held for at most ~0.7 ms, and the pool's fixed cost is under a quarter of the work
 * it takes off the loop; small requests (the 1- and 100-row payloads) stay inline and pay nothing.
 */
export const POOL_BODY_BYTES = 16 * 1024;
/** Rows scored (already parsed: jobs, NDJSON) go to the pool from this many. */
export const POOL_ROWS = 20_000;

export interface Scorer {
  /** A whole request body: parse, score, format. Client errors come back as data. */
  run(task: Task, abort?: () => AbortSignal): Promise<TaskResult>;
  /** The same, synchronously, for a task that is done on the event loop anyway (small bodies); undefined otherwise (then run()). */
  runInline?(task: Task): TaskResult | undefined;
  /** A whole body to rows only (jobs check their body at submission). */
  parse(task: Task, abort?: () => AbortSignal): Promise<Rows & { withScores?: boolean; unknown?: Map<string, number> }>;
  /** Rows already parsed (NDJSON stream chunks, jobs). */
  score(model: Model, X: Float64Array, n: number, abort?: () => AbortSignal): Promise<Scored>;
  /** Tasks waiting for a pool thread (or a queue worker). */
  queueDepth(): number;
  /** Why predictions cannot be made now (readiness), or undefined. */
  notReady?(): { reason: string; error: Error } | undefined;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  threads: number;
  /** null: everything inline (tests). */
  workerUrl: URL | null;
  cache: ResultCache | null;
  /** Pool tasks waiting beyond this are refused with 503 OVERLOADED. */
  maxQueue: number;
  poolBodyBytes?: number;
  poolRows?: number;
}

function owned(body: Uint8Array): ArrayBuffer | undefined {
  return body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer ? body.buffer : undefined;
}

/** A model's artifact, made once per model (toJSON copies it): what a task carries to a thread. */
const artifacts = new WeakMap<Model, ModelArtifact>();
function artifactOf(model: Model): ModelArtifact {
  let artifact = artifacts.get(model);
  if (artifact === undefined) artifacts.set(model, (artifact = model.toJSON()));
  return artifact;
}

function poolTask({ model, ...rest }: Task): PoolTask {
  return { ...rest, artifact: artifactOf(model) };
}

type PiscinaPool = import('piscina').Piscina;

export async function createEmbeddedScorer(options: EmbeddedOptions): Promise<Scorer> {
  let pool: PiscinaPool | null = null;
  if (options.workerUrl !== null) {
    const { Piscina } = await import('piscina');
    pool = new Piscina({
      filename: options.workerUrl.href,
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: 2 ** 31 - 1,
      // Our own limit (maxQueue below) answers 503; piscina's would only throw.
      maxQueue: Number.MAX_SAFE_INTEGER,
    });
  }
  const poolBytes = options.poolBodyBytes ?? POOL_BODY_BYTES;
  const poolRows = options.poolRows ?? POOL_ROWS;
  const cache = options.cache;
  const inlineScore = (task: Task): RowScorer | undefined => (cache === null ? undefined : (X, n) => cache.score(task.model, X, n));

  /** `abort` gives the request's signal; it is made only for work that goes to the pool. */
  const onPool = async (job: PoolJob, transfer: ArrayBuffer[], abort?: () => AbortSignal): Promise<unknown> => {
    const p = pool as PiscinaPool;
    if (p.queueSize >= options.maxQueue) {
      throw new HttpError(503, 'OVERLOADED', `the scoring pool has ${p.queueSize} requests waiting; try again shortly`, { 'retry-after': '1' });
    }
    const result = await p.run(job, { transferList: transfer, ...(abort === undefined ? {} : { signal: abort() }) });
    if (typeof result === 'object' && result !== null && 'error' in result) throw HttpError.from((result as { error: HttpErrorData }).error);
    return result;
  };

  return {
    runInline(task) {
      if (pool !== null && task.body.byteLength >= poolBytes && !task.model.isTable) return undefined;
      return runTaskSync(task, inlineScore(task) ?? ((X, n) => scoreFlat(task.model, X, n)), true);
    },
    async run(task, abort) {
      // A table model's bodies stay inline: the unknown categories they count are the server's metric.
      if (pool === null || task.body.byteLength < poolBytes || task.model.isTable) return runTask(task, inlineScore(task), true);
      const buffer = owned(task.body);
      try {
        const packed = (await onPool({ op: 'run', task: poolTask(task) }, buffer === undefined ? [] : [buffer], abort)) as Uint8Array;
        const bytes = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
        const headerLength = bytes.readDoubleLE(8);
        if (headerLength === SCORED) {
          const { n, meta, scored } = unpackScored(bytes);
          return { ok: true, rows: n, body: streamOf(chunksOf(task, meta, scored, n)) };
        }
        return { ok: true, rows: bytes.readDoubleLE(0), body: bytes.subarray(16), ...(headerLength < 0 ? {} : { headerLength }) };
      } catch (error) {
        if (error instanceof HttpError) return { ok: false, error: error.toData() };
        throw error;
      }
    },
    async parse(task, abort) {
      if (pool === null || task.body.byteLength < poolBytes || task.model.isTable) return parseTask(task);
      const buffer = owned(task.body);
      const packed = (await onPool({ op: 'parse', task: poolTask(task) }, buffer === undefined ? [] : [buffer], abort)) as Float64Array;
      const n = packed[packed.length - 2] as number;
      return { X: packed.subarray(0, packed.length - 2), n, ...(packed[packed.length - 1] === 1 ? { withScores: true } : {}) };
    },
    async score(model, X, n, abort) {
      if (pool === null || n < poolRows) {
        return cache === null ? scoreFlat(model, X, n) : cache.score(model, X, n);
      }
      const packed = (await onPool({ op: 'score', artifact: artifactOf(model), X, n }, [], abort)) as Float64Array;
      return { predictions: Int32Array.from(packed.subarray(0, n)), scores: packed.subarray(n) };
    },
    queueDepth: () => pool?.queueSize ?? 0,
    async close() {
      if (pool !== null) await pool.destroy();
    },
  };
}
