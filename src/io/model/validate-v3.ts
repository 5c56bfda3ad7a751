/**
 * The shape checks format version 3 adds (docs/MODEL_FORMAT.md): the preprocessing section, the
 * perceptron parameters of penalties, early stopping, class weights and warm starts, and an optional
 * grid search record. Called from validate.ts once the version 2 shapes have passed.
 */
import { DROPNA_POLICIES, IMPUTE_STRATEGIES, codePointLess, expandedNames, type ColumnSpec } from '../../core/preprocessing.js';
import { describe, isObj, type Checkers, type Obj } from './shape-checkers.js';

const CHECKSUM_PATTERN = /^sha256:[0-9a-f]{64}$/;
const PENALTIES = [null, 'l2', 'l1', 'elasticnet'];

function oneOf(allowed: readonly unknown[]): string {
  return allowed.map((a) => JSON.stringify(a)).join(', ');
}

export function checkParamsV3(params: Obj, c: Checkers, bad: (message: string) => never): void {
  const at = (key: string) => `perceptron.params.${key}`;
  const penalty = c.field(params, 'penalty', at('penalty'));
  if (!PENALTIES.includes(penalty as string | null)) bad(`${at('penalty')} should be one of ${oneOf(PENALTIES)}, found ${describe(penalty)}`);
  const alpha = c.num(params, 'alpha', at('alpha'));
  if (!(alpha >= 0)) bad(`${at('alpha')} should be at least 0, found ${describe(alpha)}`);
  const l1Ratio = c.num(params, 'l1Ratio', at('l1Ratio'));
  if (!(l1Ratio >= 0 && l1Ratio <= 1)) bad(`${at('l1Ratio')} should be from 0 to 1, found ${describe(l1Ratio)}`);
  c.bool(params, 'earlyStopping', at('earlyStopping'));
  const fraction = c.num(params, 'validationFraction', at('validationFraction'));
  if (!(fraction > 0 && fraction < 1)) bad(`${at('validationFraction')} should be between 0 and 1 (exclusive), found ${describe(fraction)}`);
  const classWeight = c.field(params, 'classWeight', at('classWeight'));
  if (classWeight !== null && classWeight !== 'balanced') {
    if (!isObj(classWeight)) bad(`${at('classWeight')} should be null, "balanced" or an object of class weights, found ${describe(classWeight)}`);
    for (const [label, w] of Object.entries(classWeight as Obj)) {
      if (typeof w !== 'number') bad(`${at('classWeight')}[${describe(label)}] should be a number, found ${describe(w)}`);
    }
  }
  const init = c.field(params, 'initModel', at('initModel'));
  if (init !== null) {
    if (!isObj(init)) bad(`${at('initModel')} should be null or { "checksum": … }, found ${describe(init)}`);
    const sum = c.str(init as Obj, 'checksum', `${at('initModel')}.checksum`);
    if (!CHECKSUM_PATTERN.test(sum)) bad(`${at('initModel')}.checksum should be "sha256:" followed by 64 lower-case hex digits, found ${describe(sum)}`);
  }
}

/**
 * preprocessing: the columns' expanded names must be `features` exactly, in order (so the coef and
 * scaler widths follow), one-hot columns carry mean 0 and scale 1, and imputation is all or nothing.
 */
