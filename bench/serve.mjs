#!/usr/bin/env node
/**
 * `npm run bench:serve`: `iris serve` against what a user would deploy instead, in one run on this
 * machine: scikit-learn behind Flask/gunicorn (MLflow 1.x) and FastAPI/uvicorn (MLflow today), two
 * workers each (bench/python/), and a bare node:http scorer (bench/bare-node-server.mjs, the
 * runtime's limit). The servers listen side by side on 127.0.0.1 on free ports; `wrk` drives one at a
 * time with POSTs of an MLflow `dataframe_split` body, the servers taking turns. See BENCHMARKS.md
 * for what is measured and the last results.
 *
 * Settings (environment):
 *   BENCH_SERVE_DURATION=5        seconds of each measured wrk run
 *   BENCH_SERVE_WARMUP=1          seconds of the unmeasured wrk run before each measured one
 *   BENCH_SERVE_ROUNDS=3          measured runs of each server, payload and connections (medians
 *                                 reported); the servers take turns, in a rotating order
 *   BENCH_SERVE_SERVERS=iris,node,fastapi,flask   which servers, in this order
 *   BENCH_SERVE_ROWS=1,100        rows per request
 *   BENCH_SERVE_CONNECTIONS=16,64 wrk connections
 *   BENCH_SERVE_LARGE_ROWS=10000  rows of the single large request timed on every server
 *   BENCH_SERVE_LARGE_RUNS=5      times it is sent (after 3 unmeasured: a pool thread's code warms up
 *                                 apart from the event loop's), median reported
 *   BENCH_SERVE_HUGE_ROWS=1000000 rows of the request during which iris' /v2/health/live is probed
 *                                 (0 skips it)
 *   BENCH_SERVE_HUGE_ALSO=        also send it to these servers (e.g. `node`: its GET /v2/health/live
 *                                 answers 200 like any GET), for contrast
 *   BENCH_WRK_THREADS=2           wrk threads (at most the connections)
 *   BENCH_IRIS=bin/iris.js        the iris to serve: a .js file run with this Node, or a command line
 *                                 (e.g. BENCH_IRIS=/work/other-checkout/bin/iris.js)
 *   BENCH_IRIS_ARGS=              extra arguments for `iris serve`
 *   BENCH_IRIS_NODE_ARGS=         extra Node options for it, e.g. `--cpu-prof --cpu-prof-dir=bench/out/serve/prof`
 *                                 (written when it exits after SIGTERM)
 *   BENCH_PYTHON=/usr/bin/python3 the Python with Debian's scikit-learn, Flask, gunicorn, FastAPI, uvicorn
 *   BENCH_SERVE_FRAME=numpy       how the Python apps turn rows into a matrix: numpy (the fastest) or
 *                                 pandas (as MLflow's scoring server does; about 0.4 ms more a request)
 *   BENCH_UPDATE_DOC=1            also rewrite the serve results section of BENCHMARKS.md
 *
 * Needs `wrk` (apt-get install -y wrk). Servers are started in their own process groups and killed
 * at the end, also when the run fails or is interrupted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAnswer, expectedAnswers } from './lib/answers.mjs';
import { loadRun as wrkLoadRun, rotatingRounds, summarizeCell } from './lib/load.mjs';
import { machineFacts, pythonEnv } from './lib/machine.mjs';
import { irisRows, writePayload as writePayloadIn } from './lib/payload.mjs';
import { sampleTreeRss } from './lib/proc-tree.mjs';
import { HOST, post, startServer as startProcess, stopOnSignals, stopServer } from './lib/servers.mjs';
import { settingsReader } from './lib/settings.mjs';
import { fmtInt, fmtMs, fmtRatio, median } from './lib/stats.mjs';
import { checkWrk as wrkVersionOrExit, startWrk } from './lib/wrk.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const OUT = join(BENCH, 'out', 'serve');
const NODE = process.execPath;

// ------------------------------------------------------------------------------------------------
// Settings

const { number: numberSetting, list: listSetting, counts: countsSetting, words: wordsSetting } = settingsReader('bench:serve');

const DURATION = numberSetting('BENCH_SERVE_DURATION', 5);
const WARMUP = numberSetting('BENCH_SERVE_WARMUP', 1, { min: 0 });
const ROUNDS = numberSetting('BENCH_SERVE_ROUNDS', 3);
const ROW_COUNTS = countsSetting('BENCH_SERVE_ROWS', '1,100');
const CONNECTIONS = countsSetting('BENCH_SERVE_CONNECTIONS', '16,64');
const LARGE_ROWS = numberSetting('BENCH_SERVE_LARGE_ROWS', 10_000);
const LARGE_RUNS = numberSetting('BENCH_SERVE_LARGE_RUNS', 5);
const HUGE_ROWS = numberSetting('BENCH_SERVE_HUGE_ROWS', 1_000_000, { min: 0 });
const HUGE_ALSO = listSetting('BENCH_SERVE_HUGE_ALSO', '');
const WRK_THREADS = numberSetting('BENCH_WRK_THREADS', 2);
const PYTHON = process.env.BENCH_PYTHON || '/usr/bin/python3';
const FRAME = process.env.BENCH_SERVE_FRAME || 'numpy';
if (FRAME !== 'numpy' && FRAME !== 'pandas') {
  console.error(`bench:serve: BENCH_SERVE_FRAME=${FRAME}: expected numpy or pandas`);
  process.exit(2);
}
const UPDATE_DOC = process.env.BENCH_UPDATE_DOC === '1';
const IRIS = process.env.BENCH_IRIS || join(ROOT, 'bin', 'iris.js');
const IRIS_ARGS = wordsSetting('BENCH_IRIS_ARGS');
const IRIS_NODE_ARGS = wordsSetting('BENCH_IRIS_NODE_ARGS');

const NODE_ENV = { ...process.env, NO_COLOR: '1' };
delete NODE_ENV.FORCE_COLOR;
const PYTHON_ENV = { ...pythonEnv(), BENCH_SERVE_FRAME: FRAME };

const log = (text) => process.stderr.write(`bench:serve: ${text}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
stopOnSignals(log);

// ------------------------------------------------------------------------------------------------
// The servers

function irisCommand(args) {
  if (IRIS.endsWith('.js') || IRIS.endsWith('.mjs')) return { file: NODE, args: [...IRIS_NODE_ARGS, IRIS, ...args] };
  const [file, ...rest] = IRIS.split(/\s+/).filter((a) => a !== '');
  return { file, args: [...rest, ...args] };
}

/**
 * Each server: how to start it (port 0 where it can pick one and says which; else a free port found
 * here), where to ask whether it is ready, and whether it has the OIP liveness route.
 */
