/**
 * Distributed `iris predict --queue` against a local `iris predict`: rows/s over a generated file of
 * 20-feature rows (default 1M), with 1 and 2 `iris worker` processes on a Redis started here (free
 * port, temporary folder, AOF on as in production). Every queued run's output is compared
 * byte for byte with the local run's.
 *
 *   npm run build && node bench/queue.mjs            (BENCH_QUEUE_ROWS=1000000, BENCH_QUEUE_RUNS=3)
 *
 * Read the figures with the machine in mind: on a 2-core machine the coordinator, the workers and
 * Redis share the same two cores, so a second worker cannot double anything; the queue mode is for
 * workers on other machines.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const BIN = join(ROOT, 'bin', 'iris.js');
const ROWS = Number(process.env.BENCH_QUEUE_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_QUEUE_RUNS ?? 3);
const CHUNK = process.env.BENCH_QUEUE_CHUNK ?? '50000';
const log = (text) => process.stderr.write(`${text}\n`);

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

function sha256(path) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path).on('data', (d) => hash.update(d)).on('end', () => resolve(hash.digest('hex'))).on('error', reject);
  });
}

function time(args, env = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`iris ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return seconds;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const work = mkdtempSync(join(tmpdir(), 'iris-bench-queue-'));
const children = [];
try {
  const data = join(ROOT, 'bench', 'data');
  mkdirSync(data, { recursive: true });
  const labelled = join(work, 'labelled.csv');
  const features = join(data, `queue-${ROWS}.csv`);
  log(`bench:queue: generating ${ROWS} rows …`);
  if (!existsSync(features)) {
    const gen = spawnSync(process.execPath, [join(BENCH, 'generate.mjs'), String(ROWS), labelled, features], { stdio: 'inherit' });
    if (gen.status !== 0) throw new Error('generate failed');
  } else {
    spawnSync(process.execPath, [join(BENCH, 'generate.mjs'), '20000', labelled], { stdio: 'inherit' });
  }
  const model = join(work, 'model.json');
  const trained = spawnSync(process.execPath, [BIN, 'train', '--data', labelled, '--out', model, '-q'], { stdio: 'inherit' });
  if (trained.status !== 0) throw new Error('train failed');

  const port = await freePort();
  const redisDir = join(work, 'redis');
  mkdirSync(redisDir);
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', redisDir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
  children.push(redis);
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().includes('PONG')) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const localOut = join(work, 'local.txt');
  const queueOut = join(work, 'queue.txt');
  const results = [];
  const localTimes = [];
  for (let r = 0; r < RUNS; r++) localTimes.push(time(['predict', '--model', model, '--input', features, '--output', localOut]));
  const expected = await sha256(localOut);
  results.push({ mode: 'local `iris predict`', workers: '-', seconds: median(localTimes) });
  log(`bench:queue: local ${median(localTimes).toFixed(2)} s`);

  const startWorker = async () => {
    const worker = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--model', model, '--concurrency', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(worker);
    let text = '';
    await new Promise((resolve, reject) => {
      worker.stderr.on('data', (d) => {
        text += d;
        if (text.includes('"worker ready"')) resolve();
      });
      worker.once('exit', () => reject(new Error(`worker exited: ${text}`)));
    });
  };
  for (const workers of [1, 2]) {
    await startWorker();
    const times = [];
    for (let r = 0; r < RUNS; r++) {
      times.push(time(['predict', '--model', model, '--input', features, '--queue', url, '--chunk-rows', CHUNK, '--output', queueOut]));
      if ((await sha256(queueOut)) !== expected) throw new Error('the queued output differs from the local one');
    }
    results.push({ mode: `\`iris predict --queue\` (chunks of ${CHUNK})`, workers: String(workers), seconds: median(times) });
    log(`bench:queue: ${workers} worker(s) ${median(times).toFixed(2)} s`);
  }

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`Distributed predict, ${ROWS.toLocaleString('en-US')} rows x 20 features, median of ${RUNS} runs, ${availableParallelism()} cores (${cpu}), Node ${process.version}; outputs identical to the local run:\n`);
  console.log('| mode | workers | wall | rows/s |');
  console.log('|---|---|---|---|');
  for (const r of results) console.log(`| ${r.mode} | ${r.workers} | ${r.seconds.toFixed(2)} s | ${Math.round(ROWS / r.seconds).toLocaleString('en-US')} |`);
} finally {
  for (const child of children.reverse()) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  rmSync(work, { recursive: true, force: true });
}
