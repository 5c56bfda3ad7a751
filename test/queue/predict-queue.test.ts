/**
 * `iris worker` and `iris predict --queue` against a real Redis (started here) and real worker
 * processes: byte-identical output, a worker killed mid-chunk, poison data, an evicting Redis,
 * a graceful stop and a job for another model.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IRIS_CSV, ROOT, iris, tempDir } from '../helpers/cli.js';
import { QUEUE_ENV, killAll, spawnIris, startWorker, writeBigCsv } from '../helpers/queue.js';
import { haveRedis, startRedis, type RedisServer } from '../helpers/redis.js';
import { pauseInJob } from './held-job.js';

const dir = tempDir('iris-queue-');
const model = join(dir, 'm.json');
const big = join(dir, 'big.csv');
const ROWS = 12_000;
let redis: RedisServer;

beforeAll(async () => {
  if (!haveRedis()) throw new Error('redis-server is not installed (apt-get install -y redis-server; .ci/run does it)');
  redis = await startRedis();
  const trained = await iris(['train', '--data', IRIS_CSV, '--out', model, '-q']);
  expect(trained.exitCode, trained.stderr).toBe(0);
  writeBigCsv(big, ROWS);
}, 60_000);

afterEach(async () => {
  await killAll();
});

afterAll(async () => {
  await killAll();
  await redis?.destroy();
});

async function local(args: string[]) {
  const result = await iris(['predict', '--model', model, ...args]);
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout;
}

function queued(args: string[], env: Record<string, string> = {}) {
  return iris(['predict', '--model', model, '--queue', redis.url, ...args], { env: { ...QUEUE_ENV, ...env } });
}

describe('iris predict --queue', () => {
  it('writes the bytes a local predict writes, in every format, with two workers', async () => {
    await startWorker(redis.url, model, { args: ['--concurrency', '2'] });
    await startWorker(redis.url, model, { args: ['--concurrency', '1'] });
    const cases = [
      ['--format', 'csv', '--with-input', '--scores'],
      ['--format', 'json', '--scores'],
      ['--format', 'jsonl', '--with-input'],
      ['--format', 'text'],
    ];
    for (const options of cases) {
      const expected = await local(['--input', big, ...options]);
      const result = await queued(['--input', big, '--chunk-rows', '700', ...options]);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout.length).toBe(expected.length);
      expect(result.stdout === expected, `output differs for ${options.join(' ')}`).toBe(true);
    }
    // Without a header, and with a BOM and blank lines: the same again.
    const bare = join(dir, 'bare.csv');
    const rows = readFileSync(IRIS_CSV, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').slice(0, 4).join(','));
    writeFileSync(bare, `\ufeff${rows.join('\n')}\n\n${rows.join('\r\n')}\n`);
    const expected = await local(['--input', bare, '--scores', '--format', 'csv']);
    const result = await queued(['--input', bare, '--chunk-rows', '50', '--scores', '--format', 'csv']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(expected);
  }, 180_000);

  it('scores a table model (words, gaps, an unknown category) as a local predict does', async () => {
    const penguins = join(dir, 'penguins.json');
    const trained = await iris(['train', '--data', join(ROOT, 'data', 'penguins.csv'), '--target', 'species', '--impute', 'mean', '--out', penguins, '-q']);
    expect(trained.exitCode, trained.stderr).toBe(0);
    // The file without its label column; one island the model never saw.
    const [header, ...lines] = readFileSync(join(ROOT, 'data', 'penguins.csv'), 'utf8')
      .trim()
      .split('\n');
    const drop = (line: string) => line.split(',').slice(1).join(',');
    const input = join(dir, 'penguins-in.csv');
    writeFileSync(input, [drop(header!), ...lines.map(drop)].join('\n').replace('Torgersen', 'Atlantis') + '\n');
    await startWorker(redis.url, penguins);
    const expected = await iris(['predict', '--model', penguins, '--input', input, '--scores', '--format', 'csv']);
    expect(expected.exitCode, expected.stderr).toBe(0);
    expect(expected.stderr).toMatch(/Atlantis/);
    const result = await iris(['predict', '--model', penguins, '--queue', redis.url, '--input', input, '--chunk-rows', '50', '--scores', '--format', 'csv'], {
      env: QUEUE_ENV,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(expected.stdout);
  }, 120_000);

  it('writes --output atomically, and an empty input gives what a local run gives', async () => {
    await startWorker(redis.url, model);
    const out = join(dir, 'out.csv');
    const result = await queued(['--input', big, '--chunk-rows', '5000', '--format', 'csv', '--output', out]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(await local(['--input', big, '--format', 'csv']));
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, 'sepal_length,sepal_width,petal_length,petal_width\n');
    for (const format of ['csv', 'json', 'text']) {
      const q = await queued(['--input', empty, '--format', format]);
      expect(q.exitCode, q.stderr).toBe(0);
      expect(q.stdout).toBe(await local(['--input', empty, '--format', format]));
    }
  }, 120_000);

  it('survives a worker killed in the middle of a chunk: another worker takes it, no row twice', async () => {
    const doomed = await startWorker(redis.url, model, { args: ['--concurrency', '1'] });
    const options = ['--input', big, '--format', 'jsonl', '--with-input', '--scores'];
    const expected = await local(options);
    const run = queued([...options, '--chunk-rows', '1500']);
    // Paused while it holds a chunk (BullMQ says the chunk is active), then killed: surely mid-chunk.
    const held = await pauseInJob(doomed, redis.url, model);
    doomed.kill('SIGKILL');
    await doomed.exited;
    const rescuer = await startWorker(redis.url, model);
    const result = await run;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout === expected, 'output differs from a local run').toBe(true);
    const ids = result.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    expect(new Set(ids).size).toBe(ROWS);
    // The chunk the killed worker held was scored by the rescuer, as a second start of that job.
    // (More than once only if a busy machine let the rescuer's own lock lapse: harmless, results are read once.)
    const redone = rescuer.logs('job started').filter((entry) => entry.job === held);
    expect(redone.length).toBeGreaterThanOrEqual(1);
    expect(Number(redone[0]?.attempt)).toBeGreaterThanOrEqual(2);
  }, 180_000);

  it('fails a chunk of poison data with the line of the original file; exit 3, nothing under --output', async () => {
    const worker = await startWorker(redis.url, model, { args: ['--concurrency', '2'] });
    const lines = readFileSync(big, 'utf8').split('\n');
    // A record that starts at a line of its own near line 9000 (physical lines count the line
    // breaks inside quoted ids).
    const at = lines.findIndex((line, i) => i >= 9000 && /^r\d+,/.test(line));
    lines[at] = 'r-bad,5.1,abc,1.4,0.2,setosa';
    const poison = join(dir, 'poison.csv');
    writeFileSync(poison, lines.join('\n'));
    const localRun = await iris(['predict', '--model', model, '--input', poison]);
    expect(localRun.exitCode).toBe(3);
    const out = join(dir, 'poison-out', 'p.txt');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'poison-out'), { recursive: true });
    const result = await queued(['--input', poison, '--chunk-rows', '1000', '--output', out]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`${poison}:${at + 1}: column sepal_width: "abc" is not a number`);
    expect(result.stderr.split('\n')[0]).toBe(localRun.stderr.split('\n')[0]);
    expect(readdirSync(join(dir, 'poison-out'))).toEqual([]);
    // One job failed (not retried); the chunks before it were scored.
    await worker.waitFor(/"msg":"job failed"/);
    expect(worker.logs('job failed').length).toBe(1);
    expect(worker.logs('job done').length).toBeGreaterThanOrEqual(8);
  }, 120_000);

  it('a worker given SIGTERM finishes the job in hand, then exits 0', async () => {
    const slow = await startWorker(redis.url, model, { args: ['--concurrency', '1'] });
    const options = ['--input', big, '--format', 'csv'];
    const run = queued([...options, '--chunk-rows', '4000']);
    // SIGTERM reaches the worker while it is paused holding a chunk; it finishes that chunk, takes no other.
    const held = await pauseInJob(slow, redis.url, model);
    slow.kill('SIGTERM');
    slow.kill('SIGCONT');
    const exit = await slow.exited;
    expect(exit.code).toBe(0);
    expect(slow.logs('job done').map((entry) => entry.job)).toContain(held);
    expect(slow.logs('job started').at(-1)?.job).toBe(held);
    const order = slow.stderr
      .split('\n')
      .map((line) => /"msg":"([^"]+)"/.exec(line)?.[1])
      .filter(Boolean);
    expect(order).toContain('stopping: finishing the jobs in hand');
    expect(order.at(-1)).toBe('worker stopped');
    await startWorker(redis.url, model);
    const result = await run;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout === (await local(options))).toBe(true);
  }, 120_000);

  it('a worker fails a job of another model at once (no retry), with the reason', async () => {
    const worker = await startWorker(redis.url, model);
    const { Queue, QueueEvents } = await import('bullmq');
    const { Redis } = await import('ioredis');
    const { checksum } = JSON.parse(readFileSync(model, 'utf8')) as { checksum: string };
    const name = checksum.slice('sha256:'.length, 'sha256:'.length + 12);
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(name, { connection, prefix: 'iris' });
    const events = new QueueEvents(name, { connection: new Redis(redis.url, { maxRetriesPerRequest: null }), prefix: 'iris' });
    try {
      await events.waitUntilReady();
      const rowsKey = `iris:${name}:test-rows`;
      await connection.set(rowsKey, Buffer.from(new Float64Array([5.1, 3.5, 1.4, 0.2]).buffer));
      const rowsJob = (checksumOf: string) => ({ kind: 'rows', checksum: checksumOf, n: 1, inputKey: rowsKey, resultKey: `iris:${name}:test-result` });
      const job = await queue.add('rows', rowsJob(`sha256:${'0'.repeat(64)}`), { attempts: 3 });
      await expect(job.waitUntilFinished(events)).rejects.toThrow(/is for model sha256:000000000000.*this worker serves/);
      const failed = await queue.getJob(job.id as string);
      expect(failed?.attemptsMade).toBe(1);
      // And a job for its own model is scored.
      const good = await queue.add('rows', rowsJob(checksum));
      expect(await good.waitUntilFinished(events)).toEqual({ rows: 1 });
      const answer = (await connection.getBuffer(`iris:${name}:test-result`)) as Buffer;
      expect(answer.readInt32LE(0)).toBe(0); // setosa
    } finally {
      await events.close();
      await queue.close();
      connection.disconnect();
    }
    expect(worker.child.exitCode).toBe(null);
  }, 60_000);
});

describe('an evicting Redis', () => {
  let lru: RedisServer;
  beforeAll(async () => {
    lru = await startRedis({ policy: 'allkeys-lru' });
  });
  afterAll(async () => {
    await lru?.destroy();
  });

  it('makes the worker and predict --queue refuse to start, exit 3, naming the setting', async () => {
    const worker = spawnIris(['worker', '--queue', lru.url, '--model', model]);
    const exit = await worker.exited;
    expect(exit.code).toBe(3);
    expect(worker.stderr).toMatch(/iris: error: .*maxmemory-policy allkeys-lru.*noeviction/);
    const result = await iris(['predict', '--model', model, '--queue', lru.url, '--input', big]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/maxmemory-policy allkeys-lru/);
    expect(result.stdout).toBe('');
  }, 60_000);
});

describe('usage', () => {
  it('refuses a URL that is not redis:// (exit 2) and --chunk-rows without --queue', async () => {
    const worker = await iris(['worker', '--queue', 'http://localhost:6379', '--model', model]);
    expect(worker.exitCode).toBe(2);
    expect(worker.stderr).toContain('expected a redis:// or rediss:// URL');
    const noQueue = await iris(['worker', '--model', model]);
    expect(noQueue.exitCode).toBe(2);
    const chunk = await iris(['predict', '--model', model, '--input', big, '--chunk-rows', '10']);
    expect(chunk.exitCode).toBe(2);
  });

  it('local predict --output writes the file stdout would get; a failed run leaves none', async () => {
    const out = join(dir, 'local-out.jsonl');
    const result = await iris(['predict', '--model', model, '--input', big, '--format', 'jsonl', '--output', out]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(await local(['--input', big, '--format', 'jsonl']));
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'sepal_length,sepal_width,petal_length,petal_width\n1,2,3,4\n1,x,3,4\n');
    const failed = await iris(['predict', '--model', model, '--input', bad, '--output', join(dir, 'never.txt')]);
    expect(failed.exitCode).toBe(3);
    expect(readdirSync(dir).filter((name) => name.includes('never'))).toEqual([]);
  });
});
