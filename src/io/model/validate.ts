/**
 * Steps 5 and 6 of loading: required fields and shapes, then finite numbers. Plain type checks on
 * the parsed document: nothing in a model file is ever executed.
 */
import { coefRows } from '../../core/linear.js';
import { MAX_CLASSES, MAX_COEF_NUMBERS, MAX_FEATURES, RECORDED_DECIMALS, RECORDED_DELIMITERS } from './format.js';
import { limitText, SHAPE_HINT } from './json.js';
import { checkers, describe, isIntLike, plural, type Obj } from './shape-checkers.js';
import { checkParamsV3, checkPreprocessing, checkSearch } from './validate-v3.js';

export { describe };

export const CHECKSUM_PATTERN = /^sha256:[0-9a-f]{64}$/;
const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;
const ISO_8601_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export type Fail = (message: string, hint?: string) => never;

export interface Shapes {
  features: string[];
  classes: string[];
  coef: number[][];
  intercept: number[];
  mean: number[];
  scale: number[];
}

/** Step 5: required fields and shapes of a document of format `version` (limits first, before any per-entry work). */
export function checkShapes(doc: Obj, version: number, fail: Fail): Shapes {
  const bad = (message: string): never => fail(message, SHAPE_HINT);
  const c = checkers(bad);
  const { field, obj, str, bool, num, int, arr, numbers, names } = c;

  // format and formatVersion were checked in steps 3 and 4.
  const producer = obj(doc, 'producer', 'producer');
  str(producer, 'name', 'producer.name');
  str(producer, 'version', 'producer.version');
  const createdAt = str(doc, 'createdAt', 'createdAt');
  if (!ISO_8601_PATTERN.test(createdAt) || Number.isNaN(Date.parse(createdAt))) {
    bad(`createdAt should be an ISO 8601 date and time, found ${describe(createdAt)}`);
  }
  str(doc, 'target', 'target');

  // Sizes first: both lists, then the coef size they imply, before any per-entry work.
  const featuresRaw = arr(doc, 'features', 'features');
  const classesRaw = arr(doc, 'classes', 'classes');
  if (featuresRaw.length > MAX_FEATURES) bad(`features has ${featuresRaw.length} entries; ${limitText('features')}`);
  if (classesRaw.length > MAX_CLASSES) bad(`classes has ${classesRaw.length} entries; ${limitText('classes')}`);
  const nFeatures = featuresRaw.length;
  const nClasses = classesRaw.length;
  const rows = coefRows(nClasses);
  if (rows * nFeatures > MAX_COEF_NUMBERS) {
    bad(`perceptron.coef would hold ${rows} x ${nFeatures} = ${rows * nFeatures} numbers; a model may have at most ${MAX_COEF_NUMBERS}`);
  }
  const features = names(featuresRaw, 'features', 1);
  const classes = names(classesRaw, 'classes', 2);

  const scaler = obj(doc, 'scaler', 'scaler');
  const mean = numbers(arr(scaler, 'mean', 'scaler.mean'), 'scaler.mean', nFeatures, ' (one per feature)');
  const scale = numbers(arr(scaler, 'scale', 'scaler.scale'), 'scaler.scale', nFeatures, ' (one per feature)');
  for (let i = 0; i < scale.length; i++) {
    if (!(scale[i]! > 0)) bad(`scaler.scale[${i}] is ${describe(scale[i])}, expected a number > 0`);
  }

  const perceptron = obj(doc, 'perceptron', 'perceptron');
  const coefRaw = arr(perceptron, 'coef', 'perceptron.coef');
  if (coefRaw.length !== rows) {
    bad(
      `perceptron.coef has ${plural(coefRaw.length, 'row', 'rows')}, expected ${rows} (${nClasses === 2 ? 'a single row for two classes' : 'one per class'})`,
    );
  }
  const coef: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const row = coefRaw[r];
    if (!Array.isArray(row)) bad(`perceptron.coef[${r}] should be an array of numbers, found ${describe(row)}`);
    coef.push(numbers(row as unknown[], `perceptron.coef[${r}]`, nFeatures, ''));
  }
  const intercept = numbers(arr(perceptron, 'intercept', 'perceptron.intercept'), 'perceptron.intercept', rows, ' (one per coef row)');
  int(perceptron, 'nIter', 'perceptron.nIter', 0);
  bool(perceptron, 'converged', 'perceptron.converged');
  const params = obj(perceptron, 'params', 'perceptron.params');
  int(params, 'maxIter', 'perceptron.params.maxIter', 1);
  num(params, 'eta0', 'perceptron.params.eta0', true);
  const tol = field(params, 'tol', 'perceptron.params.tol');
  if (tol !== null && typeof tol !== 'number') bad(`perceptron.params.tol should be a number or null, found ${describe(tol)}`);
  if (typeof tol === 'number' && tol < 0) bad(`perceptron.params.tol should be at least 0, found ${describe(tol)}`);
  int(params, 'nIterNoChange', 'perceptron.params.nIterNoChange', 1);
  bool(params, 'shuffle', 'perceptron.params.shuffle');
  bool(params, 'fitIntercept', 'perceptron.params.fitIntercept');
  int(params, 'randomState', 'perceptron.params.randomState', 0);
  if (version >= 3) {
    checkParamsV3(params, c, bad);
    checkPreprocessing(obj(doc, 'preprocessing', 'preprocessing'), features, mean, scale, c, bad);
  }

  // Version 1 always records its data file and split; version 2 may lack them (a model fitted in memory).
  const training = obj(doc, 'training', 'training');
  {
    const data = version === 1 || training['data'] !== null ? obj(training, 'data', 'training.data') : null;
    if (data !== null) {
      const dataPath = str(data, 'path', 'training.data.path');
      if (dataPath === '') bad('training.data.path is empty');
      bool(data, 'bundled', 'training.data.bundled');
      const sha = str(data, 'sha256', 'training.data.sha256');
      if (!SHA256_HEX_PATTERN.test(sha)) bad(`training.data.sha256 should be 64 lower-case hex digits, found ${describe(sha)}`);
      int(data, 'rows', 'training.data.rows', 0);
      if (Object.hasOwn(data, 'csv')) checkDialect(obj(data, 'csv', 'training.data.csv'), bad);
    }
    if (version === 1 || Object.hasOwn(training, 'split')) {
      const split = obj(training, 'split', 'training.split');
      num(split, 'testSize', 'training.split.testSize', true);
      int(split, 'seed', 'training.split.seed', 0);
      bool(split, 'shuffle', 'training.split.shuffle');
      bool(split, 'stratify', 'training.split.stratify');
      const nTrain = int(split, 'train', 'training.split.train', 0);
      const nTest = int(split, 'test', 'training.split.test', 0);
      if (version === 1) checkTestIndices(arr(split, 'testIndices', 'training.split.testIndices'), nTrain, nTest, bad);
      else {
        const digest = str(split, 'testIndicesSha256', 'training.split.testIndicesSha256');
        if (!SHA256_HEX_PATTERN.test(digest)) {
          bad(`training.split.testIndicesSha256 should be 64 lower-case hex digits, found ${describe(digest)}`);
        }
      }
    }
    obj(training, 'metrics', 'training.metrics');
    if (version >= 3 && Object.hasOwn(training, 'search')) checkSearch(obj(training, 'search', 'training.search'), c, bad);
  }

  const checksum = field(doc, 'checksum', 'checksum');
  if (typeof checksum !== 'string' || !CHECKSUM_PATTERN.test(checksum)) {
    bad(`checksum should be "sha256:" followed by 64 lower-case hex digits, found ${describe(checksum)}`);
  }

  return { features, classes, coef, intercept, mean, scale };
}

