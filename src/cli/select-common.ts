/** What `iris cv` and `iris tune` share: the thread count, the refused --queue, the progress bar, report helpers. */
import { availableParallelism } from 'node:os';
import type { FoldData, FoldResult } from '../core/selection.js';
import { runFits, type FitJob, type RunOptions } from '../lib/select-engine.js';
import type { Context } from './context.js';

/**
 * --threads when given; else the number of cores, except for small searches (fewer than 200,000
 * row-fits), where starting worker threads costs more than the fits. The results are the same.
 */
export function threadsOf(threads: number | undefined, rows: number, fits: number): number {
  if (threads !== undefined) return threads;
  return rows * fits < 200_000 ? 1 : availableParallelism();
}

/** --queue: a Redis URL the queue accepts (checked before any work). */
export async function checkQueue(queue: string | undefined): Promise<void> {
  if (queue === undefined) return;
  const { checkQueueUrl } = await import('../queue/index.js');
  checkQueueUrl(queue);
}

/**
 * Every fit of a search: on `iris worker --fits` processes through the queue when --queue is given,
 * else in this process's worker threads. The same results either way.
 */
export async function fitAll(
  queue: string | undefined,
  data: FoldData,
  jobs: readonly FitJob[],
  options: RunOptions & { connectTimeout?: number | undefined },
): Promise<FoldResult[]> {
  if (queue === undefined) return runFits(data, jobs, options);
  const { fitsOnQueue } = await import('../queue/index.js');
  return fitsOnQueue(queue, data, jobs, {
    scorers: options.scorers,
    init: options.init,
    onProgress: options.onProgress,
    connectTimeout: options.connectTimeout ?? 10_000,
  });
}

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/** A bar on stderr, only on a terminal and never for machines (--json, --quiet, CI): fits done / total. */
export function progressBar(ctx: Context, what: string): Progress {
  const stderr = ctx.io.stderr as NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  const env = ctx.io.env;
  if (ctx.quiet || ctx.machineOutput || stderr.isTTY !== true || (stderr.columns ?? 0) < 40 || env.CI === 'true' || env.CI === '1') {
    return { update() {}, stop() {} };
  }
  let shown = false;
  return {
    update(done, total) {
      const width = Math.min(30, (stderr.columns ?? 80) - 30);
      const full = Math.round((done / total) * width);
      stderr.write(`\r${what} [${'#'.repeat(full)}${'-'.repeat(width - full)}] ${done}/${total}`);
      shown = true;
    },
    stop() {
      if (shown) stderr.write('\r\u001b[K');
    },
  };
}

/** A score for people: 4 decimals, or "nan" for a failed fit. */
export function score4(value: number): string {
  return Number.isNaN(value) ? 'nan' : value.toFixed(4);
}

/** JSON cannot carry NaN: a failed fit's score is null. */
export function jsonScore(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

/** A parameter value as scikit-learn would print it in a grid (None for null, dicts as JSON). */
export function showValue(value: unknown): string {
  if (value === null) return 'none';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
