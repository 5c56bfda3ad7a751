/**
 * The result cache: one entry per distinct row of one model, keyed by the model checksum and the
 * row's exact float64 bits. Embedded mode (`--cache <n>`, off by default: scoring a row of a small
 * model costs less than the lookup) and queue mode (on by default: a hit saves a Redis round trip)
 * share it: `lookup` answers the rows it holds, the caller scores the rest its own way, `fill` stores them.
 */
import { LRUCache } from 'lru-cache';
import type { Model } from '../lib/model.js';
import type { Scored } from './codec/format.js';
import { nScores, scoreFlat } from './model.js';

/** One request's pass through the cache. */
export interface CachePass {
  /** Indices of the rows the cache did not hold. */
  missing: number[];
  /** Those rows, packed (missing.length x d). */
  rows: Float64Array;
  /** The whole answer, with `fresh` (the scores of `rows`) stored and merged in. */
  fill(fresh: Scored): Scored;
}

export interface ResultCache {
  lookup(checksum: string, d: number, m: number, X: Float64Array, n: number): CachePass;
  /** lookup, scoreFlat of the missing rows, fill: the embedded mode's synchronous path. */
  score(model: Model, X: Float64Array, n: number): Scored;
}

export function createResultCache(entries: number, onHits: (n: number) => void = () => {}, onMisses: (n: number) => void = () => {}): ResultCache {
  const lru = new LRUCache<string, Float64Array>({ max: entries });
  const lookup = (checksum: string, d: number, m: number, X: Float64Array, n: number): CachePass => {
    const predictions = new Int32Array(n);
    const scores = new Float64Array(n * m);
    const bytes = Buffer.from(X.buffer, X.byteOffset, n * d * 8);
    const missing: number[] = [];
    const keys: string[] = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const key = checksum + bytes.toString('latin1', i * d * 8, (i + 1) * d * 8);
      keys[i] = key;
      const hit = lru.get(key);
      if (hit === undefined) missing.push(i);
      else {
        predictions[i] = hit[m] as number;
        scores.set(hit.subarray(0, m), i * m);
      }
    }
    onHits(n - missing.length);
    onMisses(missing.length);
    const rows = new Float64Array(missing.length * d);
    missing.forEach((i, k) => rows.set(X.subarray(i * d, (i + 1) * d), k * d));
    return {
      missing,
      rows,
      fill(fresh) {
        missing.forEach((i, k) => {
          const entry = new Float64Array(m + 1);
          entry.set(fresh.scores.subarray(k * m, (k + 1) * m));
          entry[m] = fresh.predictions[k] as number;
          predictions[i] = fresh.predictions[k] as number;
          scores.set(entry.subarray(0, m), i * m);
          lru.set(keys[i] as string, entry);
        });
        return { predictions, scores };
      },
    };
  };
  return {
    lookup,
    score(model, X, n) {
      const pass = lookup(model.checksum, model.inputs.length, nScores(model), X, n);
      return pass.fill(
        pass.missing.length === 0 ? { predictions: new Int32Array(0), scores: new Float64Array(0) } : scoreFlat(model, pass.rows, pass.missing.length),
      );
    },
  };
}
