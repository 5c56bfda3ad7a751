/**
 * `iris serve --queue` as a process, with a real Redis and real `iris worker`s: the same answers as
 * the embedded mode, 503 QUEUE_DOWN + Retry-After while Redis is stopped and readiness that comes
 * back by itself, jobs accepted before a Redis restart or a server restart still answered, 502 when
 * a worker fails a job, exit 3 on an evicting Redis.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IRIS_CSV, iris, tempDir } from '../helpers/cli.js';
import { killAll, spawnIris, startWorker } from '../helpers/queue.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { CSV_TYPE, JSON_TYPE, call, eventually, startServer, type Server } from '../helpers/serve.js';

const dir = tempDir('iris-serve-queue-');
const model = join(dir, 'm.json');
let redis: RedisServer;
const servers: Server[] = [];
const csv = readFileSync(IRIS_CSV, 'utf8');

async function serve(args: string[] = []): Promise<Server> {
  const server = await startServer(['--queue', redis.url, '--model', model, '--log-level', 'warn', ...args], { IRIS_QUEUE_LOCK_MS: '2000' });
  servers.push(server);
  return server;
}

beforeAll(async () => {
  redis = await startRedis();
  const trained = await iris(['train', '--data', IRIS_CSV, '--out', model, '-q']);
  expect(trained.exitCode, trained.stderr).toBe(0);
}, 60_000);

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.proc.kill('SIGKILL');
    await server.exited;
  }
  await killAll();
});

afterAll(async () => {
  await redis?.destroy();
});

describe('iris serve --queue', () => {
  it('answers as the embedded mode does, with the scoring done by workers', async () => {
    await startWorker(redis.url, model);
    const queued = await serve();
    const embedded = await startServer(['--model', model, '--log-level', 'warn']);
    servers.push(embedded);
    expect((await call(queued.url, 'GET', '/v2/health/ready')).status).toBe(200);
    const bodies = [
      { path: '/invocations', headers: CSV_TYPE, body: csv },
      {
        path: '/invocations',
        headers: JSON_TYPE,
        body: JSON.stringify({
          instances: [
            [5.1, 3.5, 1.4, 0.2],
            [6.9, 3.1, 5.4, 2.1],
          ],
        }),
      },
      {
        path: '/v2/models/m/infer',
        headers: JSON_TYPE,
        body: JSON.stringify({ inputs: [{ name: 'input-0', datatype: 'FP64', shape: [1, 4], data: [5.9, 3.0, 4.2, 1.5] }] }),
      },
    ];
    for (const { path, headers, body } of bodies) {
      const [a, b] = await Promise.all([call(queued.url, 'POST', path, { headers, body }), call(embedded.url, 'POST', path, { headers, body })]);
      expect(a.status, a.text).toBe(200);
      expect(a.text).toBe(b.text);
    }
    // Many requests at once: gathered into micro-batches, each answered with its own rows.
    const rows = csv
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').slice(0, 4).map(Number));
    const answers = await Promise.all(
      rows.map((row) => call(queued.url, 'POST', '/invocations', { headers: JSON_TYPE, body: JSON.stringify({ instances: [row] }) })),
    );
    const whole = (await call(embedded.url, 'POST', '/invocations', { headers: CSV_TYPE, body: csv })).json().predictions as unknown[];
    answers.forEach((answer, i) => expect(answer.json().predictions[0]).toEqual(whole[i]));
  }, 120_000);

  it('Redis stopped and restarted: 503 QUEUE_DOWN + Retry-After meanwhile, readiness recovers, no accepted job lost', async () => {
    const server = await serve();
    // No worker yet: the job waits in Redis through the restart.
    const submitted = await call(server.url, 'POST', '/v1/jobs?scores=true', { headers: CSV_TYPE, body: csv });
    expect(submitted.status).toBe(202);
    const { id } = submitted.json() as { id: string };
    await redis.stop();
    await eventually(async () => (await call(server.url, 'GET', '/v2/health/ready')).status === 503, 'readiness 503');
    const refused = await call(server.url, 'POST', '/invocations', { headers: JSON_TYPE, body: JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] }) });
    expect(refused.status).toBe(503);
    expect(refused.json().code).toBe('QUEUE_DOWN');
    expect(refused.headers['retry-after']).toBe('1');
    expect((await call(server.url, 'GET', '/v2/health/live')).status).toBe(200);
    await redis.start();
    // Redis answers again; readiness waits for a worker too (none runs yet).
    await eventually(async () => (await call(server.url, 'GET', '/v2/health/ready')).json().reason === 'no worker', 'Redis back');
    await startWorker(redis.url, model);
    await eventually(async () => (await call(server.url, 'GET', '/v2/health/ready')).status === 200, 'readiness back');
    const done = await call(server.url, 'GET', `/v1/jobs/${id}?wait=30000`);
    expect(done.json()).toMatchObject({ id, status: 'done', rows: 150, progress: 1 });
    const result = await call(server.url, 'GET', `/v1/jobs/${id}/result`, { headers: { accept: 'text/csv' } });
    expect(result.status).toBe(200);
    expect(result.text.split('\n')[0]).toBe('prediction,score_setosa,score_versicolor,score_virginica');
    expect(result.text.trim().split('\n')).toHaveLength(151);
  }, 180_000);

  it('a server restarted while jobs are queued still answers GET /v1/jobs/{id}; a resubmission is not queued twice', async () => {
    const first = await serve();
    const body = csv.split('\n').slice(0, 50).join('\n') + '\n';
    const submitted = await call(first.url, 'POST', '/v1/jobs', { headers: CSV_TYPE, body });
    const { id } = submitted.json() as { id: string };
    first.proc.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    const second = await serve();
    const queued = await call(second.url, 'GET', `/v1/jobs/${id}`);
    expect(queued.status).toBe(200);
    expect(queued.json()).toMatchObject({ id, status: 'queued', rows: 49 });
    expect((await call(second.url, 'GET', `/v1/jobs/${id}/result`)).status).toBe(409);
    const again = await call(second.url, 'POST', '/v1/jobs', { headers: CSV_TYPE, body });
    expect(again.status).toBe(202);
    expect(again.json().id).toBe(id);
    await startWorker(redis.url, model);
    expect((await call(second.url, 'GET', `/v1/jobs/${id}?wait=30000`)).json().status).toBe('done');
    expect((await call(second.url, 'GET', '/v1/jobs/nope')).status).toBe(404);
  }, 120_000);

  it('a job the worker fails is 502 WORKER_FAILED with the reason', async () => {
    const server = await serve();
    // A worker of the same model that finds the rows gone: it fails the job (UnrecoverableError).
    // It is paused (SIGSTOP) until the rows are deleted, as soon as they are written.
    const worker = await startWorker(redis.url, model);
    // The server sees the worker (readiness), then the worker is paused.
    await eventually(async () => (await call(server.url, 'GET', '/v2/health/ready')).status === 200, 'readiness with a worker');
    worker.kill('SIGSTOP');
    const { Redis } = await import('ioredis');
    const spy = new Redis(redis.url);
    const subscriber = new Redis(redis.url);
    try {
      await subscriber.config('SET', 'notify-keyspace-events', 'K$');
      await subscriber.psubscribe('__keyspace@0__:iris:*:rows:*');
      const deleted = new Promise<void>((resolve) =>
        subscriber.on('pmessage', (_pattern, channel) => void spy.del(channel.replace('__keyspace@0__:', '')).then(() => resolve())),
      );
      // More than 64 KiB of rows: they wait under a key (a smaller batch carries them in the job).
      const instances = Array.from({ length: 3000 }, () => [5.1, 3.5, 1.4, 0.2]);
      const pending = call(server.url, 'POST', '/invocations', { headers: JSON_TYPE, body: JSON.stringify({ instances }) });
      await deleted;
      worker.kill('SIGCONT');
      const answer = await pending;
      expect(answer.status).toBe(502);
      expect(answer.json()).toMatchObject({ code: 'WORKER_FAILED' });
      expect(answer.json().error).toMatch(/gone from Redis/);
    } finally {
      worker.kill('SIGCONT');
      subscriber.disconnect();
      spy.disconnect();
    }
  }, 60_000);

  it('refuses an evicting Redis at start: exit 3 naming the setting', async () => {
    const lru = await startRedis({ policy: 'allkeys-lru' });
    try {
      const server = spawnIris(['serve', '--queue', lru.url, '--model', model, '--port', '0']);
      expect((await server.exited).code).toBe(3);
      expect(server.stderr).toMatch(/maxmemory-policy allkeys-lru/);
    } finally {
      await lru.destroy();
    }
  }, 60_000);
});
