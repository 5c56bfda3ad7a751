/**
 * The one place where the queue mode touches the artifact loader: what a worker and a coordinator
 * need of a model, loaded and verified once.
 */
import type { ScoringModel } from '../../core/scoring.js';
import { loadModel, scoringModel, type LoadedModel } from '../../io/artifact.js';
import { modelVersion } from './protocol.js';

export interface QueueModel {
  path: string;
  /** `sha256:<hex>`, the artifact's own checksum (verified by the loader). */
  checksum: string;
  /** First 12 hex digits of the checksum. */
  version: string;
  features: readonly string[];
  classes: readonly string[];
  scoring: ScoringModel;
}

export async function loadQueueModel(path: string): Promise<QueueModel> {
  return queueModelFrom(await loadModel(path));
}

/** The same, from a model the caller has already loaded (predict loads it before it knows the mode). */
export function queueModelFrom(loaded: LoadedModel): QueueModel {
  const { checksum, features, classes } = loaded.artifact;
  return { path: loaded.path, checksum, version: modelVersion(checksum), features, classes, scoring: scoringModel(loaded) };
}
