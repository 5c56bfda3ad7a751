#!/usr/bin/env node
/**
 * `npm run bench:queue`: the queue mode measured, in two parts (see BENCHMARKS.md, "Queue mode"):
 *
 * - http: `iris serve --queue` (2 `iris worker`s, result cache off, Redis) against the talk's
 *   baseline, a Django app that hands each request's rows to a Celery worker through RabbitMQ and
 *   waits for the result (bench/python/celery_baseline: gunicorn, 2 Celery workers). wrk POSTs the
 *   same MLflow bodies to both (1 and 100 rows), labels only; every cell on each server in turn,
 *   rounds in a rotating order, medians. Both answers are checked against the project's scoring first.
 * - scale: scale-out with each `iris worker` capped to a share of a core (cgroup v1 CPU controller),
 *   1, 2 and 4 workers: rows/s of a distributed `iris predict --queue` over a generated file (every
 *   output compared byte for byte with a local run) and of `iris serve --queue` under 100-row requests.
 *
 * Everything is started and stopped here, on 127.0.0.1 and free ports: Redis (temporary folder, AOF
 * on, noeviction, as in production), RabbitMQ (its own node name, epmd port, data and log folders in
 * a temporary folder), gunicorn, the Celery and iris workers, the iris servers; all are killed and
 * the CPU groups removed at the end, also when the run fails or is interrupted.
 *
 * Settings (environment):
 *   BENCH_QUEUE_PARTS=http,scale       which parts run
 *   BENCH_QUEUE_DURATION=10            seconds of each measured wrk run
 *   BENCH_QUEUE_WARMUP=1               seconds of the unmeasured wrk run before each measured one
 *   BENCH_QUEUE_ROUNDS=3               measured runs of each cell per server (medians reported)
 *   BENCH_QUEUE_HTTP_ROWS=1,100        rows per request (http)
 *   BENCH_QUEUE_CONNECTIONS=16         wrk connections (http; the first one for scale)
 *   BENCH_QUEUE_IRIS_WORKERS=2         `iris worker`s behind `iris serve --queue` (http)
 *   BENCH_CELERY_WORKERS=2             Celery workers (one process each, --concurrency 1)
 *   BENCH_DJANGO_WORKERS=5             gunicorn sync workers: (2 x cores) + 1, gunicorn's own advice
 *   BENCH_QUEUE_ROWS=1000000           rows of the generated file (scale; cached in bench/data/)
 *   BENCH_QUEUE_RUNS=3                 timed runs of each predict (median reported)
 *   BENCH_QUEUE_CHUNK=50000            --chunk-rows of predict --queue
 *   BENCH_QUEUE_SCALE=1,2,4            capped workers (scale)
 *   BENCH_QUEUE_WORKER_CPU=0.25        share of a core each capped worker may use
 *   BENCH_QUEUE_SCALE_HTTP_ROWS=100    rows per request of the scale part's HTTP runs (0 skips them)
 *   BENCH_WRK_THREADS=2                wrk threads (at most the connections)
 *   BENCH_IRIS=bin/iris.js             the iris to run (e.g. another checkout's bin/iris.js)
 *   BENCH_IRIS_SERVE_ARGS=             extra arguments for `iris serve --queue`
 *   BENCH_IRIS_WORKER_ARGS=            extra arguments for `iris worker`
 *   BENCH_PYTHON=/usr/bin/python3      the Python with Debian's Django, Celery and scikit-learn
 *
 * Needs wrk, redis-server, rabbitmq-server, gunicorn, python3-django, python3-celery,
 * python3-sklearn, python3-pandas (apt-get install -y …) and root for the CPU groups.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAnswer, expectedAnswers } from './lib/answers.mjs';
import { cpuCapProblem, cpuGroup, removeStaleGroups } from './lib/cgroup.mjs';
import { loadRun, rotatingRounds, summarizeCell } from './lib/load.mjs';
import { machineFacts, pythonEnv } from './lib/machine.mjs';
import { irisRows, writePayload } from './lib/payload.mjs';
import { treeCpuSeconds } from './lib/proc-tree.mjs';
import { atExit, freePort, HOST, post, startServer, stopOnSignals, stopServer } from './lib/servers.mjs';
import { settingsReader } from './lib/settings.mjs';
import { fmtInt, fmtMs, fmtRatio, median } from './lib/stats.mjs';
import { checkWrk } from './lib/wrk.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const OUT = join(BENCH, 'out', 'queue');
const NODE = process.execPath;
const TAG = 'bench:queue';
const log = (text) => process.stderr.write(`${TAG}: ${text}\n`);
stopOnSignals(log);

const setting = settingsReader(TAG);
const PARTS = setting.list('BENCH_QUEUE_PARTS', 'http,scale');
const DURATION = setting.number('BENCH_QUEUE_DURATION', 10);
const WARMUP = setting.number('BENCH_QUEUE_WARMUP', 1, { min: 0 });
const ROUNDS = setting.number('BENCH_QUEUE_ROUNDS', 3);
const HTTP_ROWS = setting.counts('BENCH_QUEUE_HTTP_ROWS', '1,100');
const CONNECTIONS = setting.counts('BENCH_QUEUE_CONNECTIONS', '16');
const IRIS_WORKERS = setting.number('BENCH_QUEUE_IRIS_WORKERS', 2);
const CELERY_WORKERS = setting.number('BENCH_CELERY_WORKERS', 2);
const DJANGO_WORKERS = setting.number('BENCH_DJANGO_WORKERS', 5);
const ROWS = setting.number('BENCH_QUEUE_ROWS', 1_000_000);
const RUNS = setting.number('BENCH_QUEUE_RUNS', 3);
const CHUNK = setting.number('BENCH_QUEUE_CHUNK', 50_000);
const SCALE = setting.counts('BENCH_QUEUE_SCALE', '1,2,4');
const WORKER_CPU = setting.number('BENCH_QUEUE_WORKER_CPU', 0.25, { min: 0.01, integer: false });
const SCALE_HTTP_ROWS = setting.number('BENCH_QUEUE_SCALE_HTTP_ROWS', 100, { min: 0 });
const WRK_THREADS = setting.number('BENCH_WRK_THREADS', 2);
const IRIS = process.env.BENCH_IRIS || join(ROOT, 'bin', 'iris.js');
const PYTHON = process.env.BENCH_PYTHON || '/usr/bin/python3';
for (const part of PARTS) {
  if (part !== 'http' && part !== 'scale') {
    console.error(`${TAG}: BENCH_QUEUE_PARTS: unknown part "${part}" (known: http, scale)`);
    process.exit(2);
  }
}

const NODE_ENV = { ...process.env, NO_COLOR: '1' };
delete NODE_ENV.FORCE_COLOR;

// ------------------------------------------------------------------------------------------------
// Every iris command line of this benchmark, in one place: when the flags of `iris serve`, `iris
// worker` or `iris predict` change (src/cli/commands/), these lines and the two ready signs are
// all that has to follow.

const IRIS_CLI = {
  train: (data, out) => ['train', '--data', data, '--out', out, '-q'],
  predict: (model, input, output) => ['predict', '--model', model, '--input', input, '--output', output],
  predictQueue: (model, input, output, redis) => [
    'predict',
    '--model',
    model,
    '--input',
    input,
    '--output',
    output,
    '--queue',
    redis,
    '--chunk-rows',
    String(CHUNK),
  ],
  /** `concurrency` undefined: the worker's default. */
  worker: (model, redis, concurrency) => [
    'worker',
    '--queue',
    redis,
    '--model',
    model,
    ...(concurrency === undefined ? [] : ['--concurrency', String(concurrency)]),
    ...setting.words('BENCH_IRIS_WORKER_ARGS'),
  ],
  /** The worker's JSON log line once it takes jobs. */
  workerReady: /"worker ready"/,
  /** Port 0: the server prints `listening on http://127.0.0.1:PORT`; the result cache off (wrk repeats its bodies). */
  serveQueue: (model, redis) => [
    'serve',
    '--model',
    model,
    '--host',
    HOST,
    '--port',
    '0',
    '--log-level',
    'warn',
    '--queue',
    redis,
    '--cache',
    '0',
    ...setting.words('BENCH_IRIS_SERVE_ARGS'),
  ],
  serveReady: '/v2/health/ready',
  /** The scoring route, asked for labels only (what the Celery app answers). */
  labelsOnly: '/invocations?scores=false',
};

