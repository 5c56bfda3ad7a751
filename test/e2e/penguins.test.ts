/**
 * The penguins reference (fixtures/reference/penguins-sklearn.json: scikit-learn 1.2.1 + pandas
 * 1.5.3, the ColumnTransformer of docs/MODEL_FORMAT.md) through the built CLI, every case: train
 * with the case's flags, then predict its test rows and extra rows (words, blanks, unknown
 * categories), and evaluate its held-out split. One case again through the library.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fit, trainTestSplit } from '../../src/index.js';
import { ROOT, iris } from '../helpers/cli.js';

interface Case {
  name: string;
  cli: string[];
  target: string;
  features: string[];
  numeric_features: string[];
  categorical_features: string[];
  rows: { read: number; dropped: number; used: number };
  classes: string[];
  columns: string[];
  n_iter: number;
  coef: number[][];
  intercept: number[];
  split: { train: number; test: number; test_indices: number[]; test_rows: number[] };
  test_predictions: string[];
  accuracy: number;
  train_accuracy: number;
  misclassified: number;
  confusion_matrix: number[][];
  imputer_statistics: Record<string, number | string> | null;
  scaler: { mean: number[]; scale: number[] };
  categories: Record<string, string[]>;
  extra: { rows: Record<string, string | number | null>[]; predictions: string[]; unknown_categories?: Record<string, string[]> };
}

const REF = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'reference', 'penguins-sklearn.json'), 'utf8')) as { cases: Case[] };
const CSV = join(ROOT, 'data', 'penguins.csv');
const LINES = readFileSync(CSV, 'utf8').split('\n');
const dir = mkdtempSync(join(tmpdir(), 'iris-penguins-'));
copyFileSync(CSV, join(dir, 'penguins.csv'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Weights within 1e-12 (relative to the larger magnitude, at least 1). */
function close(actual: number[], expected: number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = 1e-12 * Math.max(1, Math.abs(expected[i]!));
    expect(Math.abs(actual[i]! - expected[i]!), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol);
  }
}

function csvOf(rows: Record<string, string | number | null>[], columns: string[]): string {
  return [columns.join(','), ...rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? '' : String(r[c]))).join(','))].join('\n') + '\n';
}

describe('penguins: the scikit-learn reference through the CLI', () => {
  it('has the 8 cases', () => {
    expect(REF.cases.length).toBe(8);
  });

  for (const ref of REF.cases) {
    it(`case ${ref.name} (${ref.cli.join(' ')})`, async () => {
      const model = join(dir, `${ref.name}.json`);
      const trained = await iris(['train', '-d', 'penguins.csv', ...ref.cli, '-o', model, '--json'], { cwd: dir });
      expect(trained.stderr).toBe('');
      expect(trained.exitCode).toBe(0);
      const report = JSON.parse(trained.stdout);
      const artifact = JSON.parse(readFileSync(model, 'utf8'));

      expect(report.classes).toEqual(ref.classes);
      expect(artifact.features).toEqual(ref.columns);
      expect(report.nIter).toBe(ref.n_iter);
      close(artifact.perceptron.coef.flat(), ref.coef.flat(), 'coef');
      close(artifact.perceptron.intercept, ref.intercept, 'intercept');
      expect(report.split.testIndices).toEqual(ref.split.test_indices);
      expect([report.split.train, report.split.test]).toEqual([ref.split.train, ref.split.test]);
      expect(report.data.rows).toBe(ref.rows.read);
      if (ref.rows.dropped > 0) expect(report.rows).toMatchObject({ read: ref.rows.read, dropped: ref.rows.dropped, used: ref.rows.used });
      expect(report.metrics.test.accuracy).toBe(ref.accuracy);
      expect(report.metrics.train.accuracy).toBe(ref.train_accuracy);
      expect(report.metrics.test.confusionMatrix).toEqual(ref.confusion_matrix);
      expect(report.metrics.test.misclassified).toBe(ref.misclassified);

      // Fitted preprocessing: imputer statistics, scaler statistics, categories.
      const columns = artifact.preprocessing.columns as { name: string; kind: string; impute: number | string | null; categories?: string[] }[];
      expect(columns.map((c) => c.name)).toEqual([...ref.numeric_features, ...ref.categorical_features]);
      for (const c of columns) {
        expect(c.impute, `impute of ${c.name}`).toEqual(ref.imputer_statistics === null ? null : ref.imputer_statistics[c.name]);
        if (c.kind === 'categorical') expect(c.categories).toEqual(ref.categories[c.name]);
      }
      const nNum = ref.numeric_features.length;
      close(artifact.scaler.mean.slice(0, nNum), ref.scaler.mean, 'scaler.mean');
      close(artifact.scaler.scale.slice(0, nNum), ref.scaler.scale, 'scaler.scale');

      // The test rows (pandas index = data row from 0), as lines of the file, through predict.
      const testCsv = [LINES[0], ...ref.split.test_rows.map((row) => LINES[row + 1]!)].join('\n') + '\n';
      writeFileSync(join(dir, `${ref.name}-test.csv`), testCsv);
      const predicted = await iris(['predict', '-m', model, '-i', `${ref.name}-test.csv`], { cwd: dir });
      expect(predicted.stderr).toBe('');
      expect(predicted.stdout.trimEnd().split('\n')).toEqual(ref.test_predictions);

      // The extra rows: blanks are missing values, unknown categories encode as zeros (counted on stderr).
      writeFileSync(join(dir, `${ref.name}-extra.csv`), csvOf(ref.extra.rows, ref.features));
      const extra = await iris(['predict', '-m', model, '-i', `${ref.name}-extra.csv`], { cwd: dir });
      expect(extra.exitCode, extra.stderr).toBe(0);
      expect(extra.stdout.trimEnd().split('\n')).toEqual(ref.extra.predictions);
      for (const [feature, values] of Object.entries(ref.extra.unknown_categories ?? {})) {
        for (const value of values) expect(extra.stderr).toContain(`category of ${feature} the model never saw ("${value}"`);
      }

      // evaluate reads the file again as train did (dropna included) and finds the same split.
      const evaluated = await iris(['evaluate', '-m', model, '--json'], { cwd: dir });
      expect(evaluated.exitCode, evaluated.stderr).toBe(0);
      const evaluation = JSON.parse(evaluated.stdout);
      expect(evaluation.accuracy ?? evaluation.metrics?.accuracy).toBe(ref.accuracy);
    });
  }
});

