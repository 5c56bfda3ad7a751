/**
 * Every train, cv and tune case of fixtures/selection/selection-sklearn.json (scikit-learn 1.2.1)
 * run through the built CLI: weights within 1e-12, epochs, fold scores, means and standard
 * deviations, candidate order and ranks, best parameters, refitted weights, test score.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, iris, tempDir } from '../helpers/cli.js';

const DIR = join(ROOT, 'fixtures', 'selection');
interface Case {
  name: string;
  kind: 'train' | 'cv' | 'tune';
  data: string;
  argv: string[];
  files?: Record<string, unknown>;
  expected: Record<string, any>;
}
const CASES = (JSON.parse(readFileSync(join(DIR, 'selection-sklearn.json'), 'utf8')) as { cases: Case[] }).cases;
const work = tempDir('iris-selection-');
for (const file of ['iris.csv', 'wine.csv', 'breast_cancer.csv']) copyFileSync(join(DIR, file), join(work, file));

function close(actual: number, expected: number, what: string): void {
  const ok = Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected));
  expect(ok, `${what}: ${actual} vs scikit-learn ${expected}`).toBe(true);
}
function closeAll(actual: number[], expected: number[], what: string): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => close(v, expected[i]!, `${what}[${i}]`));
}
function weights(modelFile: string) {
  const doc = JSON.parse(readFileSync(join(work, modelFile), 'utf8'));
  return { doc, coef: (doc.perceptron.coef as number[][]).flat(), intercept: doc.perceptron.intercept as number[] };
}

async function run(c: Case) {
  for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(join(work, name), JSON.stringify(content));
  const argv = c.argv.map((a) =>
    a
      .replace('{data}', c.data)
      .replace('{out}', `${c.name}.model.json`)
      .replace(/\{model:([^}]+)\}/, (_, dep: string) => `${dep}.model.json`),
  );
  const result = await iris(argv, { cwd: work });
  expect(result.stderr.replace(/iris: warning: ConvergenceWarning[^\n]*\n/g, '')).toBe('');
  expect(result.exitCode).toBe(0);
  return JSON.parse(result.stdout);
}

describe('scikit-learn parity of the model-selection cases, through the CLI', () => {
  it('has every kind of case', () => {
    expect(CASES.filter((c) => c.kind === 'train').length).toBeGreaterThanOrEqual(14);
    expect(CASES.filter((c) => c.kind === 'cv').length).toBeGreaterThanOrEqual(4);
    expect(CASES.filter((c) => c.kind === 'tune').length).toBeGreaterThanOrEqual(4);
  });

  // In file order: a warm-start case reads the model of an earlier case.
  for (const c of CASES) {
    it(`${c.kind} ${c.name}`, async () => {
      const e = c.expected;
      const report = await run(c);
      if (c.kind === 'train') {
        const { doc, coef, intercept } = weights(`${c.name}.model.json`);
        expect(doc.classes).toEqual(e.classes);
        expect(doc.features).toEqual(e.features);
        closeAll(coef, (e.coef as number[][]).flat(), 'coef');
        closeAll(intercept, e.intercept, 'intercept');
        closeAll(doc.scaler.mean, e.scaler.mean, 'scaler.mean');
        expect(report.nIter).toBe(e.n_iter);
        expect(report.converged).toBe(e.converged);
        expect(report.split.testIndices).toEqual(e.test_indices);
        close(report.metrics.test.accuracy, e.test_accuracy, 'test accuracy');
        close(report.metrics.test.macro.f1, e.test_f1_macro, 'test f1_macro');
      } else if (c.kind === 'cv') {
        expect(report.folds).toHaveLength(e.folds.length);
        report.folds.forEach((f: any, i: number) => {
          const ef = e.folds[i];
          expect([f.trainRows, f.testRows, f.nIter, f.classes]).toEqual([ef.train_rows, ef.test_rows, ef.n_iter, ef.classes]);
          for (const s of e.scoring as string[]) close(f.scores[s], ef[s], `fold ${i} ${s}`);
        });
        for (const s of e.scoring as string[]) {
          close(report.mean[s], e.mean[s], `mean ${s}`);
          close(report.std[s], e.std[s], `std ${s}`);
        }
      } else {
        expect(report.scoring).toBe(e.scoring);
        expect(report.cv.folds).toBe(e.n_splits);
        expect(report.candidates.map((r: any) => r.params)).toEqual(e.candidates.map((r: any) => r.params));
        report.candidates.forEach((r: any, i: number) => {
          const ec = e.candidates[i];
          closeAll(r.splitScores, ec.split_test_scores, `candidate ${i} split scores`);
          // Ranks are decided by exact equality of the means: they must be the same bits.
          expect(r.meanTestScore).toBe(ec.mean_test_score);
          close(r.stdTestScore, ec.std_test_score, `candidate ${i} std`);
          expect(r.rank).toBe(ec.rank_test_score);
        });
        expect(report.bestIndex).toBe(e.best_index);
        expect(report.bestParams).toEqual(e.best_params);
        expect(report.bestScore).toBe(e.best_score);
        expect(report.split.testIndices).toEqual(e.test_indices);
        close(report.test.accuracy, e.test_accuracy, 'test accuracy');
        const { doc, coef, intercept } = weights(`${c.name}.model.json`);
        expect(doc.classes).toEqual(e.refit.classes);
        expect(report.refit.nIter).toBe(e.refit.n_iter);
        closeAll(coef, (e.refit.coef as number[][]).flat(), 'refit coef');
        closeAll(intercept, e.refit.intercept, 'refit intercept');
        expect(doc.training.search.bestParams).toEqual(e.best_params);
        // The refitted model records its test metrics as train does, the AUC of every class included.
        expect(doc.training.metrics.test.accuracy).toBe(report.test.accuracy);
        expect(Object.keys(doc.training.metrics.test.rocAuc)).toEqual(doc.classes);
      }
    });
  }
});
