/**
 * The model artifact's format: names, versions, limits and the TypeScript shape of each version.
 * The format itself is documented in docs/MODEL_FORMAT.md; schema/model-v<N>.json is its JSON Schema.
 */
import type { PerceptronParams } from '../../core/perceptron.js';
import type { DropnaPolicy, ImputeStrategy } from '../../core/preprocessing.js';

export const MODEL_FORMAT = 'iris-model';
export const MODEL_FORMAT_VERSION = 3;
/** Where every command reads or writes the model when neither a flag nor the config names one. */
export const DEFAULT_MODEL_PATH = 'model.json';

/** A model file larger than this is refused from its size alone, before it is read. */
export const MAX_MODEL_FILE_BYTES = 64 * 1024 * 1024;
/** Deeper JSON nesting is refused before parsing (a real artifact nests about 6 deep). */
export const MAX_JSON_DEPTH = 64;
export const MAX_CLASSES = 10_000;
export const MAX_FEATURES = 100_000;
export const MAX_COEF_NUMBERS = 10_000_000;
/**
 * Arrays and objects, and strings (keys included), in the whole document: refused before JSON.parse
 * materialises them. A model holds a few of each per class and per feature (coef and confusion
 * rows, per-class metrics, names), far below these; a 60 MiB file of `[],[],…` would otherwise
 * cost JSON.parse 20 s and 2 GB before the shape checks refuse it.
 */
export const MAX_JSON_CONTAINERS = 200_000;
export const MAX_JSON_STRINGS = 1_000_000;

/** path: relative to the model file's folder ('/' separators); '-' for stdin; 'iris.csv' with bundled: true for the bundled data. */
export interface TrainingDataJson {
  path: string;
  bundled: boolean;
  sha256: string;
  rows: number;
  /** How the file was read when it is not plain CSV (docs/CLI.md "CSV"), so evaluate reads it the same way. */
  csv?: RecordedDialectJson;
}

export const RECORDED_DELIMITERS = [',', ';', '\t', '|', 'auto'] as const;
export const RECORDED_DECIMALS = ['.', ','] as const;

export interface RecordedDialectJson {
  delimiter?: (typeof RECORDED_DELIMITERS)[number];
  decimal?: (typeof RECORDED_DECIMALS)[number];
  skipRows?: number;
  names?: readonly string[];
}

interface SplitParamsJson {
  testSize: number;
  seed: number;
  shuffle: boolean;
  stratify: boolean;
  train: number;
  test: number;
}

export interface SplitJsonV1 extends SplitParamsJson {
  testIndices: number[];
}

export interface SplitJson extends SplitParamsJson {
  /** Hex SHA-256 of the canonical JSON of the test-row indices (in split order). */
  testIndicesSha256: string;
}

/**
 * What is known of the training run. A model fitted by the library from in-memory rows has no data
 * file and no split: `data` is null and `split` absent; `evaluate` then needs --data.
 */
export interface TrainingJson {
  data: TrainingDataJson | null;
  split?: SplitJson;
  metrics: Record<string, unknown>;
  /** A grid search that chose the parameters (iris tune; docs/MODEL_FORMAT.md). */
  search?: SearchJson;
}

/** scikit-learn's GridSearchCV, as far as a model file records it. */
export interface SearchJson {
  /** param_grid as a list of dicts. */
  grid: Record<string, unknown[]>[];
  folds: number;
  cv: 'stratified' | 'kfold';
  shuffle: boolean;
  scoring: string;
  bestParams: Record<string, unknown>;
  bestScore: number;
  results: { params: Record<string, unknown>; meanTestScore: number; stdTestScore: number; rank: number }[];
}

/** One input column in model order: its kind and fitted state (core/preprocessing.ts). */
export type ColumnJson =
  { name: string; kind: 'numeric'; impute: number | null } | { name: string; kind: 'categorical'; categories: string[]; impute: string | null };

/** What the model does to a table's columns before the linear model (docs/MODEL_FORMAT.md, version 3). */
export interface PreprocessingJson {
  columns: ColumnJson[];
  naValues: string[];
  impute: { strategy: ImputeStrategy; fillValue: string | null } | null;
  dropna: DropnaPolicy;
}

/**
 * Format version 3. Later minor additions (extra members, at the top level or inside) are allowed in
 * a file, kept by the loader and covered by the checksum, but are deliberately not part of this
 * static type: an index signature would make `Omit<ModelArtifact, 'checksum'>` lose every named field.
 */
export interface ModelArtifact {
  format: typeof MODEL_FORMAT;
  formatVersion: typeof MODEL_FORMAT_VERSION;
  producer: { name: string; version: string };
  createdAt: string;
  target: string;
  features: string[];
  classes: string[];
  preprocessing: PreprocessingJson;
  scaler: { mean: number[]; scale: number[] };
  perceptron: { coef: number[][]; intercept: number[]; nIter: number; converged: boolean; params: PerceptronParams };
  training: TrainingJson;
  /** 'sha256:' + hex of sha256(canonicalJson(the artifact without checksum)). */
  checksum: string;
}

/** The perceptron parameters format versions 1 and 2 record. */
export type PerceptronParamsV2 = Pick<PerceptronParams, 'maxIter' | 'eta0' | 'tol' | 'nIterNoChange' | 'shuffle' | 'fitIntercept' | 'randomState'>;

/** Format version 2: version 3 without preprocessing (all-numeric, no imputation) and with fewer parameters. */
export interface ModelArtifactV2 extends Omit<ModelArtifact, 'formatVersion' | 'preprocessing' | 'perceptron' | 'training'> {
  formatVersion: 2;
  perceptron: Omit<ModelArtifact['perceptron'], 'params'> & { params: PerceptronParamsV2 };
  training: Omit<TrainingJson, 'search'>;
}

/** Format version 1: version 2 with the test-row indices listed in full. */
export interface ModelArtifactV1 extends Omit<ModelArtifactV2, 'formatVersion' | 'training'> {
  formatVersion: 1;
  training: { data: TrainingDataJson; split: SplitJsonV1; metrics: Record<string, unknown> };
}

/** Everything but the checksum: what sealArtifact takes. */
export type ModelArtifactBody = Omit<ModelArtifact, 'checksum'>;
