/**
 * Older format versions, brought up to the current one. A file's checksum is verified against the
 * file as written, before migration; a migration step must not modify its input.
 */
import { ModelError } from '../../core/errors.js';
import { DEFAULT_PERCEPTRON_PARAMS } from '../../core/perceptron.js';
import { numericPreprocessing } from '../../core/preprocessing.js';
import { digestIndices } from './checksum.js';
import { MODEL_FORMAT_VERSION } from './format.js';

/** One step from format version `from` to `from + 1`. */
export interface Migration {
  from: number;
  migrate(doc: Record<string, unknown>): Record<string, unknown>;
}

type Obj = Record<string, unknown>;

/** Version 2 records a digest of the test-row indices instead of the list (the file no longer grows with the data). */
const v1ToV2: Migration = {
  from: 1,
  migrate(doc) {
    const training = doc['training'] as Obj;
    const { testIndices, ...split } = training['split'] as Obj;
    return {
      ...doc,
      formatVersion: 2,
      training: { ...training, split: { ...split, testIndicesSha256: digestIndices(testIndices as number[]) } },
    };
  },
};

/**
 * Version 3 adds the preprocessing section and the parameters of penalties, early stopping, class
 * weights and warm starts. Every earlier model is all-numeric, without imputation, trained with
 * scikit-learn's defaults for those parameters: that is what the migration writes.
 */
const v2ToV3: Migration = {
  from: 2,
  migrate(doc) {
    const perceptron = doc['perceptron'] as Obj;
    const { penalty, alpha, l1Ratio, earlyStopping, validationFraction, classWeight, initModel } = DEFAULT_PERCEPTRON_PARAMS;
    const defaults = { penalty, alpha, l1Ratio, earlyStopping, validationFraction, classWeight, initModel };
    const pre = numericPreprocessing(doc['features'] as string[]);
    return {
      ...doc,
      formatVersion: 3,
      preprocessing: { columns: pre.columns.map((c) => ({ ...c })), naValues: [...pre.naValues], impute: null, dropna: 'none' },
      perceptron: { ...perceptron, params: { ...(perceptron['params'] as Obj), ...defaults } },
    };
  },
};

/** Keyed by the version migrated from. */
export const MIGRATIONS: ReadonlyMap<number, Migration> = new Map([
  [1, v1ToV2],
  [2, v2ToV3],
]);

export function migrateToCurrent(
  doc: Obj,
  version: number,
  source: string,
  migrations: ReadonlyMap<number, Migration> = MIGRATIONS,
  currentVersion: number = MODEL_FORMAT_VERSION,
): Obj {
  let current = doc;
  for (let v = version; v < currentVersion; v++) {
    const step = migrations.get(v);
    if (step === undefined) {
      throw new ModelError(`${source}: model format version ${v} is no longer supported by this iris (it reads ${currentVersion})`, {
        hint: 'retrain the model with `iris train`',
      });
    }
    current = step.migrate(current);
  }
  return current;
}