const SERVERS = {
  iris: {
    label: 'iris serve',
    command: (model) => ({ ...irisCommand(['serve', '--model', model, '--port', '0', '--host', HOST, ...IRIS_ARGS]), env: NODE_ENV }),
    ready: '/v2/health/ready',
    live: '/v2/health/live',
    // MLflow's default answer is labels only; the other servers answer labels and scores, so iris is asked for them too.
    invocations: '/invocations?scores=true',
  },
  node: {
    label: 'bare node:http',
    command: (model) => ({ file: NODE, args: [join(BENCH, 'bare-node-server.mjs'), '--model', model, '--port', '0'], env: NODE_ENV }),
    ready: '/ping',
  },
  fastapi: {
    label: 'FastAPI/uvicorn ×2',
    python: true,
    command: (_model, port) => ({
      file: PYTHON,
      // --no-access-log: uvicorn logs every request by default; gunicorn does not. Off, as a tuned deployment would have it.
      args: [
        '-m',
        'uvicorn',
        '--workers',
        '2',
        '--host',
        HOST,
        '--port',
        String(port),
        '--no-access-log',
        '--app-dir',
        join(BENCH, 'python'),
        'fastapi_app:app',
      ],
      env: PYTHON_ENV,
    }),
    ready: '/ping',
  },
  flask: {
    label: 'Flask/gunicorn ×2',
    python: true,
    command: (_model, port) => ({
      file: PYTHON,
      args: ['-m', 'gunicorn', '--workers', '2', '--bind', `${HOST}:${port}`, '--chdir', join(BENCH, 'python'), 'flask_app:app'],
      env: PYTHON_ENV,
    }),
    ready: '/ping',
  },
};

