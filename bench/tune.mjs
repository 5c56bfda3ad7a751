#!/usr/bin/env node
/**
 * `npm run bench:tune`: `iris tune --threads 2` against scikit-learn's `GridSearchCV(n_jobs=2)` on the
 * same data, in the same run (docs/MODEL_SELECTION.md, "Speed"): a 3 x 3 x 3 grid (eta0 x alpha x
 * penalty), 5 folds, 100,000 rows x 20 features by default. Both are whole processes (CSV reading
 * included); both must pick the same best parameters with the same mean score. Reports the median
 * wall times and their ratio (the contract asks for iris at most 0.5 of scikit-learn's time).
 *
 * Settings (environment):
 *   BENCH_TUNE_ROWS=100000   rows of the generated data (e.g. 2000 to check the script quickly)
 *   BENCH_TUNE_RUNS=3        timed runs of each side (alternating which goes first)
 *   BENCH_TUNE_THREADS=2     iris --threads and scikit-learn n_jobs
 *   BENCH_PYTHON=/usr/bin/python3   the Python with Debian's python3-sklearn and python3-pandas
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATOR_VERSION, generate } from './generate.mjs';
import { machineFacts, pythonEnv } from './lib/machine.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const IRIS = join(BENCH, '..', 'bin', 'iris.js');
const DATA = join(BENCH, 'data');
const OUT = join(BENCH, 'out');

function setting(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`bench:tune: ${name}=${text}: expected a whole number >= 1`);
    process.exit(2);
  }
  return value;
}

const ROWS = setting('BENCH_TUNE_ROWS', 100_000);
const RUNS = setting('BENCH_TUNE_RUNS', 3);
const THREADS = setting('BENCH_TUNE_THREADS', 2);
const FOLDS = 5;
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const GRID = { eta0: [0.01, 0.1, 1], alpha: [0.0001, 0.001, 0.01], penalty: ['l2', 'l1', 'elasticnet'] };
const GRID_SPEC = Object.entries(GRID)
  .map(([k, v]) => `${k}=${v.join(',')}`)
  .join(' ');
const log = (text) => process.stderr.write(`${text}\n`);

function timed(command, args, env) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    log(`bench:tune: ${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr}`);
    process.exit(1);
  }
  return { seconds, stdout: result.stdout };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

mkdirSync(DATA, { recursive: true });
mkdirSync(OUT, { recursive: true });
const data = join(DATA, `tune-${ROWS}-v${GENERATOR_VERSION}.csv`);
if (!existsSync(data)) {
  log(`bench:tune: writing ${ROWS} rows to ${data}`);
  generate(ROWS, data, null);
}
const model = join(OUT, 'tune-model.json');
const irisArgs = [IRIS, 'tune', '--data', data, '--grid', GRID_SPEC, '--folds', String(FOLDS), '--threads', String(THREADS), '--out', model, '--json'];
const pyArgs = [join(BENCH, 'python', 'tune.py'), data, JSON.stringify(GRID), String(FOLDS), String(THREADS)];
const nodeEnv = { ...process.env, NO_COLOR: '1' };
const hasPython = PYTHON !== 'none' && spawnSync(PYTHON, ['-c', 'import sklearn, pandas'], { env: pythonEnv() }).status === 0;
if (!hasPython) log(`bench:tune: ${PYTHON} has no scikit-learn and pandas: timing iris alone`);

const irisTimes = [];
const pyTimes = [];
let irisReport;
let pyReport;
for (let run = 0; run < RUNS; run++) {
  const sides = [
    () => {
      const r = timed(process.execPath, irisArgs, nodeEnv);
      irisTimes.push(r.seconds);
      irisReport = JSON.parse(r.stdout);
    },
    () => {
      if (!hasPython) return;
      const r = timed(PYTHON, pyArgs, pythonEnv());
      pyTimes.push(r.seconds);
      pyReport = JSON.parse(r.stdout);
    },
  ];
  if (run % 2 === 1) sides.reverse();
  for (const side of sides) side();
  log(`bench:tune: run ${run + 1}/${RUNS}: iris ${irisTimes.at(-1).toFixed(2)} s${hasPython ? `, scikit-learn ${pyTimes.at(-1).toFixed(2)} s` : ''}`);
}
rmSync(model, { force: true });

const sameBest = hasPython ? JSON.stringify(sortKeys(irisReport.bestParams)) === JSON.stringify(sortKeys(pyReport.bestParams)) : null;
const sameScore = hasPython ? irisReport.bestScore === pyReport.bestScore : null;
const result = {
  machine: machineFacts(),
  rows: ROWS,
  features: 20,
  grid: GRID,
  candidates: irisReport.candidates.length,
  folds: FOLDS,
  threads: THREADS,
  runs: RUNS,
  iris: {
    medianSeconds: median(irisTimes),
    seconds: irisTimes,
    bestParams: irisReport.bestParams,
    bestScore: irisReport.bestScore,
    testAccuracy: irisReport.test.accuracy,
  },
  sklearn: hasPython
    ? { medianSeconds: median(pyTimes), seconds: pyTimes, bestParams: pyReport.bestParams, bestScore: pyReport.bestScore, testAccuracy: pyReport.testAccuracy }
    : null,
  ratio: hasPython ? median(irisTimes) / median(pyTimes) : null,
  sameBestParams: sameBest,
  sameBestScore: sameScore,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
if (hasPython) {
  log(
    `bench:tune: iris ${result.iris.medianSeconds.toFixed(2)} s, scikit-learn ${result.sklearn.medianSeconds.toFixed(2)} s: ratio ${result.ratio.toFixed(3)} (contract: at most 0.5)`,
  );
  log(`bench:tune: best parameters ${sameBest ? 'equal' : 'DIFFER'}, best mean score ${sameScore ? 'equal' : 'DIFFERS'}`);
  if (!sameBest || !sameScore) process.exitCode = 1;
}

function sortKeys(o) {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}
