/**
 * The library API, usable without the CLI (README, "Library"):
 *
 *   import { trainTestSplit, fit, loadModel } from '<package>';
 *   const { XTrain, XTest, yTrain, yTest } = trainTestSplit(X, y, { testSize: 0.3, seed: 0 });
 *   const model = fit(XTrain, yTrain, { features });
 *   model.predict(XTest);
 */
export { fit, trainTestSplit, type FitOptions, type SplitOptions, type Split } from './lib/fit.js';
export { Model, loadModel, type ModelRows } from './lib/model.js';
export { toOnnx, saveOnnx } from './lib/onnx.js';
export type { ModelInput, TableRecord, ColumnTable, CellValue, EncodeOptions } from './lib/records.js';
export type { ImputeStrategy, Preprocessing } from './core/preprocessing.js';
export type { FlatMatrix, Label, MatrixInput, MatrixLike } from './lib/inputs.js';
export { IrisError, UsageError, InvalidParameterError, DataError, NumericalError, ModelError, isIrisError } from './core/errors.js';
export { DEFAULT_PERCEPTRON_PARAMS, type PerceptronParams, type PerceptronPenalty, type ClassWeightParam } from './core/perceptron.js';
export type { FittedModel } from './core/model.js';
export { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelArtifact, type TrainingJson } from './io/model/index.js';
export { BUNDLED_DATA_PATH } from './io/package-info.js';
export { readLabelledCsv, type LabelledData, type ReadLabelledOptions } from './io/csv/index.js';
// Model selection (docs/MODEL_SELECTION.md): cross_validate and GridSearchCV.
export {
  crossValidate,
  gridSearch,
  type CrossValidateOptions,
  type CrossValidation,
  type GridSearchOptions,
  type GridSearch,
  type CandidateResult,
  type FoldResult,
  type Scorer,
  type ParamGrid,
  type Candidate,
  type SelectionInput,
} from './lib/select.js';
