/**
 * The library API: the scikit-learn-compatible core plus the file formats, usable without the CLI.
 *
 *   import { readLabelledCsv, trainPipeline, DEFAULT_PERCEPTRON_PARAMS } from 'iris';
 */
export * from './core/index.js';
export * from './core/pipeline.js';
export {
  readLabelledCsv,
  openFeatureRows,
  parseNumber,
  type LabelledData,
  type ReadLabelledOptions,
  type RowBatch,
  type FeatureRows,
  type FeatureRowsOptions,
} from './io/csv/index.js';
export {
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  canonicalJson,
  computeChecksum,
  sealArtifact,
  parseArtifact,
  loadModel,
  saveArtifact,
  type ModelArtifactV1,
  type LoadedModel,
} from './io/artifact.js';
export { BUNDLED_DATA_PATH } from './io/package-info.js';
