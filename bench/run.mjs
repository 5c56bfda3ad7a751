#!/usr/bin/env node
/**
 * `npm run bench`: iris against the equivalent pandas + scikit-learn scripts, as whole processes.
 * See BENCHMARKS.md for what is measured and the last results.
 *
 * Settings (environment):
 *   BENCH_SIZES=300k,1m    data sizes (rows of 20 features); e.g. BENCH_SIZES=300k skips the 1M set
 *   BENCH_RUNS=7           timed runs of each train / streaming predict command, per size
 *   BENCH_QUICK_RUNS=21    timed runs of each one-off predict / --help / `node -e 0` command
 *   BENCH_MEM_RUNS=3       runs of each side of the streamed-memory check (1k rows vs 1M rows)
 *   BENCH_PYTHON=/usr/bin/python3   the Python with Debian's python3-sklearn and python3-pandas;
 *                          `none` skips scikit-learn (iris is still timed, ratios are n/a)
 *   BENCH_UPDATE_DOC=1     also rewrite the results section of BENCHMARKS.md
 *   BENCH_BASELINE=<dir>   an older iris checkout with its own dist/ (e.g. a worktree of the previous
 *                          release, built): its train and streaming predict run in the same rounds on
 *                          the numeric sets, and the table says new / old
 *   BENCH_TABLE_SIZE=1m    rows of the table set (4 numeric columns with 5 % missing values, 3
 *                          categorical ones): `iris train --impute mean` and streaming predict against
 *                          pandas + the scikit-learn ColumnTransformer pipeline; `none` skips it
 *
 * Commands alternate (iris first on even runs, scikit-learn first on odd ones) and the medians are
 * reported. Wall time is measured here around each process; peak memory is the process's maximum
 * resident set size, from `/usr/bin/time -f %M` when present, else from the process itself at exit.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FEATURES, GENERATOR_VERSION } from './generate.mjs';
import { TABLE_GENERATOR_VERSION } from './generate-table.mjs';
import { machineFacts, pythonEnv } from './lib/machine.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const DATA = join(BENCH, 'data');
const OUT = join(BENCH, 'out');
const IRIS = join(ROOT, 'bin', 'iris.js');
const BASELINE = process.env.BENCH_BASELINE ? join(process.env.BENCH_BASELINE, 'bin', 'iris.js') : undefined;
const NODE = process.execPath;

// ------------------------------------------------------------------------------------------------
// Settings

function intSetting(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`bench: ${name}=${text}: expected a whole number >= 1`);
    process.exit(2);
  }
  return value;
}

function parseSize(text) {
  const m = /^(\d+)([km]?)$/i.exec(text.trim());
  if (m === null) {
    console.error(`bench: BENCH_SIZES: "${text}" is not a size such as 300k or 1m`);
    process.exit(2);
  }
  const unit = m[2].toLowerCase();
  const rows = Number(m[1]) * (unit === 'k' ? 1_000 : unit === 'm' ? 1_000_000 : 1);
  return { name: `${m[1]}${unit}`, label: `${m[1]}${unit.toUpperCase()}`, rows };
}

const SIZES = (process.env.BENCH_SIZES ?? '300k,1m')
  .split(',')
  .filter((s) => s.trim() !== '')
  .map(parseSize);
const TABLE_SIZE = (process.env.BENCH_TABLE_SIZE ?? '1m') === 'none' ? undefined : parseSize(process.env.BENCH_TABLE_SIZE ?? '1m');
const RUNS = intSetting('BENCH_RUNS', 7);
const QUICK_RUNS = intSetting('BENCH_QUICK_RUNS', 21);
const MEM_RUNS = intSetting('BENCH_MEM_RUNS', 3);
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const UPDATE_DOC = process.env.BENCH_UPDATE_DOC === '1';
/** Rows streamed into `iris predict` by the memory check: its peak must not grow with them. */
const MEMORY_ROWS = [1_000, 100_000, 1_000_000];

