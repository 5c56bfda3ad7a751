/**
 * Tables beyond the penguins, against scikit-learn (fixtures/tables/tables-sklearn.json, written by
 * fixtures/tables/make_reference.py): gaps in numeric columns, accented categories, True/False,
 * quoted categories with commas and quotes, '?' markers, missing labels; mean, median,
 * most_frequent and constant imputation, --dropna and --dropna target, a forced categorical column.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, iris } from '../helpers/cli.js';

interface Case {
  cli: string[];
  rows: { read: number; used: number };
  classes: string[];
  columns: string[];
  n_iter: number;
  coef: number[][];
  intercept: number[];
  test_indices: number[];
  accuracy: number;
}

const DIR = join(ROOT, 'fixtures', 'tables');
const REF = JSON.parse(readFileSync(join(DIR, 'tables-sklearn.json'), 'utf8')) as { cases: Case[] };
const out = mkdtempSync(join(tmpdir(), 'iris-tables-ref-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('tables against scikit-learn', () => {
  REF.cases.forEach((ref, k) => {
    it(ref.cli.join(' '), async () => {
      const model = join(out, `case-${k}.json`);
      const { exitCode, stdout, stderr } = await iris(['train', ...ref.cli, '--json', '--out', model], { cwd: DIR });
      expect(exitCode, stderr).toBe(0);
      const report = JSON.parse(stdout);
      expect(report.classes).toEqual(ref.classes);
      expect(report.columns ?? report.features).toEqual(ref.columns);
      expect(report.nIter).toBe(ref.n_iter);
      expect(report.split.testIndices).toEqual(ref.test_indices);
      expect(report.metrics.test.accuracy).toBe(ref.accuracy);
      expect(report.rows?.used ?? report.data.rows).toBe(ref.rows.used);
      const artifact = JSON.parse(readFileSync(model, 'utf8'));
      const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 1e-12 * Math.max(1, Math.abs(b[i]!)));
      expect(close(artifact.perceptron.coef.flat(), ref.coef.flat())).toBe(true);
      expect(close(artifact.perceptron.intercept, ref.intercept)).toBe(true);
    });
  });
});