for (const key of HUGE_ALSO) if (SERVERS[key] !== undefined) SERVERS[key].live ??= '/v2/health/live';

/** Starts one server (Python ones on a free port found here; the others pick their own and print it). */
async function startServer(key, model) {
  const spec = SERVERS[key];
  const server = await startProcess({
    label: spec.label,
    needsPort: spec.python,
    ready: spec.ready,
    command: (port) => ({ ...spec.command(model, port), cwd: ROOT }),
  });
  return Object.assign(server, { key, spec });
}

let wrkVersion = '';

function checkWrk() {
  wrkVersion = wrkVersionOrExit('bench:serve');
}

const writePayload = (features, base, n) => writePayloadIn(OUT, features, base, n);

/** One measured wrk run of `rows` x `connections` on `server` (after its unmeasured warm-up). */
const loadRun = (server, ctx, rows, connections) =>
  wrkLoadRun(server, { body: ctx.payloads[rows].path, path: server.spec.invocations, connections, threads: WRK_THREADS, warmup: WARMUP, duration: DURATION });

// ------------------------------------------------------------------------------------------------
// The benchmark

function pythonVersions() {
  const probe = spawnSync(
    PYTHON,
    [
      '-c',
      [
        'import json, sys, numpy, sklearn, pandas, flask, gunicorn, fastapi, uvicorn',
        'from importlib.util import find_spec as f',
        'from threadpoolctl import threadpool_info as t',
        "blas = [f\"{i['internal_api']} {i['version']} {i.get('architecture', '')}\" for i in t() if i['user_api'] == 'blas']",
        'print(json.dumps({"python": sys.version.split()[0], "numpy": numpy.__version__, "sklearn": sklearn.__version__, "pandas": pandas.__version__, "flask": flask.__version__, "gunicorn": gunicorn.__version__, "fastapi": fastapi.__version__, "uvicorn": uvicorn.__version__, "uvloop": f("uvloop") is not None, "httptools": f("httptools") is not None, "blas": ", ".join(blas)}))',
      ].join('\n'),
    ],
    { env: PYTHON_ENV, encoding: 'utf8' },
  );
  if (probe.error !== undefined || probe.status !== 0) {
    const why = probe.error?.message ?? probe.stderr.trim().split('\n').pop();
    return {
      skipped: `${PYTHON} cannot import the Python servers' packages (${why}); apt-get install -y python3-sklearn python3-pandas python3-flask gunicorn python3-fastapi python3-uvicorn`,
    };
  }
  return JSON.parse(probe.stdout);
}

/** Starts one server and checks its answer to the largest load payload against the expected one. */
async function startAndCheck(key, ctx) {
  const spec = SERVERS[key];
  log(`${spec.label}: starting`);
  const server = await startServer(key, ctx.model);
  const result = { key, label: spec.label, readyMs: server.readyMs, samples: {}, cells: [] };
  server.result = result;
  server.rssAll = sampleTreeRss(server.child.pid);
  try {
    // The same labels and scores as the project's scoring code, before any load.
    const check = await post(server.port, readFileSync(ctx.payloads[ROW_COUNTS.at(-1)].path), { keepText: true, path: spec.invocations });
    const verdict =
      check.status === 200
        ? checkAnswer(check.text, ctx.expected[ROW_COUNTS.at(-1)], ctx.classes)
        : { ok: false, why: `status ${check.status}: ${check.text.slice(0, 200)}` };
    result.check = verdict;
    log(
      `${spec.label}: ready in ${server.readyMs} ms on port ${server.port}; answers ${verdict.ok ? `match (scores within ${verdict.maxDiff.toExponential(1)})` : `DIFFER: ${verdict.why}`}`,
    );
  } catch (error) {
    server.rssAll.stop();
    await stopServer(server);
    throw error;
  }
  return server;
}

/**
 * All servers run side by side (the idle ones cost nothing but memory) and every cell is measured
 * on each in turn, ROUNDS times with the order rotated, so that a slow spell of this shared machine
 * falls on all of them rather than on one: the ratios come from interleaved runs.
 */
