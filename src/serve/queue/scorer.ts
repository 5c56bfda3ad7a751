/**
 * The queue mode's Scorer (the interface the routes call): bodies are parsed and answers formatted
 * in the server, rows are scored by `iris worker`s through ServerQueue's micro-batches, with the
 * result cache in front (on by default here: a cache hit saves a Redis round trip, which costs far
 * more than scoring a row).
 */
import { createResultCache } from '../cache.js';
import { HttpError, type HttpErrorData } from '../errors.js';
import type { Scored } from '../model.js';
import type { Scorer } from '../scorer.js';
import { errorData, formatTask, parseTask } from '../work.js';
import { QueueError, type ServerQueue } from './server-queue.js';

export interface QueueScorerOptions {
  queue: ServerQueue;
  /** Result-cache entries; 0 turns the cache off. */
  cacheEntries: number;
  onHits?: (n: number) => void;
  onMisses?: (n: number) => void;
}

/** A QueueError as the routes' HttpError (same status, code, message, Retry-After). */
export function httpErrorOf(error: unknown): unknown {
  return error instanceof QueueError ? new HttpError(error.status, error.code, error.message, error.headers) : error;
}

export function createQueueScorer(options: QueueScorerOptions): Scorer {
  const { queue } = options;
  const cache = options.cacheEntries > 0 ? createResultCache(options.cacheEntries, options.onHits, options.onMisses) : null;

  async function score(model: { checksum: string; features: readonly string[]; nScores: number }, X: Float64Array, n: number): Promise<Scored> {
    const d = model.features.length;
    const m = model.nScores;
    const shape = { checksum: model.checksum, nFeatures: d, nScores: m };
    if (cache === null) return queue.score(shape, X, n).catch((error: unknown) => Promise.reject(httpErrorOf(error)));
    const pass = cache.lookup(model.checksum, d, m, X, n);
    if (pass.missing.length === 0) return pass.fill({ predictions: new Int32Array(0), scores: new Float64Array(0) });
    let fresh: Scored;
    try {
      fresh = await queue.score(shape, pass.rows, pass.missing.length);
    } catch (error) {
      throw httpErrorOf(error);
    }
    return pass.fill(fresh);
  }

  return {
    async run(task) {
      try {
        const parsed = await parseTask(task);
        const scored = await score(task.model as typeof task.model & { checksum: string }, parsed.X, parsed.n);
        return { ok: true, body: Buffer.from(formatTask(task, parsed, scored, parsed.n), 'utf8'), rows: parsed.n };
      } catch (error) {
        return { ok: false, error: errorData(httpErrorOf(error)) as HttpErrorData };
      }
    },
    parse: (task) => parseTask(task),
    score: (model, X, n) => score({ checksum: model.checksum, features: model.features, nScores: model.nScores }, X, n),
    queueDepth: () => queue.depth(),
    async close() {
      await queue.close();
    },
  };
}
