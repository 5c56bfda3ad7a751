/**
 * Runs the fits of a cross-validation or a grid search (each fold × candidate, core/selection.ts),
 * in this thread or in worker threads (piscina) over shared memory, and summarises them as
 * scikit-learn reports them (cross_validate's scores, GridSearchCV's cv_results_). Every fit is
 * independent and deterministic, so the results do not depend on the number of threads.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DataError } from '../core/errors.js';
import { foldMean, foldStd, rankScores } from '../core/folds.js';
import type { Candidate } from '../core/grid.js';
import type { PerceptronParams } from '../core/perceptron.js';
import type { PerceptronInit } from '../core/pipeline.js';
import { fitFold, type FoldData, type FoldResult, type Scorer } from '../core/selection.js';

export interface FitJob {
  candidate: number;
  fold: number;
  params: PerceptronParams;
}

export interface RunOptions {
  scorers: readonly Scorer[];
  /** Worker threads; 1 (or less) fits in this thread. */
  threads: number;
  init?: PerceptronInit | undefined;
  /** Called after each fit, with the number done and the total. */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/** What a worker task carries: the data on shared memory (not copied), the job, the scorers. */
export interface WorkerTask {
  X: { data: Float64Array; rows: number; cols: number };
  codes: Int32Array;
  names: readonly string[];
  foldOf: Int32Array;
  features: readonly string[];
  target: string;
  table?: FoldData['table'];
  job: FitJob;
  scorers: readonly Scorer[];
  init?: PerceptronInit | undefined;
}

const WORKER_URL = new URL('./select-worker.js', import.meta.url);

function shared<T extends Float64Array | Int32Array>(array: T, make: (buffer: SharedArrayBuffer) => T): T {
  const out = make(new SharedArrayBuffer(array.byteLength));
  out.set(array);
  return out;
}

/** Fits every job, in job order in the result, whatever order they finish in. */
export async function runFits(data: FoldData, jobs: readonly FitJob[], options: RunOptions): Promise<FoldResult[]> {
  const results = new Array<FoldResult>(jobs.length);
  let done = 0;
  const progress = () => options.onProgress?.(++done, jobs.length);
  // From the TypeScript sources (tests) there is no compiled worker: the same fits run here.
  const threads = existsSync(fileURLToPath(WORKER_URL)) ? Math.min(Math.max(1, Math.floor(options.threads)), jobs.length) : 1;
  if (threads <= 1) {
    for (let j = 0; j < jobs.length; j++) {
      const job = jobs[j]!;
      results[j] = fitFold(data, job.fold, job.params, options.scorers, options.init);
      progress();
      // Let a progress bar draw between fits.
      if (options.onProgress !== undefined) await new Promise((resolve) => setImmediate(resolve));
    }
    return results;
  }
  const { Piscina } = await import('piscina');
  const pool = new Piscina({ filename: WORKER_URL.href, minThreads: threads, maxThreads: threads });
  try {
    const X = { data: shared(data.X.data, (b) => new Float64Array(b)), rows: data.X.rows, cols: data.X.cols };
    const codes = shared(data.codes, (b) => new Int32Array(b));
    const foldOf = shared(data.foldOf, (b) => new Int32Array(b));
    await Promise.all(
      jobs.map(async (job, j) => {
        const task: WorkerTask = {
          X,
          codes,
          names: data.names,
          foldOf,
          features: data.features,
          target: data.target,
          table: data.table,
          job,
          scorers: options.scorers,
          init: options.init,
        };
        const result = (await pool.run(task)) as FoldResult | { thrown: { name: string; message: string; kind?: string } };
        if ('thrown' in result) {
          const error = result.thrown.kind === 'data' ? new DataError(result.thrown.message) : new Error(result.thrown.message);
          throw error;
        }
        results[j] = result;
        progress();
      }),
    );
  } finally {
    await pool.destroy();
  }
  return results;
}

export interface ScoreSummary {
  mean: number;
  std: number;
}

/** Mean and std of each scorer over the folds, as np.mean / np.std give them. */
export function summarise(folds: readonly FoldResult[], scorers: readonly Scorer[]): Record<string, ScoreSummary> {
  const out: Record<string, ScoreSummary> = {};
  for (const s of scorers) {
    const values = Float64Array.from(folds, (f) => f.scores[s]!);
    const mean = foldMean(values);
    out[s] = { mean, std: foldStd(values, mean) };
  }
  return out;
}

/** One row of cv_results_. */
export interface CandidateResult {
  index: number;
  params: Candidate;
  splitScores: number[];
  meanTestScore: number;
  stdTestScore: number;
  rank: number;
}

/** cv_results_ of a grid search from its fold results (jobs ordered candidate by candidate, fold by fold). */
export function searchResults(
  candidates: readonly Candidate[],
  folds: number,
  results: readonly FoldResult[],
  scorer: Scorer,
): { results: CandidateResult[]; bestIndex: number } {
  const rows: CandidateResult[] = candidates.map((params, c) => {
    const split = results.slice(c * folds, (c + 1) * folds).map((r) => r.scores[scorer]!);
    const values = Float64Array.from(split);
    const mean = foldMean(values);
    return { index: c, params, splitScores: split, meanTestScore: mean, stdTestScore: foldStd(values, mean), rank: 0 };
  });
  const ranks = rankScores(rows.map((r) => r.meanTestScore));
  rows.forEach((r, c) => (r.rank = ranks[c]!));
  // best_index_ = argmin(rank): the first candidate of rank 1.
  const bestIndex = ranks.indexOf(Math.min(...ranks));
  return { results: rows, bestIndex };
}
