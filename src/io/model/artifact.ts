/**
 * The model artifact and the fitted model, each turned into the other (docs/MODEL_FORMAT.md).
 *
 * Loading checks, in order, each failure a ModelError (exit 4) that starts with the file name:
 *   1. read (read.ts), 2. JSON (json.ts), 3. format, 4. formatVersion (newer refused, older
 *   migrated after verification), 5. required fields and shapes, 6. finite numbers (validate.ts),
 *   7. checksum, over the file's own content.
 * Writing: toArtifact seals the fitted model; saveArtifact checks that the exact text loads back,
 * then writes it atomically.
 */
import { ModelError } from '../../core/errors.js';
import type { FittedModel } from '../../core/model.js';
import type { Preprocessing } from '../../core/preprocessing.js';
import { writeFileAtomic } from '../atomic-write.js';
import { packageInfo, upgradeCommand } from '../package-info.js';
import { CanonicalJsonError, formatPath } from './canonical-json.js';
import { computeChecksum, sealArtifact, serializeArtifact } from './checksum.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelArtifact, type ModelArtifactBody, type PreprocessingJson, type TrainingJson } from './format.js';
import { parseJson } from './json.js';
import { migrateToCurrent } from './migrate.js';
import { readModelText } from './read.js';
import { checkShapes, describe, findNonFinite, type Shapes } from './validate.js';

/** A verified artifact: the document (migrated to the current version) and the fitted model it holds. */
export interface LoadedArtifact {
  /** The file name (or other source) as given, for messages. */
  source: string;
  artifact: ModelArtifact;
  /** The formatVersion the document itself declares (before any migration). */
  fileFormatVersion: number;
  /** The checksum the document itself carries (the artifact's differs when it was migrated). */
  fileChecksum: string;
  model: FittedModel;
}

const NOT_A_MODEL_HINT = 'pass the model file written by `iris train`';
const RETRAIN_HINT = 'the file is damaged; retrain it with `iris train`';

/** Steps 1 to 7 for a file. */
export async function readArtifact(path: string): Promise<LoadedArtifact> {
  return parseArtifact(await readModelText(path), path);
}

/** Steps 2 to 7 for the text of a model file. `source` names it in messages. */
export function parseArtifact(text: string, source: string): LoadedArtifact {
  return decodeArtifact(parseJson(text, source), source);
}

/** Steps 3 to 7 for a parsed document. */
export function decodeArtifact(doc: unknown, source: string): LoadedArtifact {
  const fail = (message: string, hint?: string): never => {
    throw new ModelError(`${source}: ${message}`, hint === undefined ? {} : { hint });
  };

  // 3. format
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    fail(`is not an iris model (the file holds ${describe(doc)}, not a JSON object)`, NOT_A_MODEL_HINT);
  }
  const original = doc as Record<string, unknown>;
  if (!Object.hasOwn(original, 'format')) fail('is not an iris model (it has no "format" field)', NOT_A_MODEL_HINT);
  if (original['format'] !== MODEL_FORMAT) fail(`is not an iris model (format: ${describe(original['format'])})`, NOT_A_MODEL_HINT);

  // 4. formatVersion
  const version = original['formatVersion'];
  if (version === undefined) fail('has no formatVersion', RETRAIN_HINT);
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    fail(`formatVersion ${describe(version)} is not a valid format version (expected a whole number from 1)`, RETRAIN_HINT);
  }
  const fileFormatVersion = version as number;
  if (fileFormatVersion > MODEL_FORMAT_VERSION) {
    fail(
      `model format version ${fileFormatVersion} is newer than this iris supports (${MODEL_FORMAT_VERSION}); upgrade iris`,
      `upgrade iris (${upgradeCommand()}), or retrain the model with this version`,
    );
  }

  // 5. required fields and shapes, as the file's own version defines them
  const shapes = checkShapes(original, fileFormatVersion, fail);

  // 6. finite numbers, anywhere in the document
  const stack: (string | number)[] = [];
  if (findNonFinite(original, stack)) fail(`${formatPath(stack)} is not a finite number`, RETRAIN_HINT);

  // 7. checksum, over the file's own content (before any migration)
  let actual: string;
  try {
    actual = computeChecksum(original);
  } catch (error) {
    if (!(error instanceof CanonicalJsonError)) throw error;
    return fail(`${error.at === '' ? 'the document' : error.at} cannot be checksummed: ${error.reason}`, RETRAIN_HINT);
  }
  if (actual !== original['checksum']) {
    fail('checksum mismatch: the file was modified after training', 'retrain the model with `iris train`, or restore the original file');
  }

  if (fileFormatVersion === MODEL_FORMAT_VERSION) {
    return {
      source,
      artifact: original as unknown as ModelArtifact,
      fileFormatVersion,
      fileChecksum: actual,
      model: fittedModelOf(original as unknown as ModelArtifact, shapes),
    };
  }
  // Sealed again, so that the migrated document verifies on its own (toJSON, then fromJSON or save).
  const artifact = sealArtifact(migrateToCurrent(original, fileFormatVersion, source) as unknown as ModelArtifactBody);
  return { source, artifact, fileFormatVersion, fileChecksum: actual, model: fittedModelOf(artifact, shapes) };
}

