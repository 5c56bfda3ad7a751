/**
 * The library's model: a fitted model and its sealed artifact, in the mljs / scikit-learn style
 * (predict, decisionFunction, score, toJSON, static fromJSON). Immutable once made.
 */
import { DataError, ModelError } from '../core/errors.js';
import { coefRows, scoreRows } from '../core/linear.js';
import type { FittedModel } from '../core/model.js';
import type { Matrix } from '../core/types.js';
import {
  decodeArtifact,
  parseArtifact,
  readArtifact,
  saveArtifact,
  toArtifact,
  type LoadedArtifact,
  type ModelArtifact,
  type TrainingJson,
} from '../io/model/index.js';
import { toLabels, toMatrix, type Label, type MatrixInput } from './inputs.js';
import { TableExpander } from '../core/column-transformer.js';
import { isPlainNumeric } from '../core/preprocessing.js';
import {
  columnTableRows,
  encodeRecords,
  isColumnTable,
  isRecordList,
  type ColumnTable,
  type EncodeOptions,
  type ModelInput,
  type TableRecord,
} from './records.js';

/** What predict, decisionFunction and score take: a numeric matrix (all-numeric models), records, or a column table. */
export type ModelRows = MatrixInput | readonly TableRecord[] | ColumnTable;

/**
 * A fitted model. Rows are given as a numeric matrix (columns in `features` order, all-numeric
 * models), or as records / a column table keyed by input name, for any model:
 *
 * - `inputs` describes what a row holds, in model order: each input's `name`, `kind` (`numeric`
 *   or `categorical`), `categories` (categorical: the known values, in one-hot order) and `imputed`
 *   (whether a missing value is filled in; if not, it is refused). Front ends build their forms,
 *   OIP metadata and request parsers from it.
 * - `featureNamesOut` are the linear model's columns (`island=Biscoe` for a category), as
 *   scikit-learn's `get_feature_names_out`.
 * - `encodeRecords(records, { unknown, onUnknown })` turns records into input rows (numbers,
 *   category indices, NaN for missing), and `scoreInputRows(rows)` scores them: the two halves of
 *   `predict`, for callers that count unknown categories or score in batches.
 */
export class Model {
  /** The numbers: scaler statistics, weights, names. Shared, not copied: never modify it. */
  readonly fitted: FittedModel;
  /** The formatVersion of the document the model was read from (the current one for a new model). */
  readonly fileFormatVersion: number;
  /** The model's inputs in model order (see the class comment). */
  readonly inputs: readonly ModelInput[];
  readonly #artifact: ModelArtifact;
  /** null for an all-numeric model without imputation: its input rows are its feature rows. */
  readonly #expander: TableExpander | null;

  private constructor(loaded: Pick<LoadedArtifact, 'artifact' | 'model' | 'fileFormatVersion'>) {
    this.fitted = loaded.model;
    this.#artifact = loaded.artifact;
    this.fileFormatVersion = loaded.fileFormatVersion;
    const pre = loaded.model.preprocessing;
    const imputed = pre.impute !== null;
    this.inputs = Object.freeze(
      pre.columns.map((c): ModelInput =>
        Object.freeze(c.kind === 'numeric' ? { name: c.name, kind: c.kind, imputed } : { name: c.name, kind: c.kind, categories: c.categories, imputed }),
      ),
    );
    this.#expander = isPlainNumeric(pre)
      ? null
      : new TableExpander(
          pre,
          Int32Array.from(pre.columns, (_, k) => k),
          pre.columns.map(() => null),
        );
  }

  /** The linear model's column names: the features, with one `name=category` per category. */
  get featureNamesOut(): readonly string[] {
    return this.fitted.features;
  }
  /** The strings that are missing values when a CSV is read for this model (pandas' na_values). */
  get naValues(): readonly string[] {
    return this.fitted.preprocessing.naValues;
  }
  /** True when rows must be given by input (records, a column table): categorical inputs or imputation. */
  get isTable(): boolean {
    return this.#expander !== null;
  }

  /** Records as input rows (numbers, category indices, NaN), in `inputs` order. */
  encodeRecords(records: readonly TableRecord[], options: EncodeOptions = {}): Matrix {
    return encodeRecords(records, this.inputs, options);
  }

  /**
   * Class codes and decision values of input rows (`inputs` order: numbers, category indices with
   * an index past the last category for an unknown one, NaN for a missing value): imputed,
   * one-hot encoded and scaled as training did.
   */
  scoreInputRows(X: Matrix): { predictions: Int32Array; scores: Float64Array } {
    const expander = this.#expander;
    if (expander === null) return this.scoreRows(X);
    if (X.cols !== this.inputs.length)
      throw new DataError(`rows have ${X.cols} values; the model has ${this.inputs.length} inputs (${this.inputs.map((i) => i.name).join(', ')})`);
    const out = new Float64Array(X.rows * expander.width);
    expander.expand(X.data, X.cols, X.rows, out);
    return this.scoreRows({ data: out, rows: X.rows, cols: expander.width });
  }

