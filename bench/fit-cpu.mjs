#!/usr/bin/env node
/**
 * CPU time of single perceptron fits, one per candidate of bench/tune.mjs's grid (eta0 x alpha x
 * penalty, plus the no-penalty fits `iris train` runs), on standard-scaled generated data in this
 * thread: where the time of `iris tune` goes, without CSV reading, folds or threads. CPU time
 * (process.cpuUsage) rather than wall time, so a busy machine disturbs the figures less.
 * Prints a JSON report: per candidate the median milliseconds, the epochs and a fingerprint of
 * the fitted bits (the fingerprints of two builds must be equal when a change keeps every bit).
 *
 *   npm run build && node bench/fit-cpu.mjs            20,000 rows, 3 repetitions
 *   BENCH_FIT_ROWS=2000 BENCH_FIT_RUNS=1 node bench/fit-cpu.mjs
 *   BENCH_FIT_PENALTY=l1 node bench/fit-cpu.mjs        one penalty only (none, l2, l1, elasticnet)
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLASSES, FEATURES, GENERATOR_VERSION, generate } from './generate.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const DIST = join(BENCH, '..', 'dist', 'core');
const { fitPerceptron } = await import(join(DIST, 'perceptron.js'));
const { fitStandardScaler, transformStandard } = await import(join(DIST, 'scaler.js'));

function setting(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`bench:fit-cpu: ${name}=${text}: expected a whole number >= 1`);
    process.exit(2);
  }
  return value;
}

const ROWS = setting('BENCH_FIT_ROWS', 20_000);
const RUNS = setting('BENCH_FIT_RUNS', 3);
const ONLY = process.env.BENCH_FIT_PENALTY ?? '';
const GRID = { eta0: [0.01, 0.1, 1], alpha: [0.0001, 0.001, 0.01], penalty: [null, 'l2', 'l1', 'elasticnet'] };

const dataDir = join(BENCH, 'data');
mkdirSync(dataDir, { recursive: true });
const path = join(dataDir, `tune-${ROWS}-v${GENERATOR_VERSION}.csv`);
if (!existsSync(path)) generate(ROWS, path, null);
const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
const n = lines.length;
const d = FEATURES;
const data = new Float64Array(n * d);
const y = new Int32Array(n);
lines.forEach((line, i) => {
  const cells = line.split(',');
  for (let j = 0; j < d; j++) data[i * d + j] = Number(cells[j]);
  y[i] = CLASSES.indexOf(cells[d]);
});
const X = { data, rows: n, cols: d };
transformStandard(fitStandardScaler(X), X, X.data);

const candidates = [];
for (const penalty of GRID.penalty) {
  if (ONLY !== '' && String(penalty ?? 'none') !== ONLY) continue;
  for (const eta0 of GRID.eta0) {
    // alpha only matters with a penalty.
    for (const alpha of penalty === null ? [0.0001] : GRID.alpha) candidates.push({ penalty, eta0, alpha });
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = [];
const totals = {};
for (const params of candidates) {
  const times = [];
  let model;
  for (let run = 0; run < RUNS; run++) {
    const start = process.cpuUsage();
    model = fitPerceptron(X, y, CLASSES.length, params);
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
  }
  const hash = createHash('sha256');
  hash.update(new Uint8Array(model.coef.buffer, model.coef.byteOffset, model.coef.byteLength));
  hash.update(new Uint8Array(model.intercept.buffer, model.intercept.byteOffset, model.intercept.byteLength));
  const ms = median(times);
  const key = params.penalty ?? 'none';
  totals[key] = (totals[key] ?? 0) + ms;
  results.push({ ...params, ms: Number(ms.toFixed(1)), nIter: model.nIter, bits: hash.digest('hex').slice(0, 16) });
  process.stderr.write(`bench:fit-cpu: ${key} eta0=${params.eta0} alpha=${params.alpha}: ${ms.toFixed(1)} ms CPU, ${model.nIter} epochs\n`);
}
const gridMs = Object.entries(totals).reduce((sum, [k, v]) => (k === 'none' ? sum : sum + v), 0);
process.stdout.write(`${JSON.stringify({ rows: n, features: d, classes: CLASSES.length, runs: RUNS, results, totalsMs: totals, gridMs }, null, 2)}\n`);