async function benchAll(keys, ctx, failed) {
  const servers = [];
  try {
    for (const key of keys) {
      try {
        servers.push(await startAndCheck(key, ctx));
      } catch (error) {
        // One server that cannot start or answer does not lose the others' figures.
        const message = error instanceof Error ? error.message : String(error);
        log(`${SERVERS[key].label}: FAILED: ${message}`);
        failed.push({ key, label: SERVERS[key].label, error: message.split('\n')[0] });
      }
    }
    const cells = ROW_COUNTS.flatMap((rows) => CONNECTIONS.map((connections) => ({ rows, connections })));
    await rotatingRounds(servers, cells, ROUNDS, async (server, { rows, connections }, round) => {
      const run = await loadRun(server, ctx, rows, connections);
      (server.result.samples[`${rows}x${connections}`] ??= []).push(run);
      log(
        `round ${round + 1}/${ROUNDS}: ${server.result.label}: ${rows} row(s) x ${connections} connections: ${fmtInt(run.rps)} req/s, p50 ${fmtMs(run.p50)}, p99 ${fmtMs(run.p99)}, ${run.errors} errors, ${run.cpuUsPerRequest?.toFixed(0)} µs CPU/request on ${run.cpuCores.toFixed(2)} cores, peak ${run.peakRssMiB.toFixed(0)} MiB (load ${run.loadAverage.toFixed(1)})`,
      );
    });
    for (const server of servers) {
      server.result.cells = cells.map(({ rows, connections }) => summarizeCell(rows, connections, server.result.samples[`${rows}x${connections}`]));
    }

    // One large request at a time, end to end (body sent, answer read), the servers in turn.
    const large = readFileSync(ctx.payloads[LARGE_ROWS].path);
    const times = new Map(servers.map((server) => [server, []]));
    const unmeasured = 3;
    for (let run = 0; run < unmeasured + LARGE_RUNS; run++) {
      for (const server of run % 2 === 0 ? servers : [...servers].reverse()) {
        const answer = await post(server.port, large, { path: server.spec.invocations });
        if (answer.status !== 200) throw new Error(`${server.result.label}: ${LARGE_ROWS} rows: status ${answer.status}: ${answer.text?.slice(0, 300)}`);
        if (run >= unmeasured) times.get(server).push(answer.ms);
      }
    }
    for (const server of servers) {
      const list = times.get(server);
      server.result.large = { rows: LARGE_ROWS, medianMs: median(list), minMs: Math.min(...list), runs: list.length };
      log(`${server.result.label}: one ${fmtInt(LARGE_ROWS)}-row request: median ${fmtMs(server.result.large.medianMs)}`);
    }

    // Liveness while one huge request is scored (servers with the OIP liveness route).
    for (const server of servers) {
      if (server.spec.live !== undefined && HUGE_ROWS > 0) server.result.huge = await livenessDuringHuge(server, ctx);
    }
  } finally {
    for (const server of servers) {
      server.result.peakRssMiB = server.rssAll.stop();
      await stopServer(server);
    }
  }
  return servers.map((server) => server.result);
}

/**
 * Probes the liveness route from a separate wrk process (2 connections, each pausing 5 ms between
 * probes, as a busy orchestrator would at most) from just before the huge request is sent until its
 * answer has been read; p99 and max of those probes.
 */
async function livenessDuringHuge(server, ctx) {
  const { spec, port } = server;
  const idle = await startWrk(port, spec.live, { seconds: 2, connections: 2, threads: 1, delayMs: 5 }).result;
  const body = readFileSync(ctx.payloads[HUGE_ROWS].path);
  const probe = startWrk(port, spec.live, { seconds: 600, connections: 2, threads: 1, delayMs: 5 });
  await sleep(200);
  let answer;
  try {
    answer = await post(port, body, { path: spec.invocations });
  } finally {
    probe.stop();
  }
  const during = await probe.result;
  const out = {
    rows: HUGE_ROWS,
    bodyMiB: body.length / 2 ** 20,
    status: answer.status,
    ms: answer.ms,
    responseMiB: answer.bytes / 2 ** 20,
    probes: during.requests,
    p50: during.latency_us.p50 / 1000,
    p99: during.latency_us.p99 / 1000,
    max: during.latency_us.max / 1000,
    errors: during.errorCount,
    idleP99: idle.latency_us.p99 / 1000,
  };
  log(
    `${spec.label}: ${fmtInt(HUGE_ROWS)}-row request: status ${answer.status} in ${fmtMs(answer.ms)}; ${spec.live} p99 ${fmtMs(out.p99)} (max ${fmtMs(out.max)}, ${out.probes} probes, ${out.errors} errors; idle p99 ${fmtMs(out.idleP99)})`,
  );
  if (answer.status !== 200) out.error = answer.text?.slice(0, 300);
  return out;
}

