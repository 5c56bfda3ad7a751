/**
 * `iris tune --queue` and `iris cv --queue` with `iris worker --fits` processes on a real Redis:
 * the reports equal one thread's, with two workers and with a worker killed mid-search (its fit
 * comes back through BullMQ's stall detection); no worker is a one-line error.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, iris, tempDir } from '../helpers/cli.js';
import { QUEUE_ENV, killAll, spawnIris, type Proc } from '../helpers/queue.js';
import { haveRedis, startRedis, type RedisServer } from '../helpers/redis.js';

const dir = tempDir('iris-selection-queue-');
copyFileSync(join(ROOT, 'fixtures', 'selection', 'wine.csv'), join(dir, 'wine.csv'));
let redis: RedisServer;
const GRID = ['--grid', 'eta0=0.01,0.1,1 penalty=l2,l1,elasticnet alpha=0.0001,0.01', '--folds', '4', '--cv-shuffle'];

beforeAll(async () => {
  if (!haveRedis()) throw new Error('redis-server is not installed (apt-get install -y redis-server; .ci/run does it)');
  redis = await startRedis();
}, 60_000);
afterEach(async () => {
  await killAll();
});
afterAll(async () => {
  await killAll();
  await redis?.destroy();
});

async function fitWorker(): Promise<Proc> {
  const worker = spawnIris(['worker', '--queue', redis.url, '--fits', '--log-level', 'debug'], QUEUE_ENV);
  await worker.waitFor(/"msg":"worker ready"/);
  return worker;
}

/** Deterministic overlapping classes: `rows` rows of 20 features and a label. */
function writeRows(path: string, rows: number): void {
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines = [`${Array.from({ length: 20 }, (_, j) => `f${j}`).join(',')},label`];
  for (let i = 0; i < rows; i++) {
    const c = i % 3;
    lines.push(`${Array.from({ length: 20 }, (_, j) => (next() * 4 + (j % 3 === c ? 0.8 : 0)).toFixed(4)).join(',')},c${c}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

describe('fits on iris workers', () => {
  it('tune --queue with two workers prints what --threads 1 prints', async () => {
    const local = await iris(['tune', '--data', 'wine.csv', ...GRID, '--threads', '1', '--out', 'local.json', '--json'], { cwd: dir });
    expect(local.exitCode, local.stderr).toBe(0);
    const workers = [await fitWorker(), await fitWorker()];
    const queued = await iris(['tune', '--data', 'wine.csv', ...GRID, '--queue', redis.url, '--out', 'local.json', '--json'], { cwd: dir, env: QUEUE_ENV });
    expect(queued.exitCode, queued.stderr).toBe(0);
    expect(queued.stdout).toBe(local.stdout);
    // Both took fits.
    for (const w of workers) expect(w.logs('fit done').length).toBeGreaterThan(0);
  }, 120_000);

  it('a worker killed mid-fit loses nothing: its fit is redone by another, and cv --queue still equals one thread', async () => {
    // Rows enough that a fit takes a while, so the kill lands inside one.
    writeRows(join(dir, 'big.csv'), 20_000);
    const args = ['cv', '--data', 'big.csv', '--folds', '8', '--penalty', 'l1', '--json'];
    const local = await iris(args, { cwd: dir });
    expect(local.exitCode, local.stderr).toBe(0);
    const doomed = await fitWorker();
    const survivor = await fitWorker();
    const queued = iris([...args, '--queue', redis.url], { cwd: dir, env: QUEUE_ENV });
    await doomed.waitFor(/"msg":"fit started"/);
    doomed.kill('SIGKILL');
    await doomed.exited;
    const result = await queued;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(local.stdout);
    const ids = (p: Proc, msg: string) => new Set(p.logs(msg).map((l) => String(l['job'])));
    const inHand = [...ids(doomed, 'fit started')].filter((id) => !ids(doomed, 'fit done').has(id));
    expect(inHand.length).toBeGreaterThan(0);
    for (const id of inHand) expect(ids(survivor, 'fit done').has(id)).toBe(true);
  }, 180_000);

  it('no worker: exit 3 naming the queue, once --connect-timeout has passed', async () => {
    const result = await iris(['cv', '--data', 'wine.csv', '--queue', redis.url, '--connect-timeout', '1500'], { cwd: dir });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/^iris: error: no `iris worker --fits` is taking jobs on redis:\/\/127\.0\.0\.1:\d+/);
  }, 60_000);
});
