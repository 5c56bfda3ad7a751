/** The in-memory job store of the embedded mode: ids, waiting, and removal after --job-ttl. */
import { describe, expect, it } from 'vitest';
import { JobStore, jobId, type Job } from '../../src/serve/jobs.js';

const shape = { features: ['a'], classes: ['x', 'y'], nScores: 1 };
const job = (id: string): Job => ({ id, status: 'queued', rows: 1, progress: 0, withScores: true, checksum: 'sha256:0', shape });

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
    const store = new JobStore(60_000);
    try {
      const running = job('r');
      const done = job('d');
      store.add(running);
      store.add(done);
      const waiting = store.wait('d', 60_000);
      done.status = 'done';
      store.changed(done);
      await waiting;
      const finishedAt = done.finishedAt as number;
      store.sweep(finishedAt + 59_999);
      expect(store.get('d')).toBe(done);
      store.sweep(finishedAt + 60_000);
      expect(store.get('d')).toBeUndefined();
      expect(store.get('r')).toBe(running);
      expect(store.counts()).toEqual({ queued: 1, running: 0, done: 0, failed: 0 });
    } finally {
      store.close();
    }
  });
});