function fittedModelOf(artifact: ModelArtifact, shapes: Shapes): FittedModel {
  const d = shapes.features.length;
  const coef = new Float64Array(shapes.coef.length * d);
  for (let r = 0; r < shapes.coef.length; r++) coef.set(shapes.coef[r]!, r * d);
  const { nIter, converged, params } = artifact.perceptron;
  return {
    target: artifact.target,
    features: shapes.features,
    classes: shapes.classes,
    mean: Float64Array.from(shapes.mean),
    scale: Float64Array.from(shapes.scale),
    coef,
    intercept: Float64Array.from(shapes.intercept),
    nIter,
    converged,
    params: structuredClone(params),
    preprocessing: preprocessingOf(artifact.preprocessing),
  };
}

function preprocessingOf(p: PreprocessingJson): Preprocessing {
  return {
    columns: p.columns.map((c) => (c.kind === 'numeric' ? { ...c } : { ...c, categories: [...c.categories] })),
    naValues: [...p.naValues],
    impute: p.impute === null ? null : { ...p.impute },
    dropna: p.dropna,
  };
}

function preprocessingJson(p: Preprocessing): PreprocessingJson {
  return {
    columns: p.columns.map((c) =>
      c.kind === 'numeric' ? { name: c.name, kind: c.kind, impute: c.impute } : { name: c.name, kind: c.kind, categories: [...c.categories], impute: c.impute },
    ),
    naValues: [...p.naValues],
    impute: p.impute === null ? null : { strategy: p.impute.strategy, fillValue: p.impute.fillValue },
    dropna: p.dropna,
  };
}

/** The sealed artifact of a fitted model: the current format version, this package as producer. */
export function toArtifact(model: FittedModel, training: TrainingJson, createdAt: Date = new Date()): ModelArtifact {
  const d = model.features.length;
  return sealArtifact({
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    producer: packageInfo(),
    createdAt: createdAt.toISOString(),
    target: model.target,
    features: [...model.features],
    classes: [...model.classes],
    preprocessing: preprocessingJson(model.preprocessing),
    scaler: { mean: Array.from(model.mean), scale: Array.from(model.scale) },
    perceptron: {
      coef: Array.from({ length: model.intercept.length }, (_, r) => Array.from(model.coef.subarray(r * d, (r + 1) * d))),
      intercept: Array.from(model.intercept),
      nIter: model.nIter,
      converged: model.converged,
      params: structuredClone(model.params),
    },
    training,
  });
}

/**
 * Writes the artifact atomically. Before writing, the exact text is loaded back with every check of
 * parseArtifact; an artifact that would not load is a bug in the caller and is refused with a plain
 * Error (exit 70), leaving any existing file untouched. Folder problems are DataErrors (exit 3).
 */
export async function saveArtifact(path: string, artifact: object): Promise<void> {
  const text = serializeArtifact(artifact);
  try {
    parseArtifact(text, path);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`internal error: refusing to write a model that would not load back: ${detail}`, { cause: error });
  }
  await writeFileAtomic(path, text);
}
