/**
 * The server's side of the queue mode (src/queue's client and batcher, serve's Redis job store) against a real
 * Redis and a real `iris worker` process: answers equal local scoring, 503 QUEUE_DOWN while Redis is
 * stopped and recovery by itself, an accepted job that survives both a Redis restart (AOF) and a
 * restart of the server side.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coefRows } from '../../src/core/linear.js';
import { matrix } from '../../src/core/matrix.js';
import { loadModel, type Model } from '../../src/lib/model.js';
import { Batcher } from '../../src/queue/batcher.js';
import { QueueClient } from '../../src/queue/client.js';
import type { QueueError } from '../../src/queue/errors.js';
import { RedisJobStore } from '../../src/serve/jobs/redis.js';
import { IRIS_CSV, iris, tempDir } from '../helpers/cli.js';
import { killAll, startWorker } from '../helpers/queue.js';
import { eventually } from '../helpers/serve.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

const dir = tempDir('iris-server-queue-');
const modelPath = join(dir, 'm.json');
let redis: RedisServer;
let model: Model;
let rows: Float64Array;
let nRows: number;

beforeAll(async () => {
  redis = await startRedis();
  const trained = await iris(['train', '--data', IRIS_CSV, '--out', modelPath, '-q']);
  expect(trained.exitCode, trained.stderr).toBe(0);
  model = await loadModel(modelPath);
  const lines = readFileSync(IRIS_CSV, 'utf8').trim().split('\n').slice(1);
  nRows = lines.length;
  rows = Float64Array.from(lines.flatMap((line) => line.split(',').slice(0, 4).map(Number)));
}, 60_000);

afterAll(async () => {
  await killAll();
  await redis?.destroy();
});

/** The server side of the queue mode, as serve --queue opens it. */
async function open() {
  const client = await QueueClient.open({ url: redis.url, connectMs: 10_000 });
  const batcher = new Batcher(client);
  const jobs = new RedisJobStore({ client, ttlMs: 3_600_000, checksums: () => [model.checksum] });
  return {
    client,
    batcher,
    jobs,
    async close() {
      await batcher.close();
      await client.close();
    },
  };
}

describe('the server side of the queue mode', () => {
  it('gathers concurrent requests into few jobs and answers each with its own rows, as local scoring does', async () => {
    await startWorker(redis.url, modelPath);
    const queue = await open();
    try {
      const expected = model.scoreRows(matrix(rows, nRows, 4));
      const d = 4;
      const m = coefRows(model.classes.length);
      const requests = Array.from({ length: 200 }, (_, k) => {
        const start = k % nRows;
        const n = 1 + (k % 7);
        const end = Math.min(start + n, nRows);
        return { start, n: end - start };
      });
      const answers = await Promise.all(requests.map(({ start, n }) => queue.batcher.score(model, rows.slice(start * d, (start + n) * d), n)));
      // 200 requests in one turn of the event loop: one batch (it leaves at the end of the turn).
      expect(queue.batcher.sent.batches).toBe(1);
      requests.forEach(({ start, n }, k) => {
        expect(Array.from(answers[k]!.predictions)).toEqual(Array.from(expected.predictions.subarray(start, start + n)));
        expect(Array.from(answers[k]!.scores)).toEqual(Array.from(expected.scores.subarray(start * m, (start + n) * m)));
      });
    } finally {
      await queue.close();
    }
  }, 120_000);

  it('answers 503 QUEUE_DOWN while Redis is stopped, recovers by itself, and loses no accepted job', async () => {
    const queue = await open();
    let second: Awaited<ReturnType<typeof open>> | undefined;
    try {
      // No worker for a while: the job waits in Redis across the restart.
      await killAll();
      const job = await queue.jobs.submit({ id: 'job-across-restarts', model, mediaType: 'text/csv', withScores: true, rows: { X: rows, n: nRows } });
      expect(job.status).toBe('queued');
      await redis.stop();
      await eventually(() => !queue.client.up, 'readiness turns false');
      const refused = await queue.batcher.score(model, rows.slice(0, 4), 1).then(
        () => undefined,
        (error: QueueError) => error,
      );
      expect(refused?.status).toBe(503);
      expect(refused?.code).toBe('QUEUE_DOWN');
      expect(refused?.headers['retry-after']).toBe('1');
      await redis.start();
      await eventually(() => queue.client.up, 'readiness comes back');
      // The server side restarts too: the job is found in Redis by the new one.
      await queue.close();
      second = await open();
      expect((await second.jobs.get('job-across-restarts'))?.status).toBe('queued');
      await startWorker(redis.url, modelPath);
      const done = await second.jobs.wait('job-across-restarts', 60_000);
      expect(done?.status).toBe('done');
      const { scored } = await second.jobs.result('job-across-restarts');
      const expected = model.scoreRows(matrix(rows, nRows, 4));
      expect(Array.from(scored.predictions)).toEqual(Array.from(expected.predictions));
      expect(Array.from(scored.scores)).toEqual(Array.from(expected.scores));
      // A resubmission is not computed again.
      const again = await second.jobs.submit({ id: 'job-across-restarts', model, mediaType: 'text/csv', withScores: true, rows: { X: rows, n: nRows } });
      expect(again.status).toBe('done');
      // And micro-batches work again.
      const answer = await second.batcher.score(model, rows.slice(0, 8), 2);
      expect(Array.from(answer.predictions)).toEqual(Array.from(expected.predictions.subarray(0, 2)));
    } finally {
      await queue.close().catch(() => undefined);
      await second?.close();
    }
  }, 180_000);
});