async function main() {
  checkWrk();
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    console.error('bench:serve: dist/ is missing; run `npm run build` first (npm run bench:serve does)');
    process.exit(2);
  }
  mkdirSync(OUT, { recursive: true });
  const info = machineFacts();
  const keys = listSetting('BENCH_SERVE_SERVERS', 'iris,node,fastapi,flask');
  for (const key of keys) {
    if (SERVERS[key] === undefined) {
      console.error(`bench:serve: BENCH_SERVE_SERVERS: unknown server "${key}" (known: ${Object.keys(SERVERS).join(', ')})`);
      process.exit(2);
    }
  }
  const python = keys.some((k) => SERVERS[k].python) ? pythonVersions() : { skipped: 'no Python server asked for' };
  const servers = keys.filter((k) => !SERVERS[k].python || python.skipped === undefined);
  log(`${info.cpu}, ${info.memory}, ${info.os}, Node ${info.node}, load ${info.loadAverage}; ${wrkVersion}`);
  log(
    python.skipped === undefined
      ? `Python ${python.python}: scikit-learn ${python.sklearn}, numpy ${python.numpy} (${python.blas}), Flask ${python.flask}, gunicorn ${python.gunicorn}, FastAPI ${python.fastapi}, uvicorn ${python.uvicorn} (uvloop ${python.uvloop ? 'yes' : 'no'}, httptools ${python.httptools ? 'yes' : 'no'})`
      : `Python servers skipped: ${python.skipped}`,
  );
  log(`iris: ${IRIS}${IRIS_ARGS.length > 0 ? ` (serve ${IRIS_ARGS.join(' ')})` : ''}`);
  const started = Date.now();

  // The model: trained by this checkout's iris, the reference way (the defaults), on the bundled data.
  const model = join(OUT, 'model.json');
  const train = spawnSync(NODE, [join(ROOT, 'bin', 'iris.js'), 'train', '--data', join(ROOT, 'data', 'iris.csv'), '--out', model], {
    env: NODE_ENV,
    encoding: 'utf8',
  });
  if (train.status !== 0) throw new Error(`iris train failed: ${train.stderr}`);
  const artifact = JSON.parse(readFileSync(model, 'utf8'));
  const features = artifact.features;
  const classes = artifact.classes;
  const base = irisRows(features);
  const sizes = [...new Set([...ROW_COUNTS, LARGE_ROWS, ...(HUGE_ROWS > 0 && servers.some((k) => SERVERS[k].live) ? [HUGE_ROWS] : [])])];
  const payloads = {};
  const expected = {};
  for (const n of sizes) {
    payloads[n] = writePayload(features, base, n);
    if (n === ROW_COUNTS.at(-1)) expected[n] = await expectedAnswers(model, payloads[n].rows);
    delete payloads[n].rows;
  }
  const ctx = { model, payloads, expected, classes };

  const failed = [];
  const results = await benchAll(servers, ctx, failed);

  const report = {
    date: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    machine: info,
    python,
    wrk: wrkVersion,
    iris: IRIS,
    settings: {
      frame: FRAME,
      rounds: ROUNDS,
      duration: DURATION,
      warmup: WARMUP,
      rows: ROW_COUNTS,
      connections: CONNECTIONS,
      wrkThreads: WRK_THREADS,
      largeRows: LARGE_ROWS,
      largeRuns: LARGE_RUNS,
      hugeRows: HUGE_ROWS,
    },
    payloadBytes: Object.fromEntries(Object.entries(payloads).map(([n, p]) => [n, p.bytes])),
    results,
    failed,
  };
  const markdown = renderMarkdown(report);
  writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(OUT, 'results.md'), markdown);
  process.stdout.write(`${markdown}\n`);
  if (UPDATE_DOC) updateDoc(markdown);
  if (failed.length > 0) process.exitCode = 1;
  log(`finished in ${report.seconds} s; results in ${relative(ROOT, join(OUT, 'results.md'))} and results.json`);
}

