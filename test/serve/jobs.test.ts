/** The in-memory job store of the embedded mode: ids, waiting, and removal after --job-ttl. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryJobStore } from '../../src/serve/jobs/memory.js';
import { jobId } from '../../src/serve/jobs/store.js';
import { loadModel } from '../../src/serve/model.js';
import type { Scorer } from '../../src/serve/scorer.js';
import { BIN, IRIS_CSV, tempDir } from '../helpers/cli.js';

const dir = tempDir('iris-serve-jobs-');
const MODEL = join(dir, 'iris.json');

beforeAll(() => {
  execFileSync(process.execPath, [BIN, 'train', '-q', '--data', IRIS_CSV, '--out', MODEL]);
});

/** A scorer whose answers wait until the test lets them go. */
function heldScorer() {
  const held: (() => void)[] = [];
  const scorer: Scorer = {
    run: () => Promise.reject(new Error('not used')),
    parse: () => Promise.reject(new Error('not used')),
    score: (_model, _X, n) => new Promise((resolve) => held.push(() => resolve({ predictions: new Int32Array(n), scores: new Float64Array(n * 3) }))),
    queueDepth: () => 0,
    close: async () => undefined,
  };
  return { scorer, release: () => held.splice(0).forEach((go) => go()) };
}

describe('jobs', () => {
  it('derives the id from the model, the media type, the scores choice and the body', () => {
    const body = Buffer.from('{"instances": [[1]]}');
    const id = jobId('sha256:a', 'application/json', true, body);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(jobId('sha256:a', 'application/json', true, Buffer.from(body))).toBe(id);
    expect(jobId('sha256:b', 'application/json', true, body)).not.toBe(id);
    expect(jobId('sha256:a', 'text/csv', true, body)).not.toBe(id);
    expect(jobId('sha256:a', 'application/json', false, body)).not.toBe(id);
    expect(jobId('sha256:a', 'application/json', true, Buffer.from('{"instances": [[2]]}'))).not.toBe(id);
  });

  it('wakes a waiting request when the job ends, and removes finished jobs after the ttl only', async () => {
    const model = await loadModel(MODEL);
    const { scorer, release } = heldScorer();
    const store = new MemoryJobStore({ ttlMs: 60_000, scorer });
    try {
      const rows = { X: new Float64Array(4), n: 1 };
      await store.submit({ id: 'r', model, mediaType: 'application/json', withScores: false, rows: { X: new Float64Array(8), n: 2 } });
      await new Promise((resolve) => setImmediate(resolve));
      release();
      await store.submit({ id: 'd', model, mediaType: 'application/json', withScores: false, rows });
      const waiting = store.wait('d', 60_000);
      await new Promise((resolve) => setImmediate(resolve));
      release();
      const done = await waiting;
      expect(done?.status).toBe('done');
      expect(done?.classes).toEqual(model.classes);
      const finishedAt = Date.now();
      store.sweep(finishedAt + 59_000);
      expect(await store.get('d')).toBeDefined();
      store.sweep(finishedAt + 61_000);
      expect(await store.get('d')).toBeUndefined();
      expect(await store.counts()).toEqual({ queued: 0, running: 0, done: 0, failed: 0 });
    } finally {
      await store.close();
    }
  });
});
