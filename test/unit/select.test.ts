/** Folds, grid order, ranks and fold statistics (docs/SKLEARN_PARITY.md §15–16), and the library's crossValidate / gridSearch. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError, assignFolds, foldMean, foldRows, foldStd, parameterGrid, parseGridSpec, rankScores, type ParamGrid } from '../../src/core/index.js';
import { crossValidate, gridSearch, trainTestSplit } from '../../src/index.js';
import { loadIris } from '../helpers/iris.js';

const tests = (foldOf: Int32Array, k: number) => Array.from({ length: k }, (_, f) => foldRows(foldOf, f).test);

describe('fold assignment (§15)', () => {
  const y = Array.from('bbbaacbbaacb', (c) => c.charCodeAt(0));
  it('StratifiedKFold(3), classes in order of first appearance', () => {
    expect(tests(assignFolds(y, { folds: 3, kind: 'stratified', shuffle: false, seed: 0, refuseSmallClasses: false }), 3)).toEqual([
      [0, 1, 3, 4],
      [2, 5, 6, 8],
      [7, 9, 10, 11],
    ]);
  });
  it('StratifiedKFold(3, shuffle=True, random_state=0)', () => {
    expect(tests(assignFolds(y, { folds: 3, kind: 'stratified', shuffle: true, seed: 0, refuseSmallClasses: false }), 3)).toEqual([
      [2, 4, 7, 9],
      [1, 5, 6, 8],
      [0, 3, 10, 11],
    ]);
  });
  it('KFold(3, shuffle=True, random_state=0) on 10 rows', () => {
    expect(tests(assignFolds(new Int32Array(10), { folds: 3, kind: 'kfold', shuffle: true, seed: 0 }), 3)).toEqual([
      [2, 4, 8, 9],
      [1, 6, 7],
      [0, 3, 5],
    ]);
  });
});

describe('ParameterGrid order, ranks, means (§16)', () => {
  it('sorts keys, varies the last fastest, dicts in list order', () => {
    const grid: ParamGrid = [{ penalty: [null, 'l2'], alpha: [1e-4, 1e-2] }, { eta0: [1.0, 0.5] }];
    expect(parameterGrid(grid)).toEqual([
      { alpha: 1e-4, penalty: null },
      { alpha: 1e-4, penalty: 'l2' },
      { alpha: 1e-2, penalty: null },
      { alpha: 1e-2, penalty: 'l2' },
      { eta0: 1.0 },
      { eta0: 0.5 },
    ]);
  });
  it('parses the command-line grid, class weights included', () => {
    expect(parseGridSpec('eta0=0.01,1 penalty=none,l1 class-weight=balanced,{setosa:2,virginica:1} shuffle=false')).toEqual({
      eta0: [0.01, 1],
      penalty: [null, 'l1'],
      'class-weight': ['balanced', { setosa: 2, virginica: 1 }],
      shuffle: [false],
    });
    expect(() => parameterGrid(parseGridSpec('eta0=fast'))).toThrow(UsageError);
  });
  it('means of 8 or more folds are pairwise sums', () => {
    const s = [0.8, 0.7, 0.9, 0.6, 0.7, 0.8, 0.9, 0.7, 0.6, 0.8];
    expect(foldMean(s)).toBe(0.7499999999999999);
    expect(foldStd([1, 2, 3, 4])).toBe(Math.sqrt(1.25));
  });
  it('ranks ties at the lowest rank and NaN last', () => {
    expect(rankScores([0.8, Number.NaN, 0.9, 0.8, Number.NaN])).toEqual([2, 4, 1, 2, 4]);
  });
});

describe('the library (same numbers as the CLI and scikit-learn)', () => {
  const iris = loadIris();
  const X = Array.from({ length: iris.rows }, (_, i) => Array.from(iris.X.subarray(i * 4, i * 4 + 4)));
  const ref = (JSON.parse(readFileSync(join('fixtures', 'selection', 'selection-sklearn.json'), 'utf8')) as { cases: any[] }).cases;

  it('crossValidate equals cross_validate (cv-iris-stratified)', () => {
    const e = ref.find((c) => c.name === 'cv-iris-stratified').expected;
    const cv = crossValidate(X, iris.labels, { fit: { penalty: 'l2', alpha: 0.001 } });
    expect(cv.scores.accuracy).toEqual(e.folds.map((f: any) => f.accuracy));
    expect(cv.scores.f1_macro).toEqual(e.folds.map((f: any) => f.f1_macro));
    expect(cv.mean).toEqual(e.mean);
    expect(cv.std).toEqual(e.std);
  });

  it('gridSearch equals GridSearchCV (tune-iris-tie)', async () => {
    const e = ref.find((c) => c.name === 'tune-iris-tie').expected;
    const { XTrain, XTest, yTrain, yTest } = trainTestSplit(X, iris.labels, { testSize: 0.3, seed: 1 });
    const search = await gridSearch(XTrain, yTrain, { grid: { max_iter: [5, 10, 20], eta0: [0.1, 1] }, fit: { seed: 1 } });
    expect(search.results.map((r) => r.params)).toEqual(e.candidates.map((c: any) => c.params));
    expect(search.results.map((r) => r.meanTestScore)).toEqual(e.candidates.map((c: any) => c.mean_test_score));
    expect(search.results.map((r) => r.rank)).toEqual(e.candidates.map((c: any) => c.rank_test_score));
    expect(search.bestParams).toEqual(e.best_params);
    expect(Array.from(search.bestModel.fitted.coef)).toEqual(e.refit.coef.flat());
    expect(search.bestModel.score(XTest, yTest)).toBe(e.test_accuracy);
  });
});

describe('the library on records (a table with categories and gaps)', () => {
  const [head, ...lines] = readFileSync(join('data', 'penguins.csv'), 'utf8').trim().split('\n');
  const names = head!.split(',');
  const records = lines.map((line) =>
    Object.fromEntries(line.split(',').map((cell, k) => [names[k]!, cell === 'NA' ? null : /^-?\d/.test(cell) ? Number(cell) : cell])),
  );
  const species = records.map((r) => String(r['species']));
  const rows = records.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'species')));
  const ref = (JSON.parse(readFileSync(join('fixtures', 'selection', 'penguins-selection-sklearn.json'), 'utf8')) as { cases: any[] }).cases;

  it('crossValidate refits the imputers, scaler and categories per fold, as cross_validate does', () => {
    const e = ref.find((c) => c.name === 'cv-penguins-impute-kfold').expected;
    const cv = crossValidate(rows, species, { cv: 'kfold', shuffle: true, seed: 4, fit: { impute: 'most_frequent', seed: 4 } });
    expect(cv.scores.accuracy).toEqual(e.accuracy);
    expect(cv.scores.f1_macro).toEqual(e.f1_macro);
    expect(cv.mean).toEqual(e.mean);
  });
});
