/**
 * The worker-thread side of runFits (select-engine.ts): one fold fit per task, on the shared rows.
 * An iris error comes back as data (its kind and message) so the caller can rethrow it typed.
 */
import { isIrisError } from '../core/errors.js';
import { fitFold, type FoldResult } from '../core/selection.js';
import type { WorkerTask } from './select-engine.js';

export default function fitTask(task: WorkerTask): FoldResult | { thrown: { name: string; message: string; kind?: string } } {
  try {
    const data = { X: task.X, codes: task.codes, names: task.names, foldOf: task.foldOf, features: task.features, target: task.target, table: task.table };
    return fitFold(data, task.job.fold, task.job.params, task.scorers, task.init);
  } catch (error) {
    if (isIrisError(error)) return { thrown: { name: error.name, message: error.message, kind: error.kind } };
    throw error;
  }
}