/** The Python commands run without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (see lib/machine.mjs). */
const PYTHON_ENV = pythonEnv();
/** Node and iris run in the environment as it is, minus anything that would add colour or spinners. */
const NODE_ENV = { ...process.env, NO_COLOR: '1' };
delete NODE_ENV.FORCE_COLOR;

const log = (text) => process.stderr.write(`${text}\n`);

// ------------------------------------------------------------------------------------------------
// Measuring one process

const TIME = '/usr/bin/time';
const RSS_FILE = join(OUT, '.peak-rss');
/** BENCH_PEAK_FROM=self uses the fallback even where /usr/bin/time exists (to test it). */
const useTime = process.env.BENCH_PEAK_FROM !== 'self' && existsSync(TIME) && spawnSync(TIME, ['-f', '%M', '-o', RSS_FILE, 'true']).status === 0;

/**
 * A command: `kind` says how peak memory is read without /usr/bin/time (a --require hook for Node,
 * a runpy wrapper for Python).
 */
function nodeCommand(args, env = NODE_ENV) {
  return { kind: 'node', file: NODE, args, env };
}
function pythonCommand(script, args) {
  return { kind: 'python', file: PYTHON, args: [join(BENCH, 'python', script), ...args], env: PYTHON_ENV };
}

function commandLine(command, withRss) {
  if (useTime || !withRss) return { file: command.file, args: command.args, env: command.env };
  const env = { ...command.env, BENCH_PEAK_RSS_FILE: RSS_FILE };
  if (command.kind === 'node') return { file: command.file, args: ['--require', join(BENCH, 'lib', 'peak-rss.cjs'), ...command.args], env };
  return { file: command.file, args: [join(BENCH, 'python', 'peak_rss.py'), ...command.args], env };
}

function readPeakKiB() {
  const text = readFileSync(RSS_FILE, 'utf8').trim().split('\n').pop();
  const kib = Number(text);
  if (!Number.isFinite(kib) || kib <= 0) throw new Error(`could not read the peak memory (${JSON.stringify(text)})`);
  return kib;
}