function irisCommand(args) {
  if (IRIS.endsWith('.js') || IRIS.endsWith('.mjs')) return { file: NODE, args: [IRIS, ...args], env: NODE_ENV, cwd: ROOT };
  const [file, ...rest] = IRIS.split(/\s+/).filter((a) => a !== '');
  return { file, args: [...rest, ...args], env: NODE_ENV, cwd: ROOT };
}

/** Runs an iris command to its end (inside the CPU group `group` when given); its wall time in seconds. */
function runIris(args, group) {
  const { file, args: argv, env } = irisCommand(args);
  // The shell writes its own PID into the group, then becomes the command (exec keeps the PID).
  const [cmd, cmdArgs] = group === undefined ? [file, argv] : ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', group.procs, file, ...argv]];
  const started = process.hrtime.bigint();
  const result = spawnSync(cmd, cmdArgs, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`iris ${args.join(' ')} failed (${result.status ?? result.signal}): ${String(result.stderr).slice(-2000)}`);
  return seconds;
}

// ------------------------------------------------------------------------------------------------
// The processes

const started = [];
async function start(spec) {
  const server = await startServer(spec);
  started.push(server);
  return server;
}
async function stop(server) {
  await stopServer(server);
  const at = started.indexOf(server);
  if (at !== -1) started.splice(at, 1);
}

