/**
 * The optional result cache (`--cache <n>`): one entry per distinct row of one model, keyed by the
 * model checksum and the row's exact float64 bits. Off by default: scoring a row of a small model
 * costs less than the lookup. It applies to rows scored on the event loop (small requests).
 */
import { LRUCache } from 'lru-cache';
import { scoreFlat, type Scored, type ScoringParams } from './model.js';

export interface ResultCache {
  score(checksum: string, params: ScoringParams, X: Float64Array, n: number): Scored;
}

export function createResultCache(entries: number, onHits: (n: number) => void, onMisses: (n: number) => void): ResultCache {
  const lru = new LRUCache<string, Float64Array>({ max: entries });
  return {
    score(checksum, params, X, n) {
      const d = params.nFeatures;
      const m = params.classes.length === 2 ? 1 : params.classes.length;
      const predictions = new Int32Array(n);
      const scores = new Float64Array(n * m);
      const bytes = Buffer.from(X.buffer, X.byteOffset, n * d * 8);
      const missing: number[] = [];
      const keys: string[] = new Array(n);
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
      if (missing.length > 0) {
        const sub = new Float64Array(missing.length * d);
        missing.forEach((i, k) => sub.set(X.subarray(i * d, (i + 1) * d), k * d));
        const fresh = scoreFlat(params, sub, missing.length);
        missing.forEach((i, k) => {
          predictions[i] = fresh.predictions[k] as number;
          const entry = new Float64Array(m + 1);
          entry.set(fresh.scores.subarray(k * m, (k + 1) * m));
          entry[m] = fresh.predictions[k] as number;
          scores.set(entry.subarray(0, m), i * m);
          lru.set(keys[i] as string, entry);
        });
      }
      return { predictions, scores };
    },
  };
}
