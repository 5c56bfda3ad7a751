/**
 * The queue mode's Scorer (the interface the routes call): bodies are parsed and answers formatted
 * in the server, rows are scored by `iris worker`s through src/queue's micro-batches, with the
 * result cache in front (on by default here: a cache hit saves a Redis round trip, which costs far
 * more than scoring a row). The queue's errors carry their HTTP status (503 QUEUE_DOWN, 502
 * WORKER_FAILED) and reach the client as they are thrown.
 */
import type { Batcher } from '../queue/batcher.js';
import type { QueueClient } from '../queue/client.js';
import type { Model } from '../lib/model.js';
import { createResultCache } from './cache.js';
import type { Scored } from './codec/format.js';
import { isStatusError } from './errors.js';
import { nScores } from './model.js';
import type { Scorer } from './scorer.js';
import { answerOf, parseTask } from './work.js';

export interface QueueScorerOptions {
  client: QueueClient;
  batcher: Batcher;
  /** Result-cache entries; 0 turns the cache off. */
  cacheEntries: number;
  onHits?: (n: number) => void;
  onMisses?: (n: number) => void;
}

export function createQueueScorer(options: QueueScorerOptions): Scorer {
  const { batcher, client } = options;
  const cache = options.cacheEntries > 0 ? createResultCache(options.cacheEntries, options.onHits, options.onMisses) : null;

  /** Why rows cannot be scored now (readiness and the error a prediction gets), or undefined. */
  const notReady = () =>
    !client.up ? { reason: 'queue down', error: client.down() } : client.noWorker ? { reason: 'no worker', error: client.noWorkerError() } : undefined;

  async function score(model: Model, X: Float64Array, n: number): Promise<Scored> {
    // No worker: 503 at once, not a wait for --timeout (cache hits could still be answered, but one answer a state is simpler to rely on).
    const not = notReady();
    if (not !== undefined) throw not.error;
    if (cache === null) return batcher.score(model, X, n);
    const pass = cache.lookup(model.checksum, model.inputs.length, nScores(model), X, n);
    if (pass.missing.length === 0) return pass.fill({ predictions: new Int32Array(0), scores: new Float64Array(0) });
    return pass.fill(await batcher.score(model, pass.rows, pass.missing.length));
  }

  return {
    async run(task) {
      try {
        const parsed = await parseTask(task);
        const scored = await score(task.model, parsed.X, parsed.n);
        const { body, headerLength } = answerOf(task, parsed, scored, true);
        return { ok: true, body, rows: parsed.n, ...(headerLength === undefined ? {} : { headerLength }) };
      } catch (error) {
        if (!isStatusError(error)) throw error;
        return {
          ok: false,
          error: { status: error.status, code: error.code, message: error.message, ...(error.line === undefined ? {} : { line: error.line }) },
        };
      }
    },
    parse: (task) => parseTask(task),
    score: (model, X, n) => score(model, X, n),
    queueDepth: () => batcher.depth(),
    notReady,
    async close() {
      await batcher.close();
      await client.close();
    },
  };
}