function checkTestIndices(testIndices: unknown[], nTrain: number, nTest: number, bad: (message: string) => never): void {
  if (testIndices.length !== nTest) {
    bad(`training.split.testIndices has ${plural(testIndices.length, 'index', 'indices')}, expected ${nTest} (training.split.test)`);
  }
  const bound = nTrain + nTest;
  for (let i = 0; i < testIndices.length; i++) {
    const ix = testIndices[i];
    if (!isIntLike(ix) || ix < 0 || ix >= bound) {
      bad(`training.split.testIndices[${i}] should be a row index from 0 to ${bound - 1}, found ${describe(ix)}`);
    }
  }
}

// Step 6: finite numbers

/** Depth-first in document order; on finding a non-finite number, `stack` holds its path. */
export function findNonFinite(v: unknown, stack: (string | number)[]): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      if (typeof item === 'number') {
        if (Number.isFinite(item)) continue;
      } else if (item === null || typeof item !== 'object') {
        continue;
      }
      stack.push(i);
      if (findNonFinite(item, stack)) return true;
      stack.pop();
    }
    return false;
  }
  const record = v as Obj;
  for (const key of Object.keys(record)) {
    stack.push(key);
    if (findNonFinite(record[key], stack)) return true;
    stack.pop();
  }
  return false;
}

/** training.data.csv: the dialect the training file was read with. */
function checkDialect(csv: Obj, bad: (message: string) => never): void {
  const oneOf = (key: string, allowed: readonly string[]) => {
    if (Object.hasOwn(csv, key) && !allowed.includes(csv[key] as string)) {
      bad(`training.data.csv.${key} should be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, found ${describe(csv[key])}`);
    }
  };
  oneOf('delimiter', RECORDED_DELIMITERS);
  oneOf('decimal', RECORDED_DECIMALS);
  const skip = csv['skipRows'];
  if (skip !== undefined && !(typeof skip === 'number' && Number.isInteger(skip) && skip >= 0)) {
    bad(`training.data.csv.skipRows should be a whole number from 0, found ${describe(skip)}`);
  }
  const names = csv['names'];
  if (names !== undefined && !(Array.isArray(names) && names.every((n) => typeof n === 'string'))) {
    bad(`training.data.csv.names should be an array of strings, found ${describe(names)}`);
  }
}