function describeCommand(command) {
  return [command.file, ...command.args].map((a) => (/^[\w./:=,@+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/** Runs `command` once; stdout goes to `stdoutPath` (or nowhere). Returns wall ms and peak MiB. */
function measure(command, { stdoutPath, stdinPath } = {}) {
  const line = commandLine(command, true);
  const file = useTime ? TIME : line.file;
  const args = useTime ? ['-f', '%M', '-o', RSS_FILE, line.file, ...line.args] : line.args;
  rmSync(RSS_FILE, { force: true });
  const stdout = stdoutPath === undefined ? 'ignore' : openSync(stdoutPath, 'w');
  const stdin = stdinPath === undefined ? 'ignore' : openSync(stdinPath, 'r');
  const start = process.hrtime.bigint();
  const result = spawnSync(file, args, { stdio: [stdin, stdout, 'pipe'], env: line.env, cwd: ROOT, maxBuffer: 64 << 20 });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (typeof stdout === 'number') closeSync(stdout);
  if (typeof stdin === 'number') closeSync(stdin);
  if (result.error !== undefined || result.status !== 0) {
    const stderr = result.stderr?.toString() ?? '';
    throw new Error(`failed (${result.error?.message ?? `exit ${result.status}`}): ${describeCommand(command)}\n${stderr}`);
  }
  return { wall, peak: readPeakKiB() / 1024 };
}

/** `producer | command`: the peak memory of `command` while it reads the producer's output. */
async function measurePiped(producer, command) {
  const line = commandLine(command, true);
  const file = useTime ? TIME : line.file;
  const args = useTime ? ['-f', '%M', '-o', RSS_FILE, line.file, ...line.args] : line.args;
  rmSync(RSS_FILE, { force: true });
  const source = spawn(producer.file, producer.args, { stdio: ['ignore', 'pipe', 'inherit'], env: producer.env, cwd: ROOT });
  const start = process.hrtime.bigint();
  const sink = spawn(file, args, { stdio: [source.stdout, 'ignore', 'pipe'], env: line.env, cwd: ROOT });
  // The sink holds its own copy of the pipe; the parent's would keep the producer's 'close' from firing.
  source.stdout.destroy();
  let stderr = '';
  sink.stderr.on('data', (chunk) => (stderr += chunk));
  const exit = (child, event) => new Promise((resolve) => child.on(event, (code) => resolve(code)));
  const [sourceCode, sinkCode] = await Promise.all([exit(source, 'exit'), exit(sink, 'close')]);
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (sourceCode !== 0 || sinkCode !== 0) {
    throw new Error(`failed (exit ${sourceCode} | ${sinkCode}): ${describeCommand(producer)} | ${describeCommand(command)}\n${stderr}`);
  }
  return { wall, peak: readPeakKiB() / 1024 };
}

// ------------------------------------------------------------------------------------------------
// Statistics and formatting

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function seconds(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

function mib(value) {
  return `${value.toFixed(0)} MiB`;
}

function ratio(a, b) {
  return a === undefined || b === undefined ? undefined : a / b;
}

function showRatio(value) {
  return value === undefined ? 'n/a' : value.toFixed(2);
}

function verdict(value, target, aim) {
  if (value === undefined) return '';
  if (aim !== undefined && value <= aim) return 'meets the aim';
  return value <= target ? 'meets the target' : 'MISSES the target';
}

// ------------------------------------------------------------------------------------------------
// Environment

function pythonVersions() {
  if (PYTHON === '' || PYTHON === 'none') return { skipped: `BENCH_PYTHON=${PYTHON || '""'}` };
  const probe = spawnSync(
    PYTHON,
    [
      '-c',
      'import json, sys, numpy, pandas, sklearn; print(json.dumps({"python": sys.version.split()[0], "numpy": numpy.__version__, "pandas": pandas.__version__, "sklearn": sklearn.__version__}))',
    ],
    { env: PYTHON_ENV, encoding: 'utf8' },
  );
  if (probe.error !== undefined || probe.status !== 0) {
    const why = probe.error?.message ?? probe.stderr.trim().split('\n').pop();
    return { skipped: `${PYTHON} cannot import pandas and scikit-learn (${why}); apt-get install -y python3-sklearn python3-pandas` };
  }
  return JSON.parse(probe.stdout);
}

function machine() {
  return {
    ...machineFacts(),
    peakMemoryFrom: useTime ? '/usr/bin/time -f %M' : 'the process itself at exit (process.resourceUsage / resource.getrusage)',
  };
}

// ------------------------------------------------------------------------------------------------
// Data

function dataFiles(size) {
  return {
    labelled: join(DATA, `labelled-${size.name}.csv`),
    features: join(DATA, `features-${size.name}.csv`),
    stamp: join(DATA, `stamp-${size.name}.json`),
  };
}

/** The table set: its files, generated once per size and generator version. */
function ensureTableData(size) {
  const files = {
    labelled: join(DATA, `table-labelled-${size.name}.csv`),
    features: join(DATA, `table-features-${size.name}.csv`),
    stamp: join(DATA, `table-stamp-${size.name}.json`),
  };
  const want = JSON.stringify({ generator: TABLE_GENERATOR_VERSION, rows: size.rows });
  const have = existsSync(files.stamp) ? readFileSync(files.stamp, 'utf8') : '';
  if (have === want && existsSync(files.labelled) && existsSync(files.features)) return files;
  log(`bench: generating the ${size.label}-row table (4 numeric columns with gaps, 3 categorical) into ${relative(ROOT, DATA)}/ …`);
  rmSync(files.stamp, { force: true });
  const result = spawnSync(NODE, [join(BENCH, 'generate-table.mjs'), String(size.rows), files.labelled, files.features], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('table data generation failed');
  writeFileSync(files.stamp, want);
  return files;
}

/** The table set's commands, first (untimed) runs and parity check; undefined when skipped. */
function prepareTableSet(withPython) {
  if (TABLE_SIZE === undefined) return undefined;
  const size = TABLE_SIZE;
  const files = ensureTableData(size);
  const model = join(OUT, `iris-table-${size.name}.json`);
  const pkl = join(OUT, `sklearn-table-${size.name}.pkl`);
  const commands = {
    train: {
      iris: nodeCommand([IRIS, 'train', '--data', files.labelled, '--impute', 'mean', '--out', model]),
      sklearn: withPython ? pythonCommand('train_table.py', [files.labelled, pkl]) : undefined,
    },
    predict: {
      iris: nodeCommand([IRIS, 'predict', '--model', model, '--input', files.features]),
      sklearn: withPython ? pythonCommand('predict_table_stream.py', [pkl, files.features]) : undefined,
    },
  };
  const predictions = { iris: join(OUT, `iris-table-${size.name}.txt`), sklearn: join(OUT, `sklearn-table-${size.name}.txt`) };
  log(`bench: table ${size.label}: first (untimed) runs`);
  measure(commands.train.iris, { stdoutPath: join(OUT, `iris-train-table-${size.name}.txt`) });
  measure(commands.predict.iris, { stdoutPath: predictions.iris });
  let parity;
  if (withPython) {
    measure(commands.train.sklearn, { stdoutPath: join(OUT, `sklearn-train-table-${size.name}.txt`) });
    measure(commands.predict.sklearn, { stdoutPath: predictions.sklearn });
    const same = readFileSync(predictions.iris).equals(readFileSync(predictions.sklearn));
    parity = { predictionsIdentical: same };
    log(`bench: table ${size.label}: predictions ${same ? 'identical' : 'DIFFER'}`);
  }
  return { size, files, model, pkl, commands, predictions, parity };
}

function ensureData(size) {
  const files = dataFiles(size);
  const want = JSON.stringify({ generator: GENERATOR_VERSION, rows: size.rows });
  const have = existsSync(files.stamp) ? readFileSync(files.stamp, 'utf8') : '';
  if (have === want && existsSync(files.labelled) && existsSync(files.features)) return files;
  log(`bench: generating ${size.label} rows x ${FEATURES} features into ${relative(ROOT, DATA)}/ …`);
  rmSync(files.stamp, { force: true });
  const result = spawnSync(NODE, [join(BENCH, 'generate.mjs'), String(size.rows), files.labelled, files.features], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('data generation failed');
  writeFileSync(files.stamp, want);
  return files;
}

function firstRowFlags(featuresPath) {
  const fd = openSync(featuresPath, 'r');
  const buffer = Buffer.alloc(4096);
  const length = readSync(fd, buffer, 0, buffer.length, 0);
  closeSync(fd);
  const [header, row] = buffer.toString('utf8', 0, length).split('\n');
  const values = row.split(',');
  return header.split(',').flatMap((name, j) => [`--${name}`, values[j]]);
}

// ------------------------------------------------------------------------------------------------
// The benchmark

async function main() {
  mkdirSync(OUT, { recursive: true });
  mkdirSync(DATA, { recursive: true });
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    console.error('bench: dist/ is missing; run `npm run build` first (npm run bench does)');
    process.exit(2);
  }
  const python = pythonVersions();
  const withPython = python.skipped === undefined;
  const info = machine();
  log(`bench: ${info.cpu}, ${info.memory}, ${info.os}, Node ${info.node}, load ${info.loadAverage}`);
  log(
    withPython
      ? `bench: Python ${python.python}, numpy ${python.numpy}, pandas ${python.pandas}, scikit-learn ${python.sklearn}`
      : `bench: scikit-learn skipped: ${python.skipped}`,
  );
  log(
    `bench: sizes ${SIZES.map((s) => s.label).join(', ')}; ${RUNS} runs each (train, streaming predict), ${QUICK_RUNS} runs (one-off predict, --help), ${MEM_RUNS} runs (memory check)`,
  );

  const started = Date.now();
  const sets = SIZES.map((size) => ({ size, files: ensureData(size) }));

  // Untimed first runs: warm the page cache, write the models, check that both sides agree.
  const parity = {};
  for (const { size, files } of sets) {
    const model = join(OUT, `iris-${size.name}.json`);
    const pkl = join(OUT, `sklearn-${size.name}.pkl`);
    const commands = {
      train: {
        iris: nodeCommand([IRIS, 'train', '--data', files.labelled, '--out', model]),
        sklearn: withPython ? pythonCommand('train.py', [files.labelled, pkl]) : undefined,
        old: BASELINE === undefined ? undefined : nodeCommand([BASELINE, 'train', '--data', files.labelled, '--out', join(OUT, `old-${size.name}.json`)]),
      },
      predict: {
        iris: nodeCommand([IRIS, 'predict', '--model', model, '--input', files.features]),
        sklearn: withPython ? pythonCommand('predict_stream.py', [pkl, files.features]) : undefined,
        old: BASELINE === undefined ? undefined : nodeCommand([BASELINE, 'predict', '--model', join(OUT, `old-${size.name}.json`), '--input', files.features]),
      },
    };
    const predictions = { iris: join(OUT, `iris-${size.name}.txt`), sklearn: join(OUT, `sklearn-${size.name}.txt`), old: join(OUT, `old-${size.name}.txt`) };
    log(`bench: ${size.label}: first (untimed) runs`);
    measure(commands.train.iris, { stdoutPath: join(OUT, `iris-train-${size.name}.txt`) });
    measure(commands.predict.iris, { stdoutPath: predictions.iris });
    if (BASELINE !== undefined) {
      measure(commands.train.old, { stdoutPath: join(OUT, `old-train-${size.name}.txt`) });
      measure(commands.predict.old, { stdoutPath: predictions.old });
      const same = readFileSync(predictions.iris).equals(readFileSync(predictions.old));
      log(`bench: ${size.label}: old build's predictions ${same ? 'identical' : 'DIFFER'}`);
    }
    if (withPython) {
      measure(commands.train.sklearn, { stdoutPath: join(OUT, `sklearn-train-${size.name}.txt`) });
      measure(commands.predict.sklearn, { stdoutPath: predictions.sklearn });
      const compare = spawnSync(PYTHON, [join(BENCH, 'python', 'compare.py'), pkl, model], { env: PYTHON_ENV, encoding: 'utf8' });
      const weights = compare.status === 0 ? JSON.parse(compare.stdout) : { error: compare.stderr };
      const same = readFileSync(predictions.iris).equals(readFileSync(predictions.sklearn));
      parity[size.name] = { ...weights, predictionsIdentical: same };
      log(`bench: ${size.label}: parity: ${weights.identical}/${weights.values} model values bit-identical; predictions ${same ? 'identical' : 'DIFFER'}`);
    }
    Object.assign(
      sets.find((s) => s.size === size),
      { commands, model, pkl, predictions },
    );
  }

  const table = prepareTableSet(withPython);
  if (table?.parity !== undefined) parity[`table-${table.size.name}`] = table.parity;

  // Timed rounds of the heavy commands, alternating which side goes first.
  const samples = {};
  const record = (key, side, result) => {
    samples[key] ??= { iris: [], sklearn: [], old: [] };
    samples[key][side].push(result);
  };
  for (let run = 0; run < RUNS; run++) {
    const order = run % 2 === 0 ? ['iris', 'sklearn'] : ['sklearn', 'iris'];
    // The old build takes turns too: first, between, last (rotating with the run).
    const numericOrder = BASELINE === undefined ? order : [...order.slice(0, run % 3), 'old', ...order.slice(run % 3)];
    for (const set of sets) {
      for (const task of ['train', 'predict']) {
        for (const side of numericOrder) {
          const command = set.commands[task][side];
          if (command === undefined) continue;
          const stdoutPath = task === 'predict' ? set.predictions[side] : undefined;
          record(`${task}-${set.size.name}`, side, measure(command, { stdoutPath }));
        }
      }
    }
    for (const task of table === undefined ? [] : ['train', 'predict']) {
      for (const side of order) {
        const command = table.commands[task][side];
        if (command === undefined) continue;
        record(`table-${task}-${table.size.name}`, side, measure(command, { stdoutPath: task === 'predict' ? table.predictions[side] : undefined }));
      }
    }
    log(`bench: run ${run + 1}/${RUNS} done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }

  // Start-up bound commands: a one-off prediction from flags with each size's model (format v2: the
  // model file no longer grows with the training data), and --help, against `node -e 0`.
  const first = sets[0];
  const flags = firstRowFlags(first.files.features);
  for (const set of sets) {
    set.oneOff = {
      iris: nodeCommand([IRIS, 'predict', '--model', set.model, ...flags]),
      sklearn: withPython ? pythonCommand('predict_one.py', [set.pkl, ...flags]) : undefined,
    };
  }
  const help = { iris: nodeCommand([IRIS, '--help']), node: nodeCommand(['-e', '0']) };
  for (let run = 0; run < QUICK_RUNS; run++) {
    const order = run % 2 === 0 ? ['iris', 'sklearn'] : ['sklearn', 'iris'];
    for (const set of sets) {
      for (const side of order) {
        if (set.oneOff[side] !== undefined) record(`oneoff-${set.size.name}`, side, measure(set.oneOff[side]));
      }
    }
    for (const side of run % 2 === 0 ? ['iris', 'node'] : ['node', 'iris']) {
      samples.help ??= { iris: [], node: [] };
      samples.help[side].push(measure(help[side]));
    }
  }
  log(`bench: one-off predict and --help done (${((Date.now() - started) / 1000).toFixed(0)} s)`);

  // Memory check: generated rows streamed on stdin (1k, 100k, 1M), with the first size's model.
  const memory = MEMORY_ROWS.map(() => []);
  const scorer = nodeCommand([IRIS, 'predict', '--model', first.model]);
  for (let run = 0; run < MEM_RUNS; run++) {
    const order = MEMORY_ROWS.map((_, k) => k);
    if (run % 2 === 1) order.reverse();
    for (const k of order) {
      const producer = { file: NODE, args: [join(BENCH, 'generate.mjs'), String(MEMORY_ROWS[k]), '-'], env: process.env };
      memory[k].push(await measurePiped(producer, scorer));
    }
  }
  log(`bench: memory check done (${((Date.now() - started) / 1000).toFixed(0)} s)`);

  // Summary
  const summary = (list) =>
    list === undefined || list.length === 0 ? undefined : { wall: median(list.map((r) => r.wall)), peak: median(list.map((r) => r.peak)), runs: list.length };
  const rows = [];
  for (const { size } of sets) {
    const target = size === first.size;
    for (const [task, label, timeTarget, timeAim] of [
      ['train', '`iris train`', 1.0, 0.5],
      ['predict', '`iris predict` streaming the features file', 0.7, 0.3],
    ]) {
      const s = samples[`${task}-${size.name}`];
      const iris = summary(s.iris);
      const sklearn = summary(s.sklearn);
      const old = summary(s.old);
      rows.push({
        task: `${label}, ${size.label} rows`,
        iris,
        sklearn,
        ...(old === undefined ? {} : { old, oldTimeRatio: ratio(iris?.wall, old.wall), oldMemoryRatio: ratio(iris?.peak, old.peak) }),
        timeRatio: ratio(iris?.wall, sklearn?.wall),
        memoryRatio: ratio(iris?.peak, sklearn?.peak),
        timeTarget: target ? timeTarget : undefined,
        timeAim: target ? timeAim : undefined,
        memoryTarget: target && task === 'train' ? 1.0 : undefined,
        memoryAim: target && task === 'train' ? 0.5 : undefined,
      });
    }
  }
  for (const [task, label] of table === undefined
    ? []
    : [
        ['train', '`iris train --impute mean`'],
        ['predict', '`iris predict` streaming'],
      ]) {
    const s = samples[`table-${task}-${table.size.name}`];
    const iris = summary(s.iris);
    const sklearn = summary(s.sklearn);
    rows.push({
      task: `${label}, table of ${table.size.label} rows (4 numeric with 5 % missing, 3 categorical)`,
      iris,
      sklearn,
      timeRatio: ratio(iris?.wall, sklearn?.wall),
      memoryRatio: ratio(iris?.peak, sklearn?.peak),
    });
  }
  const helpIris = summary(samples.help.iris);
  const helpNode = summary(samples.help.node);
  const oneOffs = [];
  for (const { size } of sets) {
    const iris = summary(samples[`oneoff-${size.name}`].iris);
    const sklearn = summary(samples[`oneoff-${size.name}`].sklearn);
    rows.push({
      task: `one-off \`iris predict --f1 … --f${FEATURES}\` (${size.label} model)`,
      iris,
      sklearn,
      timeRatio: ratio(iris?.wall, sklearn?.wall),
      memoryRatio: ratio(iris?.peak, sklearn?.peak),
      timeTarget: 0.15,
      timeAim: 0.1,
    });
    oneOffs.push({ model: size.label, iris, ratio: iris.wall / helpNode.wall, aim: 1.25 });
  }
  const memoryPoints = MEMORY_ROWS.map((rows, k) => ({ rows, ...summary(memory[k]) }));
  const results = {
    date: new Date().toISOString(),
    machine: info,
    python,
    settings: { sizes: SIZES.map((s) => s.label), runs: RUNS, quickRuns: QUICK_RUNS, memoryRuns: MEM_RUNS },
    parity,
    rows,
    help: { iris: helpIris, node: helpNode, ratio: helpIris.wall / helpNode.wall, target: 1.5 },
    oneOffs,
    memoryCheck: { model: first.size.label, points: memoryPoints, ratio: memoryPoints.at(-1).peak / memoryPoints[0].peak },
    seconds: Math.round((Date.now() - started) / 1000),
  };
  const markdown = renderMarkdown(results);
  writeFileSync(join(OUT, 'results.json'), `${JSON.stringify({ ...results, samples }, null, 2)}\n`);
  writeFileSync(join(OUT, 'results.md'), markdown);
  process.stdout.write(`${markdown}\n`);
  if (UPDATE_DOC) updateDoc(markdown);
  log(`bench: finished in ${results.seconds} s; results in ${relative(ROOT, join(OUT, 'results.md'))} and results.json`);
}

function renderMarkdown(r) {
  const lines = [];
  const m = r.machine;
  const py =
    r.python.skipped === undefined
      ? `Python ${r.python.python}, numpy ${r.python.numpy}, pandas ${r.python.pandas}, scikit-learn ${r.python.sklearn}`
      : `scikit-learn not run: ${r.python.skipped}`;
  lines.push(`Run of ${r.date.slice(0, 16).replace('T', ' ')} UTC, ${r.seconds} s in all.`);
  lines.push('');
  lines.push(`- Machine: ${m.cpu}, ${m.memory} RAM, ${m.os}; load average at the start ${m.loadAverage}`);
  lines.push(`- Node.js ${m.node} (NODE_EXTRA_CA_CERTS ${m.nodeExtraCaCerts}: see "Start-up" below); ${py}`);
  lines.push(
    `- Runs: ${r.settings.runs} of each train and streaming predict command per size, ${r.settings.quickRuns} of each one-off and --help command, ${r.settings.memoryRuns} of each memory check; medians; sizes ${r.settings.sizes.join(', ')}; peak memory from ${m.peakMemoryFrom}`,
  );
  lines.push('');
  lines.push('| command | iris | scikit-learn | time ratio | target | iris peak | scikit-learn peak | memory ratio | target |');
  lines.push('|---|---:|---:|---:|---|---:|---:|---:|---|');
  for (const row of r.rows) {
    const goal = (value, target, aim) => (target === undefined ? '' : `≤ ${target.toFixed(2)} (aim ${aim.toFixed(2)}): ${verdict(value, target, aim)}`);
    const timeGoal = goal(row.timeRatio, row.timeTarget, row.timeAim);
    const memGoal = goal(row.memoryRatio, row.memoryTarget, row.memoryAim);
    lines.push(
      `| ${row.task} | ${row.iris ? seconds(row.iris.wall) : 'n/a'} | ${row.sklearn ? seconds(row.sklearn.wall) : 'n/a'} | ${showRatio(row.timeRatio)} | ${timeGoal} | ` +
        `${row.iris ? mib(row.iris.peak) : 'n/a'} | ${row.sklearn ? mib(row.sklearn.peak) : 'n/a'} | ${showRatio(row.memoryRatio)} | ${memGoal} |`,
    );
  }
  const againstOld = r.rows.filter((row) => row.old !== undefined);
  if (againstOld.length > 0) {
    lines.push('');
    lines.push('This build against the older build of BENCH_BASELINE, in the same rounds (all-numeric data; target: no slower):');
    lines.push('');
    lines.push('| command | this build | older build | time new / old | peak new / old |');
    lines.push('|---|---:|---:|---:|---:|');
    for (const row of againstOld)
      lines.push(`| ${row.task} | ${seconds(row.iris.wall)} | ${seconds(row.old.wall)} | ${showRatio(row.oldTimeRatio)} | ${showRatio(row.oldMemoryRatio)} |`);
  }
  lines.push('');
  lines.push('| start-up | median | peak | ratio to `node -e 0` | target |');
  lines.push('|---|---:|---:|---:|---|');
  lines.push(
    `| \`iris --help\` | ${seconds(r.help.iris.wall)} | ${mib(r.help.iris.peak)} | ${r.help.ratio.toFixed(2)} | ≤ 1.50: ${r.help.ratio <= 1.5 ? 'meets the target' : 'MISSES the target'} |`,
  );
  for (const o of r.oneOffs ?? []) {
    lines.push(
      `| one-off \`iris predict\` (${o.model} model) | ${seconds(o.iris.wall)} | ${mib(o.iris.peak)} | ${o.ratio.toFixed(2)} | aim ≤ ${o.aim.toFixed(2)}: ${o.ratio <= o.aim ? 'meets the aim' : 'misses the aim'} |`,
    );
  }
  lines.push(`| \`node -e 0\` | ${seconds(r.help.node.wall)} | ${mib(r.help.node.peak)} | 1.00 | |`);
  lines.push('');
  const mc = r.memoryCheck;
  lines.push(`Streaming memory check (\`iris predict --model <${mc.model} model>\` reading generated rows on stdin):`);
  lines.push('');
  lines.push('| rows streamed | median wall (with the generator) | peak memory of `iris predict` |');
  lines.push('|---:|---:|---:|');
  for (const point of mc.points) lines.push(`| ${point.rows.toLocaleString('en-US')} | ${seconds(point.wall)} | ${mib(point.peak)} |`);
  lines.push('');
  lines.push(
    `Peak memory with ${mc.points.at(-1).rows.toLocaleString('en-US')} rows is ${mc.ratio.toFixed(2)}x the peak with ${mc.points[0].rows.toLocaleString('en-US')} rows.`,
  );
  const parity = Object.entries(r.parity);
  if (parity.length > 0) {
    lines.push('');
    for (const [size, p] of parity) {
      if (p.values === undefined) {
        lines.push(
          `Parity (${size.toUpperCase()}): streamed predictions of the table model ${p.predictionsIdentical ? 'identical to' : 'DIFFERENT from'} the scikit-learn pipeline's.`,
        );
        continue;
      }
      lines.push(
        `Parity (${size.toUpperCase()}): ${p.identical}/${p.values} scaler and perceptron values bit-identical to scikit-learn's, ` +
          `epochs ${p.nIter?.[0]} vs ${p.nIter?.[1]}, streamed predictions ${p.predictionsIdentical ? 'identical' : 'DIFFERENT'}.`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

function updateDoc(markdown) {
  const path = join(ROOT, 'BENCHMARKS.md');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from === -1 || to === -1 || to < from) {
    log(`bench: BENCHMARKS.md has no ${START} … ${END} section; not updated`);
    return;
  }
  writeFileSync(path, `${text.slice(0, from + START.length)}\n${markdown}${text.slice(to)}`);
  log('bench: BENCHMARKS.md updated');
}

main().catch((error) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
