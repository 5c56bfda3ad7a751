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
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
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

  // ---- HTTP: iris serve, embedded and --queue (1 and 2 workers), wrk at 16 connections
  const irisModel = join(work, 'iris.json');
  spawnSync(process.execPath, [BIN, 'train', '--out', irisModel, '-q'], { stdio: 'inherit' });
  const stopServe = async (server) => {
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
    await once(server, 'exit');
    clearTimeout(timer);
  };
  const startServe = async (args) => {
    const server = spawn(process.execPath, [BIN, 'serve', '--model', irisModel, '--port', '0', '--log-level', 'warn', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(server);
    let text = '';
    const url = await new Promise((resolve, reject) => {
      server.stderr.on('data', (d) => {
        text += d;
        const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(text);
        if (m) resolve(m[1]);
      });
      server.once('exit', () => reject(new Error(`serve exited: ${text}`)));
    });
    return { server, url };
  };
  const one = JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] });
  const hundredRows = [];
  for (let i = 0; i < 100; i++) hundredRows.push([4.5 + (i % 30) / 10, 2 + (i % 20) / 10, 1 + (i % 50) / 10, 0.1 + (i % 25) / 10]);
  const hundred = JSON.stringify({ instances: hundredRows });
  const wrk = (url, body, seconds) => {
    const script = join(work, 'post.lua');
    const { writeFileSync } = require('node:fs');
    writeFileSync(script, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(body)}\n` +
      'done = function(summary, latency, requests)\n  io.write(string.format("RESULT %d %f %f\\n", summary.requests, summary.duration, latency:percentile(99)))\nend\n');
    const r = spawnSync('wrk', ['-t2', '-c16', `-d${seconds}s`, '--latency', '-s', script, `${url}/invocations`], { encoding: 'utf8' });
    const m = /RESULT (\d+) ([\d.]+) ([\d.]+)/.exec(r.stdout);
    if (!m) throw new Error(`wrk: ${r.stdout}${r.stderr}`);
    const errors = /Non-2xx or 3xx responses: (\d+)/.exec(r.stdout);
    if (errors) throw new Error(`wrk saw ${errors[1]} error responses`);
    return { rps: Number(m[1]) / (Number(m[2]) / 1e6), p99: Number(m[3]) / 1000 };
  };
  const SECONDS = Number(process.env.BENCH_QUEUE_WRK_SECONDS ?? 10);
  const http = [];
  const measure = (label, url) => {
    wrk(url, one, 2); // warm-up
    const a = wrk(url, one, SECONDS);
    const b = wrk(url, hundred, SECONDS);
    http.push({ label, one: a, hundred: b });
    log(`bench:queue: ${label}: 1 row ${Math.round(a.rps)} req/s p99 ${a.p99.toFixed(2)} ms; 100 rows ${Math.round(b.rps)} req/s p99 ${b.p99.toFixed(2)} ms`);
  };
  {
    const { server, url } = await startServe([]);
    measure('embedded (`iris serve`)', url);
    await stopServe(server);
  }
  for (const child of children.splice(1)) child.kill('SIGTERM'); // the predict workers go; Redis (the first child) stays
  await new Promise((r) => setTimeout(r, 500));
  const serveWorkers = [];
  for (const workers of [1, 2]) {
    const worker = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--model', irisModel], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(worker);
    serveWorkers.push(worker);
    await new Promise((resolve) => worker.stderr.on('data', (d) => String(d).includes('"worker ready"') && resolve()));
    // The result cache is off here: with the same row over and over it would answer without the queue.
    const { server, url: base } = await startServe(['--queue', url, '--cache', '0']);
    measure(`queue (\`iris serve --queue\`, cache off), ${workers} worker${workers > 1 ? 's' : ''}`, base);
    await stopServe(server);
  }
  {
    const { server, url: base } = await startServe(['--queue', url]);
    measure('queue, result cache on (the default), 2 workers', base);
    await stopServe(server);
  }

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`Distributed predict, ${ROWS.toLocaleString('en-US')} rows x 20 features, median of ${RUNS} runs, ${availableParallelism()} cores (${cpu}), Node ${process.version}; outputs identical to the local run:\n`);
  console.log('| mode | workers | wall | rows/s |');
  console.log('|---|---|---|---|');
  for (const r of results) console.log(`| ${r.mode} | ${r.workers} | ${r.seconds.toFixed(2)} s | ${Math.round(ROWS / r.seconds).toLocaleString('en-US')} |`);
  console.log(`\nHTTP, wrk -t2 -c16 -d${SECONDS}s, POST /invocations (JSON instances), the bundled Iris model; server, workers, Redis and wrk on the same ${availableParallelism()} cores:\n`);
  console.log('| server | 1-row req/s | 1-row p99 | 100-row req/s | 100-row p99 |');
  console.log('|---|---|---|---|---|');
  for (const h of http) console.log(`| ${h.label} | ${Math.round(h.one.rps).toLocaleString('en-US')} | ${h.one.p99.toFixed(2)} ms | ${Math.round(h.hundred.rps).toLocaleString('en-US')} | ${h.hundred.p99.toFixed(2)} ms |`);
} finally {
  for (const child of children.reverse()) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  rmSync(work, { recursive: true, force: true });
}