describe('penguins: the scikit-learn reference through the library', () => {
  it('case impute-mean: fit on records, predict records with words and nulls', () => {
    const ref = REF.cases.find((c) => c.name === 'impute-mean')!;
    const [header, ...rows] = LINES.filter((l) => l !== '');
    const names = header!.split(',');
    const records = rows.map((line) => {
      const fields = line.split(',');
      const record: Record<string, string | number | null> = {};
      names.forEach((name, j) => {
        const v = fields[j]!;
        record[name] = v === 'NA' ? null : /^-?[0-9.]+$/.test(v) ? Number(v) : v;
      });
      return record;
    });
    const y = records.map((r) => r[ref.target] as string);
    const X = records.map((r) => Object.fromEntries(ref.features.map((f) => [f, r[f]!])));
    const index = X.map((_, i) => [i]);
    const { trainIndices, testIndices } = trainTestSplit(index, y, { testSize: 0.3, seed: 0 });
    expect(testIndices).toEqual(ref.split.test_indices);
    const model = fit(
      trainIndices.map((i) => X[i]!),
      trainIndices.map((i) => y[i]!),
      { impute: 'mean', target: ref.target },
    );
    expect(model.featureNamesOut).toEqual(ref.columns);
    expect(model.fitted.nIter).toBe(ref.n_iter);
    close(Array.from(model.fitted.coef), ref.coef.flat(), 'coef');
    close(Array.from(model.fitted.intercept), ref.intercept, 'intercept');
    expect(model.inputs.map((i) => [i.name, i.kind, i.imputed])).toEqual([
      ...ref.numeric_features.map((n) => [n, 'numeric', true]),
      ...ref.categorical_features.map((n) => [n, 'categorical', true]),
    ]);
    expect(model.inputs.find((i) => i.name === 'island')?.categories).toEqual(ref.categories['island']);
    expect(model.predict(testIndices.map((i) => X[i]!))).toEqual(ref.test_predictions);
    expect(model.predict(ref.extra.rows)).toEqual(ref.extra.predictions);
    expect(model.predictOne(ref.extra.rows[1]!)).toBe(ref.extra.predictions[1]);
    // A column table gives the same predictions.
    const table = Object.fromEntries(ref.features.map((f) => [f, ref.extra.rows.map((r) => r[f] ?? null)]));
    expect(model.predict(table)).toEqual(ref.extra.predictions);
  });
});
