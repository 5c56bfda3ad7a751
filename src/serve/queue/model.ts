/**
 * The one place where the queue mode touches the model library: what a worker and a coordinator
 * need of a model, loaded and verified once.
 */
import type { Matrix } from '../../core/types.js';
import { loadModel, type Model } from '../../lib/model.js';

export interface QueueModel {
  path: string;
  /** `sha256:<hex>`, the artifact's own checksum (verified by the loader). */
  checksum: string;
  /** First 12 hex digits of the checksum. */
  version: string;
  features: readonly string[];
  classes: readonly string[];
  scoreRows(X: Matrix): { predictions: Int32Array; scores: Float64Array };
}

/** The same, from a model the caller has already loaded (predict loads it before it knows the mode). */
export function queueModelFrom(model: Model, path: string): QueueModel {
  return {
    path,
    checksum: model.checksum,
    version: model.version,
    features: model.features,
    classes: model.classes,
    scoreRows: (X) => model.scoreRows(X),
  };
}

export async function loadQueueModel(path: string): Promise<QueueModel> {
  return queueModelFrom(await loadModel(path), path);
}