export function checkPreprocessing(
  pre: Obj,
  features: readonly string[],
  mean: readonly number[],
  scale: readonly number[],
  c: Checkers,
  bad: (message: string) => never,
): void {
  const columnsRaw = c.arr(pre, 'columns', 'preprocessing.columns');
  if (columnsRaw.length === 0) bad('preprocessing.columns is empty');
  if (columnsRaw.length > features.length) {
    bad(`preprocessing.columns has ${columnsRaw.length} entries for ${features.length} features; each column gives at least one feature`);
  }
  const impute = c.field(pre, 'impute', 'preprocessing.impute');
  if (impute !== null) {
    if (!isObj(impute)) bad(`preprocessing.impute should be null or an object, found ${describe(impute)}`);
    const strategy = c.field(impute as Obj, 'strategy', 'preprocessing.impute.strategy');
    if (!IMPUTE_STRATEGIES.includes(strategy as never)) {
      bad(`preprocessing.impute.strategy should be one of ${oneOf(IMPUTE_STRATEGIES)}, found ${describe(strategy)}`);
    }
    const fill = c.field(impute as Obj, 'fillValue', 'preprocessing.impute.fillValue');
    if (fill !== null && typeof fill !== 'string') bad(`preprocessing.impute.fillValue should be a string or null, found ${describe(fill)}`);
  }
  const imputes = impute !== null;
  const seen = new Set<string>();
  const columns: ColumnSpec[] = [];
  let categoricalSeen = false;
  for (let i = 0; i < columnsRaw.length; i++) {
    const path = `preprocessing.columns[${i}]`;
    const col = columnsRaw[i];
    if (!isObj(col)) bad(`${path} should be an object, found ${describe(col)}`);
    const o = col as Obj;
    const name = c.str(o, 'name', `${path}.name`);
    if (seen.has(name)) bad(`preprocessing.columns has a duplicate: ${describe(name)}`);
    seen.add(name);
    const kind = c.field(o, 'kind', `${path}.kind`);
    const value = c.field(o, 'impute', `${path}.impute`);
    if (kind === 'numeric') {
      if (categoricalSeen) bad(`${path} is numeric after a categorical column; numeric columns come first`);
      if (imputes ? typeof value !== 'number' : value !== null) {
        bad(`${path}.impute should be ${imputes ? 'a number (the model imputes)' : 'null (the model does not impute)'}, found ${describe(value)}`);
      }
      columns.push({ name, kind, impute: value as number | null });
    } else if (kind === 'categorical') {
      categoricalSeen = true;
      if (imputes ? typeof value !== 'string' : value !== null) {
        bad(`${path}.impute should be ${imputes ? 'a string (the model imputes)' : 'null (the model does not impute)'}, found ${describe(value)}`);
      }
      const categories = c.names(c.arr(o, 'categories', `${path}.categories`), `${path}.categories`, 1);
      for (let k = 1; k < categories.length; k++) {
        // Code-point order, as numpy sorts strings; duplicates were refused above.
        if (!codePointLess(categories[k - 1]!, categories[k]!)) bad(`${path}.categories are not sorted by code point at ${describe(categories[k])}`);
      }
      columns.push({ name, kind, categories, impute: value as string | null });
    } else {
      bad(`${path}.kind should be "numeric" or "categorical", found ${describe(kind)}`);
    }
  }
  const expanded = expandedNames(columns);
  if (expanded.length !== features.length) {
    bad(`preprocessing.columns expand to ${expanded.length} features, the model has ${features.length}`);
  }
  for (let j = 0; j < expanded.length; j++) {
    if (expanded[j] !== features[j]) bad(`features[${j}] is ${describe(features[j])}, but preprocessing.columns give ${describe(expanded[j])} there`);
  }
  let j = 0;
  for (const col of columns) {
    if (col.kind === 'numeric') {
      j++;
      continue;
    }
    for (let k = 0; k < col.categories.length; k++, j++) {
      if (mean[j] !== 0 || scale[j] !== 1) bad(`scaler at ${describe(features[j])} should be mean 0 and scale 1 (a one-hot column is not scaled)`);
    }
  }
  const na = c.arr(pre, 'naValues', 'preprocessing.naValues');
  for (let i = 0; i < na.length; i++) {
    if (typeof na[i] !== 'string') bad(`preprocessing.naValues[${i}] should be a string, found ${describe(na[i])}`);
  }
  const dropna = c.field(pre, 'dropna', 'preprocessing.dropna');
  if (!DROPNA_POLICIES.includes(dropna as never)) bad(`preprocessing.dropna should be one of ${oneOf(DROPNA_POLICIES)}, found ${describe(dropna)}`);
}

export function checkSearch(search: Obj, c: Checkers, bad: (message: string) => never): void {
  const at = (key: string) => `training.search.${key}`;
  const grid = c.arr(search, 'grid', at('grid'));
  for (let i = 0; i < grid.length; i++) {
    if (!isObj(grid[i])) bad(`${at('grid')}[${i}] should be an object of parameter lists, found ${describe(grid[i])}`);
    for (const [key, values] of Object.entries(grid[i] as Obj)) {
      if (!Array.isArray(values)) bad(`${at('grid')}[${i}][${describe(key)}] should be a list of values, found ${describe(values)}`);
    }
  }
  c.int(search, 'folds', at('folds'), 2);
  const cv = c.field(search, 'cv', at('cv'));
  if (cv !== 'stratified' && cv !== 'kfold') bad(`${at('cv')} should be "stratified" or "kfold", found ${describe(cv)}`);
  c.bool(search, 'shuffle', at('shuffle'));
  c.str(search, 'scoring', at('scoring'));
  c.obj(search, 'bestParams', at('bestParams'));
  c.num(search, 'bestScore', at('bestScore'));
  const results = c.arr(search, 'results', at('results'));
  for (let i = 0; i < results.length; i++) {
    const path = `${at('results')}[${i}]`;
    const r = results[i];
    if (!isObj(r)) bad(`${path} should be an object, found ${describe(r)}`);
    c.obj(r as Obj, 'params', `${path}.params`);
    c.num(r as Obj, 'meanTestScore', `${path}.meanTestScore`);
    c.num(r as Obj, 'stdTestScore', `${path}.stdTestScore`);
    c.int(r as Obj, 'rank', `${path}.rank`, 1);
  }
}
