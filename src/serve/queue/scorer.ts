/**
 * The queue mode's Scorer (the interface the routes call): bodies are parsed and answers formatted
 * in the server, rows are scored by `iris worker`s through ServerQueue's micro-batches, with the
 * result cache in front (on by default here: a cache hit saves a Redis round trip, which costs far
 * more than scoring a row).
 */
import { LRUCache } from 'lru-cache';
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
  const lru = options.cacheEntries > 0 ? new LRUCache<string, Float64Array>({ max: options.cacheEntries }) : null;

  async function score(model: { checksum: string; features: readonly string[]; nScores: number }, X: Float64Array, n: number): Promise<Scored> {
    const d = model.features.length;
    const m = model.nScores;
    const shape = { checksum: model.checksum, nFeatures: d, nScores: m };
    if (lru === null) return queue.score(shape, X, n).catch((error: unknown) => Promise.reject(httpErrorOf(error)));
    // Keyed by the model checksum and the row's exact float64 bits, as the embedded mode's cache.
    const predictions = new Int32Array(n);
    const scores = new Float64Array(n * m);
    const bytes = Buffer.from(X.buffer, X.byteOffset, n * d * 8);
    const missing: number[] = [];
    const keys: string[] = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const key = model.checksum + bytes.toString('latin1', i * d * 8, (i + 1) * d * 8);
      keys[i] = key;
      const hit = lru.get(key);
      if (hit === undefined) missing.push(i);
      else {
        predictions[i] = hit[m] as number;
        scores.set(hit.subarray(0, m), i * m);
      }
    }
    options.onHits?.(n - missing.length);
    options.onMisses?.(missing.length);
    if (missing.length > 0) {
      const sub = new Float64Array(missing.length * d);
      missing.forEach((i, k) => sub.set(X.subarray(i * d, (i + 1) * d), k * d));
      let fresh: Scored;
      try {
        fresh = await queue.score(shape, sub, missing.length);
      } catch (error) {
        throw httpErrorOf(error);
      }
      missing.forEach((i, k) => {
        const entry = new Float64Array(m + 1);
        entry.set(fresh.scores.subarray(k * m, (k + 1) * m));
        entry[m] = fresh.predictions[k] as number;
        predictions[i] = fresh.predictions[k] as number;
        scores.set(entry.subarray(0, m), i * m);
        lru.set(keys[i] as string, entry);
      });
    }
    return { predictions, scores };
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