async function startRedis(work) {
  const dir = join(work, 'redis');
  mkdirSync(dir);
  const redis = await start({
    label: 'Redis',
    needsPort: true,
    readyTcp: true,
    command: (port) => ({
      file: 'redis-server',
      args: ['--port', String(port), '--bind', HOST, '--dir', dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction'],
      cwd: dir,
      env: process.env,
    }),
  });
  redis.url = `redis://${HOST}:${redis.port}`;
  return redis;
}

/** RabbitMQ as a node of its own: epmd on a free port, then the broker with its data in `work`. */
async function startRabbit(work) {
  const dir = join(work, 'rabbitmq');
  mkdirSync(join(dir, 'mnesia'), { recursive: true });
  mkdirSync(join(dir, 'log'));
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  const epmd = await start({
    label: 'epmd',
    needsPort: true,
    readyTcp: true,
    command: (port) => ({ file: 'epmd', args: ['-port', String(port), '-address', HOST], cwd: dir, env: process.env }),
  });
  const distPort = await freePort();
  const rabbit = await start({
    label: 'RabbitMQ',
    needsPort: true,
    readyLine: /Server startup complete/,
    timeoutMs: 120_000,
    command: (port) => {
      writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = ${HOST}:${port}\n`);
      return {
        // The package's wrapper (/usr/sbin) would switch to the rabbitmq user and its system node.
        file: '/usr/lib/rabbitmq/bin/rabbitmq-server',
        args: [],
        cwd: dir,
        env: {
          ...process.env,
          HOME: dir, // the Erlang cookie
          ERL_EPMD_PORT: String(epmd.port),
          RABBITMQ_NODENAME: `iris-bench-${process.pid}@localhost`,
          RABBITMQ_NODE_IP_ADDRESS: HOST,
          RABBITMQ_NODE_PORT: String(port),
          RABBITMQ_DIST_PORT: String(distPort),
          RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
          RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
          RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
          RABBITMQ_LOG_BASE: join(dir, 'log'),
          RABBITMQ_LOGS: '-',
          RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
        },
      };
    },
  });
  rabbit.url = `amqp://guest:guest@${HOST}:${rabbit.port}//`;
  rabbit.version = /Starting RabbitMQ (\S+) on Erlang (\S+)/.exec(rabbit.output())?.slice(1).join(' on Erlang ') ?? 'version not printed';
  return [epmd, rabbit];
}

async function startIrisWorker(model, redis, { concurrency, group, label = 'iris worker' } = {}) {
  const worker = await start({
    label,
    readyLine: IRIS_CLI.workerReady,
    command: () => irisCommand(IRIS_CLI.worker(model, redis.url, concurrency)),
    onSpawn: group === undefined ? undefined : (child) => group.add(child.pid),
  });
  return worker;
}

// ------------------------------------------------------------------------------------------------
// Part http: iris serve --queue against Django + Celery + RabbitMQ

async function httpPart(work, redis) {
  const model = join(work, 'iris.json');
  runIris(IRIS_CLI.train(join(ROOT, 'data', 'iris.csv'), model));
  const pickle = join(work, 'iris.pkl');
  // The talk's model, trained the way bench/python/train.py trains (test size 0.3, seed 0, max_iter 40, eta0 0.1).
  const trained = spawnSync(PYTHON, [join(BENCH, 'python', 'train.py'), join(ROOT, 'data', 'iris.csv'), pickle], { env: pythonEnv(), encoding: 'utf8' });
  if (trained.status !== 0) throw new Error(`bench/python/train.py failed: ${trained.stderr}`);
  const { features, classes } = JSON.parse(readFileSync(model, 'utf8'));
  const base = irisRows(features);
  const payloads = Object.fromEntries(HTTP_ROWS.map((n) => [n, writePayload(work, features, base, n)]));
  const checkRows = HTTP_ROWS.at(-1);
  const expected = await expectedAnswers(model, payloads[checkRows].rows);

  log(`iris: ${IRIS_WORKERS} workers, then iris serve --queue`);
  const irisWorkers = await Promise.all(Array.from({ length: IRIS_WORKERS }, (_, i) => startIrisWorker(model, redis, { label: `iris worker ${i + 1}` })));
  const irisServer = await start({
    label: 'iris serve --queue',
    ready: IRIS_CLI.serveReady,
    command: () => irisCommand(IRIS_CLI.serveQueue(model, redis.url)),
  });
  const iris = {
    key: 'iris',
    label: `iris serve --queue, ${IRIS_WORKERS} iris workers, Redis, cache off`,
    server: irisServer,
    path: IRIS_CLI.labelsOnly,
    roots: [irisServer, ...irisWorkers, redis].map((s) => s.child.pid),
    samples: {},
  };

  log(`Django + Celery + RabbitMQ: RabbitMQ, ${CELERY_WORKERS} Celery workers, gunicorn × ${DJANGO_WORKERS}`);
  const [epmd, rabbit] = await startRabbit(work);
  const pyEnv = { ...pythonEnv(), BENCH_AMQP_URL: rabbit.url, BENCH_CELERY_MODEL: pickle, PYTHONDONTWRITEBYTECODE: '1' };
  const celeryWorkers = await Promise.all(
    Array.from({ length: CELERY_WORKERS }, (_, i) =>
      start({
        label: `Celery worker ${i + 1}`,
        readyLine: /celery_baseline: worker ready/,
        command: () => ({
          file: PYTHON,
          // Celery's defaults (prefork pool, prefetch 4, warning log level), one process each; no gossip
          // or mingle, which only matter for monitoring and start-up.
          args: [
            '-m',
            'celery',
            '--workdir',
            join(BENCH, 'python'),
            '-A',
            'celery_baseline',
            'worker',
            '--concurrency',
            '1',
            '--hostname',
            `bench${i + 1}-${process.pid}@%h`,
            '--loglevel',
            'warning',
            '--without-gossip',
            '--without-mingle',
          ],
          cwd: join(BENCH, 'python'),
          env: pyEnv,
        }),
      }),
    ),
  );
  const gunicorn = await start({
    label: 'Django/gunicorn',
    needsPort: true,
    ready: '/ping',
    command: (port) => ({
      file: PYTHON,
      args: ['-m', 'gunicorn', '--workers', String(DJANGO_WORKERS), '--bind', `${HOST}:${port}`, '--chdir', join(BENCH, 'python'), 'celery_baseline.wsgi'],
      cwd: join(BENCH, 'python'),
      env: pyEnv,
    }),
  });
  const celery = {
    key: 'celery',
    label: `Django/gunicorn × ${DJANGO_WORKERS} + ${CELERY_WORKERS} Celery workers + RabbitMQ`,
    server: gunicorn,
    path: '/invocations',
    roots: [gunicorn, ...celeryWorkers, epmd, rabbit].map((s) => s.child.pid),
    samples: {},
  };

  const versions = spawnSync(
    PYTHON,
    [
      '-c',
      'import sys, django, celery, kombu, gunicorn, sklearn; print(f"Python {sys.version.split()[0]}, Django {django.__version__}, Celery {celery.__version__} (kombu {kombu.__version__}), gunicorn {gunicorn.__version__}, scikit-learn {sklearn.__version__}")',
    ],
    { env: pythonEnv(), encoding: 'utf8' },
  );
  celery.versions = `${versions.stdout.trim()}, RabbitMQ ${rabbit.version}`;
  iris.versions =
    spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
      .stdout.match(/v=(\S+)/)?.[0]
      .replace('v=', 'Redis ') ?? 'Redis';
  const sides = [iris, celery];
  for (const side of sides) {
    const answer = await post(side.server.port, readFileSync(payloads[checkRows].path), { keepText: true, path: side.path });
    side.check =
      answer.status === 200
        ? checkAnswer(answer.text, expected, classes, { labelsOnly: true })
        : { ok: false, why: `status ${answer.status}: ${answer.text.slice(0, 200)}` };
    // Both sides must do the same work: labels only (see IRIS_CLI.labelsOnly if iris' query changed).
    if (side.check.ok && answer.text.includes('"scores"'))
      side.check = { ok: false, why: `answers with scores to ${side.path}, where labels only were asked for` };
    log(`${side.label}: ready on port ${side.server.port}; labels ${side.check.ok ? 'match' : `DIFFER: ${side.check.why}`}`);
    if (!side.check.ok) throw new Error(`${side.label} answers differ from the project's scoring: ${side.check.why}`);
  }

  const cells = HTTP_ROWS.flatMap((rows) => CONNECTIONS.map((connections) => ({ rows, connections })));
  await rotatingRounds(sides, cells, ROUNDS, async (side, { rows, connections }, round) => {
    const run = await loadRun(side.server, {
      body: payloads[rows].path,
      path: side.path,
      connections,
      threads: WRK_THREADS,
      warmup: WARMUP,
      duration: DURATION,
      roots: side.roots,
    });
    (side.samples[`${rows}x${connections}`] ??= []).push(run);
    log(
      `round ${round + 1}/${ROUNDS}: ${side.key}: ${rows} row(s) x ${connections} connections: ${fmtInt(run.rps)} req/s, p50 ${fmtMs(run.p50)}, p99 ${fmtMs(run.p99)}, ${run.errors} errors, ${run.cpuCores.toFixed(2)} cores busy (load ${run.loadAverage.toFixed(1)})`,
    );
  });
  for (const side of sides) side.cells = cells.map(({ rows, connections }) => summarizeCell(rows, connections, side.samples[`${rows}x${connections}`]));

  for (const s of [irisServer, gunicorn, ...irisWorkers, ...celeryWorkers, rabbit, epmd]) await stop(s);
  return sides.map(({ key, label, cells: c, check, versions: v }) => ({ key, label, cells: c, check, versions: v }));
}

// ------------------------------------------------------------------------------------------------
// Part scale: capped workers

function sha256(path) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => hash.update(d))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

async function scalePart(work, redis) {
  const data = join(BENCH, 'data');
  mkdirSync(data, { recursive: true });
  const labelled = join(work, 'labelled.csv');
  const features = join(data, `queue-${ROWS}.csv`);
  log(`scale: ${ROWS} rows …`);
  // The features file is cached; the labelled one (for the model) is small and made every time.
  const gen = spawnSync(
    NODE,
    [join(BENCH, 'generate.mjs'), existsSync(features) ? '20000' : String(ROWS), labelled, ...(existsSync(features) ? [] : [features])],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (gen.status !== 0) throw new Error('bench/generate.mjs failed');
  const model = join(work, 'model.json');
  runIris(IRIS_CLI.train(labelled, model));

  const localOut = join(work, 'local.txt');
  const queueOut = join(work, 'queue.txt');
  const timed = (args, group) => {
    const times = [];
    for (let r = 0; r < RUNS; r++) times.push(runIris(args, group));
    return median(times);
  };
  const predicts = [];
  const local = timed(IRIS_CLI.predict(model, features, localOut));
  const expected = await sha256(localOut);
  predicts.push({ mode: 'local `iris predict`', workers: '-', seconds: local });
  log(`scale: local predict ${local.toFixed(2)} s`);
  const capped = cpuGroup('local', WORKER_CPU);
  const localCapped = timed(IRIS_CLI.predict(model, features, localOut), capped);
  capped.remove();
  predicts.push({ mode: `local \`iris predict\` capped to ${WORKER_CPU} core`, workers: '-', seconds: localCapped });
  log(`scale: local predict capped to ${WORKER_CPU} core ${localCapped.toFixed(2)} s`);

  const serveModel = join(work, 'iris.json');
  runIris(IRIS_CLI.train(join(ROOT, 'data', 'iris.csv'), serveModel));
  const serveFeatures = JSON.parse(readFileSync(serveModel, 'utf8')).features;
  const body = SCALE_HTTP_ROWS > 0 ? writePayload(work, serveFeatures, irisRows(serveFeatures), SCALE_HTTP_ROWS).path : undefined;

  const points = [];
  for (const count of SCALE) {
    const groups = [];
    const workers = [];
    const point = { workers: count };
    try {
      // One kind of worker set per model: the predict model's workers, then the serving model's.
      for (let i = 0; i < count; i++) {
        const group = cpuGroup(`w${i + 1}`, WORKER_CPU);
        groups.push(group);
        // --concurrency 1: a worker capped to part of a core gains nothing from a second job in hand.
        workers.push(await startIrisWorker(model, redis, { concurrency: 1, group, label: `capped iris worker ${i + 1}` }));
      }
      const cpu0 = workers.map((w) => treeCpuSeconds(w.child.pid));
      const stat0 = groups.map((g) => g.stat());
      const times = [];
      for (let r = 0; r < RUNS; r++) {
        times.push(runIris(IRIS_CLI.predictQueue(model, features, queueOut, redis.url)));
        if ((await sha256(queueOut)) !== expected) throw new Error(`${count} capped workers: the queued output differs from the local one`);
      }
      const wall = times.reduce((a, b) => a + b, 0);
      point.predictSeconds = median(times);
      point.workerCores = workers.map((w, i) => (treeCpuSeconds(w.child.pid) - cpu0[i]) / wall);
      point.throttled = groups.map((g, i) => g.stat().throttled - stat0[i].throttled);
      log(
        `scale: ${count} capped worker(s): predict --queue ${point.predictSeconds.toFixed(2)} s (${fmtInt(ROWS / point.predictSeconds)} rows/s); workers used ${point.workerCores.map((c) => c.toFixed(2)).join(', ')} core`,
      );
      for (const w of workers.splice(0)) await stop(w);

      if (body !== undefined) {
        for (let i = 0; i < count; i++)
          workers.push(await startIrisWorker(serveModel, redis, { concurrency: 1, group: groups[i], label: `capped iris worker ${i + 1}` }));
        const server = await start({
          label: 'iris serve --queue',
          ready: IRIS_CLI.serveReady,
          command: () => irisCommand(IRIS_CLI.serveQueue(serveModel, redis.url)),
        });
        const runs = [];
        // CPU of the workers alone: how much of their caps the load used.
        const roots = workers.map((w) => w.child.pid);
        for (let r = 0; r < ROUNDS; r++)
          runs.push(
            await loadRun(server, {
              body,
              path: IRIS_CLI.labelsOnly,
              connections: CONNECTIONS[0],
              threads: WRK_THREADS,
              warmup: r === 0 ? WARMUP : 0,
              duration: DURATION,
              roots,
            }),
          );
        await stop(server);
        point.http = summarizeCell(SCALE_HTTP_ROWS, CONNECTIONS[0], runs);
        log(
          `scale: ${count} capped worker(s): serve --queue, ${SCALE_HTTP_ROWS}-row requests: ${fmtInt(point.http.rowsPerSecond)} rows/s, p99 ${fmtMs(point.http.p99)}, ${point.http.errors} errors; workers used ${point.http.cpuCores.toFixed(2)} core in all`,
        );
      }
    } finally {
      for (const w of workers) await stop(w);
      for (const g of groups) g.remove();
    }
    points.push(point);
  }
  return { predicts, points, localCapped };
}

// ------------------------------------------------------------------------------------------------
// Report

function render(r) {
  const lines = [];
  const m = r.machine;
  lines.push(
    `Run of ${r.date.slice(0, 16).replace('T', ' ')} UTC, ${r.seconds} s in all. ${m.cpu}, ${m.memory} RAM, ${m.os}, Node.js ${m.node}; load average at the start ${m.loadAverage}; ${r.wrk}. Everything below shares these cores.`,
  );
  if (r.http !== undefined) {
    const [iris, celery] = r.http;
    lines.push('');
    lines.push(`${iris.versions}; ${celery.versions}.`);
    lines.push('');
    lines.push(
      `HTTP, \`POST /invocations\` (MLflow \`dataframe_split\`, labels only), wrk ${WRK_THREADS} threads, ${WARMUP} s warm-up then ${DURATION} s measured, ${ROUNDS} rounds in a rotating order, medians. CPU: the whole deployment (server, workers, broker). Answers checked against the project's scoring first: ${r.http.every((s) => s.check.ok) ? 'same labels' : 'DIFFER'}.`,
    );
    lines.push('');
    lines.push('| rows/request | connections | server | requests/s | (rounds: lowest–highest) | rows/s | p50 | p99 | errors | cores busy | CPU per request |');
    lines.push('|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (let i = 0; i < iris.cells.length; i++) {
      for (const side of [iris, celery]) {
        const c = side.cells[i];
        lines.push(
          `| ${c.rows} | ${c.connections} | ${side.label} | ${fmtInt(c.rps)} | ${fmtInt(c.rpsRange[0])}–${fmtInt(c.rpsRange[1])} | ${fmtInt(c.rowsPerSecond)} | ${fmtMs(c.p50)} | ${fmtMs(c.p99)} | ${c.errors} | ${c.cpuCores.toFixed(2)} | ${Number.isFinite(c.cpuUsPerRequest) ? `${fmtInt(c.cpuUsPerRequest)} µs` : 'n/a'} |`,
        );
      }
    }
    lines.push('');
    lines.push('| rows/request | connections | iris / Celery, requests/s (target ≥ 10, aim 20) | iris p99 / Celery p99 (target ≤ 0.2) |');
    lines.push('|---:|---:|---:|---:|');
    for (let i = 0; i < iris.cells.length; i++) {
      const a = iris.cells[i];
      const b = celery.cells[i];
      const speed = a.errors === 0 ? a.rps / b.rps : undefined;
      const p99 = a.p99 / b.p99;
      const verdict = (ok) => (ok ? '(meets the target)' : '(MISSES)');
      lines.push(
        `| ${a.rows} | ${a.connections} | ${fmtRatio(speed)} ${speed === undefined ? '' : speed >= 20 ? '(meets the aim)' : verdict(speed >= 10)} | ${fmtRatio(p99)} ${verdict(p99 <= 0.2)} |`,
      );
    }
  }
  if (r.scale !== undefined) {
    const s = r.scale;
    lines.push('');
    lines.push(
      `Scale-out: each \`iris worker\` in a CPU group of its own capped to ${WORKER_CPU} of a core (cgroup v1, \`cpu.cfs_quota_us\` = ${Math.round(WORKER_CPU * 100_000)} per \`cpu.cfs_period_us\` = 100000), \`--concurrency 1\`; the coordinator, the server and Redis uncapped. Distributed \`iris predict --queue\` over ${fmtInt(ROWS)} rows × 20 features, chunks of ${fmtInt(CHUNK)}, median of ${RUNS}, every output identical to the local run's${SCALE_HTTP_ROWS > 0 ? `; \`iris serve --queue\` (cache off) under ${SCALE_HTTP_ROWS}-row requests at ${CONNECTIONS[0]} connections, ${DURATION} s, median of ${ROUNDS}` : ''}.`,
    );
    lines.push('');
    lines.push('| mode | wall | rows/s |');
    lines.push('|---|---:|---:|');
    for (const p of s.predicts) lines.push(`| ${p.mode} | ${p.seconds.toFixed(2)} s | ${fmtInt(ROWS / p.seconds)} |`);
    lines.push('');
    lines.push(
      `| capped workers | predict --queue wall | rows/s | vs 1 worker | vs the capped local run | CPU each worker used (cap ${WORKER_CPU}) | throttled periods |${SCALE_HTTP_ROWS > 0 ? ' serve --queue rows/s | vs 1 worker | p99 | errors | CPU of the workers in all |' : ''}`,
    );
    lines.push(`|---:|---:|---:|---:|---:|---|---|${SCALE_HTTP_ROWS > 0 ? '---:|---:|---:|---:|---:|' : ''}`);
    const first = s.points[0];
    for (const p of s.points) {
      const http =
        p.http === undefined
          ? ''
          : ` ${fmtInt(p.http.rowsPerSecond)} | ${fmtRatio(p.http.rowsPerSecond / first.http.rowsPerSecond)} | ${fmtMs(p.http.p99)} | ${p.http.errors} | ${p.http.cpuCores.toFixed(2)} of ${(p.workers * WORKER_CPU).toFixed(2)} |`;
      lines.push(
        `| ${p.workers} | ${p.predictSeconds.toFixed(2)} s | ${fmtInt(ROWS / p.predictSeconds)} | ${fmtRatio(first.predictSeconds / p.predictSeconds)} | ${fmtRatio(s.localCapped / p.predictSeconds)} | ${p.workerCores.map((c) => c.toFixed(2)).join(', ')} | ${p.throttled.join(', ')} |${http}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

// ------------------------------------------------------------------------------------------------

async function main() {
  const wrk = checkWrk(TAG);
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    console.error(`${TAG}: dist/ is missing; run \`npm run build\` first (npm run bench:queue does)`);
    process.exit(2);
  }
  const missing = ['redis-server', ...(PARTS.includes('http') ? ['epmd', '/usr/lib/rabbitmq/bin/rabbitmq-server', PYTHON] : [])].filter(
    (c) => spawnSync('/bin/sh', ['-c', `command -v ${c}`]).status !== 0,
  );
  if (PARTS.includes('http')) {
    const probe = spawnSync(PYTHON, ['-c', 'import django, celery, gunicorn, sklearn, pandas'], { env: pythonEnv(), encoding: 'utf8' });
    if (probe.status !== 0)
      missing.push(`${PYTHON} with Django, Celery, gunicorn, scikit-learn, pandas (${probe.stderr?.trim().split('\n').pop() ?? probe.error?.message})`);
  }
  if (missing.length > 0) {
    console.error(
      `${TAG}: missing: ${missing.join('; ')}\n  apt-get install -y redis-server rabbitmq-server gunicorn python3-django python3-celery python3-sklearn python3-pandas`,
    );
    process.exit(2);
  }
  if (PARTS.includes('scale')) {
    const problem = cpuCapProblem();
    if (problem !== undefined) {
      console.error(`${TAG}: the scale part caps workers with the cgroup v1 CPU controller: ${problem} (BENCH_QUEUE_PARTS=http skips it)`);
      process.exit(2);
    }
    removeStaleGroups();
  }
  mkdirSync(OUT, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'iris-bench-queue-'));
  atExit(() => rmSync(work, { recursive: true, force: true }));
  const began = Date.now();
  const report = { date: new Date().toISOString(), machine: machineFacts(), wrk };
  log(`${report.machine.cpu}, load ${report.machine.loadAverage}; iris: ${IRIS}`);
  const redis = await startRedis(work);
  try {
    if (PARTS.includes('http')) report.http = await httpPart(work, redis);
    if (PARTS.includes('scale')) report.scale = await scalePart(work, redis);
  } finally {
    for (const s of [...started].reverse()) await stop(s);
  }
  report.seconds = Math.round((Date.now() - began) / 1000);
  const markdown = render(report);
  writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(OUT, 'results.md'), markdown);
  process.stdout.write(markdown);
  log(`finished in ${report.seconds} s; results in ${relative(ROOT, join(OUT, 'results.md'))} and results.json`);
}

main().catch((error) => {
  console.error(`${TAG}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1); // the exit handlers kill the processes and remove the CPU groups and the temporary folder
});