// ------------------------------------------------------------------------------------------------
// Report

function renderMarkdown(r) {
  const lines = [];
  const m = r.machine;
  const p = r.python;
  const s = r.settings;
  lines.push(`Run of ${r.date.slice(0, 16).replace('T', ' ')} UTC, ${r.seconds} s in all.`);
  lines.push('');
  lines.push(
    `- Machine: ${m.cpu}, ${m.memory} RAM, ${m.os}; load average at the start ${m.loadAverage}. The 2 cores are shared by the server under test and wrk.`,
  );
  lines.push(`- Node.js ${m.node}; ${r.wrk}, ${s.wrkThreads} threads (at most one per connection)`);
  lines.push(
    p.skipped === undefined
      ? `- Python ${p.python}, scikit-learn ${p.sklearn}, numpy ${p.numpy} (${p.blas}), pandas ${p.pandas}; Flask ${p.flask} under gunicorn ${p.gunicorn} (2 sync workers); FastAPI ${p.fastapi} under uvicorn ${p.uvicorn} (2 workers, uvloop ${p.uvloop ? 'yes' : 'no'}, httptools ${p.httptools ? 'yes' : 'no'}, no access log); rows to a matrix with ${s.frame === 'pandas' ? 'a pandas DataFrame, as MLflow does' : 'numpy alone (no DataFrame)'}, scored by a scikit-learn Pipeline`
      : `- Python servers not run: ${p.skipped}`,
  );
  const loads = r.results.flatMap((res) => res.cells.map((c) => c.loadAverage));
  lines.push(
    `- Servers side by side, each cell measured on each server in turn, ${s.rounds} rounds in a rotating order; medians of the rounds. Load average (1 min, the other work on this shared machine included) during the runs: ${loads.length > 0 ? `${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)}` : 'n/a'}.`,
  );
  lines.push(
    `- Each run: ${s.warmup} s of unmeasured load, then ${s.duration} s measured; body: MLflow \`dataframe_split\` JSON (${Object.entries(r.payloadBytes)
      .map(([n, b]) => `${fmtInt(Number(n))} rows ${b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${fmtInt(b)} B`}`)
      .join(', ')}); answer: label and scores per row. Peak RSS: the server's whole process tree, sampled every 50 ms during the measured run.`,
  );
  lines.push('');
  lines.push(
    '| rows/request | connections | server | requests/s | (rounds: lowest–highest) | rows/s | p50 | p99 | errors | server CPU per request | cores busy | peak RSS |',
  );
  lines.push('|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const cellKeys = r.results[0]?.cells.map((c) => [c.rows, c.connections]) ?? [];
  for (const [rows, connections] of cellKeys) {
    for (const res of r.results) {
      const c = res.cells.find((x) => x.rows === rows && x.connections === connections);
      if (c === undefined) continue;
      lines.push(
        `| ${c.rows} | ${c.connections} | ${res.label} | ${fmtInt(c.rps)} | ${fmtInt(c.rpsRange[0])}–${fmtInt(c.rpsRange[1])} | ${fmtInt(c.rowsPerSecond)} | ` +
          `${fmtMs(c.p50)} | ${fmtMs(c.p99)} | ${c.errors} | ${Number.isFinite(c.cpuUsPerRequest) ? `${c.cpuUsPerRequest.toFixed(0)} µs` : 'n/a'} | ${c.cpuCores.toFixed(2)} | ${c.peakRssMiB.toFixed(0)} MiB |`,
      );
    }
  }
  const by = Object.fromEntries(r.results.map((res) => [res.key, res]));
  if (by.iris !== undefined) {
    lines.push('');
    lines.push(
      '| rows/request | connections | best Python | iris / best Python, requests/s (target ≥ 3, aim 5) | iris p99 / best Python p99 (target ≤ 1) | iris / bare node, requests/s (target ≥ 0.7, aim 0.85) | server CPU per request, iris / bare node |',
    );
    lines.push('|---:|---:|---|---:|---:|---:|---:|');
    for (const c of by.iris.cells) {
      const same = (res) => res?.cells.find((x) => x.rows === c.rows && x.connections === c.connections);
      const pythons = ['fastapi', 'flask'].map((k) => ({ res: by[k], cell: same(by[k]) })).filter((x) => x.cell !== undefined);
      const best = pythons.sort((a, b) => b.cell.rps - a.cell.rps)[0];
      const bare = same(by.node);
      const judge = (value, ok, aim) =>
        value === undefined
          ? 'n/a'
          : `${fmtRatio(value)} ${aim !== undefined && aim(value) ? '(meets the aim)' : ok(value) ? '(meets the target)' : '(MISSES)'}`;
      const vsPython = best && c.errors === 0 ? c.rps / best.cell.rps : undefined;
      const p99Ratio = best ? c.p99 / best.cell.p99 : undefined;
      const vsNode = bare && c.errors === 0 ? c.rps / bare.rps : undefined;
      lines.push(
        `| ${c.rows} | ${c.connections} | ${best ? best.res.label : 'n/a'} | ${judge(
          vsPython,
          (v) => v >= 3,
          (v) => v >= 5,
        )} | ${judge(p99Ratio, (v) => v <= 1)} | ${judge(
          vsNode,
          (v) => v >= 0.7,
          (v) => v >= 0.85,
        )} | ${fmtRatio(bare ? c.cpuUsPerRequest / bare.cpuUsPerRequest : undefined)} |`,
      );
    }
  }
  lines.push('');
  lines.push(`| server | one ${fmtInt(s.largeRows)}-row request (median of ${s.largeRuns}) | fastest | ready after start | peak RSS (whole run) |`);
  lines.push('|---|---:|---:|---:|---:|');
  for (const res of r.results) {
    lines.push(
      `| ${res.label} | ${res.large ? fmtMs(res.large.medianMs) : 'n/a'} | ${res.large ? fmtMs(res.large.minMs) : 'n/a'} | ${fmtMs(res.readyMs)} | ${res.peakRssMiB.toFixed(0)} MiB |`,
    );
  }
  for (const res of r.results) {
    const h = res.huge;
    if (h === undefined) continue;
    lines.push('');
    lines.push(
      `${res.label}, one ${fmtInt(h.rows)}-row request (${h.bodyMiB.toFixed(1)} MiB body): status ${h.status} after ${fmtMs(h.ms)}` +
        `${h.status === 200 ? ` (${h.responseMiB.toFixed(0)} MiB answer)` : ''}; \`/v2/health/live\` meanwhile: p99 **${fmtMs(h.p99)}** ` +
        `(target < 20 ms: ${h.p99 < 20 && h.errors === 0 ? 'met' : 'MISSED'}), p50 ${fmtMs(h.p50)}, max ${fmtMs(h.max)}, ${h.probes} probes, ${h.errors} errors; idle p99 ${fmtMs(h.idleP99)}.`,
    );
  }
  for (const f of r.failed) {
    lines.push('');
    lines.push(`${f.label}: FAILED, no figures: ${f.error}`);
  }
  const wrong = r.results.filter((res) => !res.check?.ok);
  lines.push('');
  lines.push(
    wrong.length === 0
      ? `Every server's answer to the ${s.rows.at(-1)}-row body was checked before the load: the same labels as the project's scoring code, scores within 1e-9.`
      : `ANSWERS DIFFER: ${wrong.map((res) => `${res.label}: ${res.check?.why}`).join('; ')}.`,
  );
  return `${lines.join('\n')}\n`;
}

const START = '<!-- bench:serve:start -->';
const END = '<!-- bench:serve:end -->';

function updateDoc(markdown) {
  const path = join(ROOT, 'BENCHMARKS.md');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from === -1 || to === -1 || to < from) {
    log(`BENCHMARKS.md has no ${START} … ${END} section; not updated`);
    return;
  }
  writeFileSync(path, `${text.slice(0, from + START.length)}\n${markdown}${text.slice(to)}`);
  log('BENCHMARKS.md updated');
}

main().catch((error) => {
  console.error(`bench:serve: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1); // the 'exit' handler kills the servers
});