  /** Any accepted shape of rows as input rows. */
  #rows(X: ModelRows): Matrix {
    if (isRecordList(X)) return this.encodeRecords(X);
    if (isColumnTable(X)) return this.encodeRecords(columnTableRows(X));
    if (this.#expander !== null) {
      if (Array.isArray(X) && X.length === 0) return { data: new Float64Array(0), rows: 0, cols: this.inputs.length };
      throw new DataError(
        `this model has ${this.inputs.some((i) => i.kind === 'categorical') ? 'categorical inputs' : 'imputed inputs'}: give rows as records or a column table keyed by ${this.inputs.map((i) => i.name).join(', ')}`,
      );
    }
    return this.#check(X as MatrixInput);
  }

  /** A model from a verified artifact (what the loaders return). */
  static fromLoaded(loaded: LoadedArtifact): Model {
    return new Model(loaded);
  }

  /** Seals a fitted model with what is known of its training run. */
  static fromFitted(model: FittedModel, training: TrainingJson = { data: null, metrics: {} }): Model {
    const artifact = toArtifact(model, training);
    // The fitted model is read back from the artifact, so that a model and its file never differ.
    return new Model(decodeArtifact(artifact, 'model'));
  }

  /**
   * A model from its artifact (the object toJSON returns, or its JSON text), with every check of a
   * model file: format, version (older ones migrated), shapes, finite numbers, checksum.
   */
  static fromJSON(json: unknown, source = 'model'): Model {
    if (typeof json === 'string') return new Model(parseArtifact(json, source));
    let text: string | undefined;
    try {
      text = JSON.stringify(json);
    } catch (error) {
      throw new ModelError(`${source}: is not JSON data (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
    if (text === undefined) throw new ModelError(`${source}: is not an iris model (${typeof json})`);
    // Through the text: the model keeps no reference to the caller's object, and the size limits apply.
    return new Model(parseArtifact(text, source));
  }

  get target(): string {
    return this.fitted.target;
  }
  get features(): readonly string[] {
    return this.fitted.features;
  }
  get classes(): readonly string[] {
    return this.fitted.classes;
  }
  /** `sha256:` + 64 hex digits: the artifact's checksum. */
  get checksum(): string {
    return this.#artifact.checksum;
  }
  /** The model's version in the serving API: the first 12 hex digits of the checksum. */
  get version(): string {
    return this.#artifact.checksum.slice('sha256:'.length, 'sha256:'.length + 12);
  }
  /** What the artifact records of training (data file, split, metrics). */
  get training(): TrainingJson {
    return structuredClone(this.#artifact.training);
  }

  /** The sealed artifact, as written to a model file (a copy: changing it does not change the model). */
  toJSON(): ModelArtifact {
    return structuredClone(this.#artifact);
  }

  /** Writes the model file atomically, as `iris train` does. */
  async save(path: string): Promise<void> {
    await saveArtifact(path, this.#artifact);
  }

  /** Class codes (into `classes`) and decision values (coefRows(C) per row) of already-checked rows. */
  scoreRows(X: Matrix): { predictions: Int32Array; scores: Float64Array } {
    if (X.cols !== this.fitted.features.length) {
      throw new DataError(`rows have ${X.cols} values; the model has ${this.fitted.features.length} features (${this.fitted.features.join(', ')})`);
    }
    return scoreRows(this.fitted, X);
  }

  #check(X: MatrixInput): Matrix {
    return toMatrix(X, { width: this.fitted.features.length, features: this.fitted.features });
  }

  /** The predicted class of each row, as `iris predict` prints it. */
  predict(X: ModelRows): string[] {
    const { predictions } = this.scoreInputRows(this.#rows(X));
    return Array.from(predictions, (code) => this.fitted.classes[code]!);
  }

  /**
   * The predicted class of one record keyed by input name. All-numeric models: every feature, a
   * number each. Table models: a word for a categorical input, null (or leaving it out) for a
   * missing value where the model imputes.
   */
  predictOne(record: TableRecord): string {
    if (this.#expander !== null) return this.predict([record])[0]!;
    return this.predict([this.#rowOf(record as Readonly<Record<string, number>>)])[0]!;
  }

  /** scikit-learn's decision_function: one number per row for two classes, else one row of C per row. */
  decisionFunction(X: ModelRows): number[] | number[][] {
    const { scores } = this.scoreInputRows(this.#rows(X));
    const width = coefRows(this.fitted.classes.length);
    if (width === 1) return Array.from(scores);
    const out: number[][] = [];
    for (let r = 0; r < scores.length; r += width) out.push(Array.from(scores.subarray(r, r + width)));
    return out;
  }

  /** Mean accuracy on the given rows and labels (scikit-learn's ClassifierMixin.score). */
  score(X: ModelRows, y: readonly Label[]): number {
    const predicted = this.predict(X);
    const labels = toLabels(y, predicted.length);
    if (labels.length === 0) return 0;
    let hits = 0;
    for (let i = 0; i < labels.length; i++) if (labels[i] === predicted[i]) hits++;
    return hits / labels.length;
  }

  #rowOf(record: Readonly<Record<string, number>>): number[] {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new DataError('predictOne takes one record: an object with a number for each feature');
    }
    const features = this.fitted.features;
    const known = new Set(features);
    const unknown = Object.keys(record).filter((key) => !known.has(key));
    if (unknown.length > 0) {
      throw new DataError(
        `unknown feature${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}; the model's features: ${features.join(', ')}`,
      );
    }
    const missing = features.filter((f) => !Object.hasOwn(record, f));
    if (missing.length > 0) throw new DataError(`missing feature${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
    return features.map((f) => {
      const v: unknown = record[f];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new DataError(
          `feature ${f}: ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : String(v)} is not ${typeof v === 'number' ? 'a finite number' : 'a number'}`,
        );
      }
      return v;
    });
  }
}

/** Reads and verifies a model file. Every call reads the file again: there is no hidden cache. */
export async function loadModel(path: string): Promise<Model> {
  return Model.fromLoaded(await readArtifact(path));
}
