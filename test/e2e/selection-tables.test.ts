/**
 * cv and tune on a table with words and gaps (data/penguins.csv): every fold refits the imputers, the
 * scaler and the one-hot categories on its training rows, as a scikit-learn Pipeline does. Expected
 * values: fixtures/selection/penguins-selection-sklearn.json (scikit-learn 1.2.1).
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, iris, tempDir } from '../helpers/cli.js';

const work = tempDir('iris-selection-tables-');
copyFileSync(join(ROOT, 'data', 'penguins.csv'), join(work, 'penguins.csv'));
const { cases } = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'selection', 'penguins-selection-sklearn.json'), 'utf8')) as {
  cases: { name: string; argv: string[]; expected: any }[];
};

describe('cv and tune on penguins equal scikit-learn', () => {
  for (const c of cases.filter((x) => x.name.startsWith('cv-'))) {
    it(c.name, async () => {
      const result = await iris(c.argv, { cwd: work });
      expect(result.exitCode).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.folds.map((f: any) => f.scores.accuracy)).toEqual(c.expected.accuracy);
      expect(report.folds.map((f: any) => f.scores.f1_macro)).toEqual(c.expected.f1_macro);
      expect(report.mean).toEqual(c.expected.mean);
    });
  }

  const tune = cases.find((x) => x.name.startsWith('tune-'))!;
  it(`${tune.name}: ranks, best parameters, refitted weights and test score; --threads 2 gives the same report`, async () => {
    const one = await iris([...tune.argv, '--threads', '1'], { cwd: work });
    const two = await iris([...tune.argv, '--threads', '2'], { cwd: work });
    expect(one.exitCode).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    const report = JSON.parse(one.stdout);
    const e = tune.expected;
    expect(report.candidates.map((r: any) => r.meanTestScore)).toEqual(e.mean);
    expect(report.candidates.map((r: any) => r.rank)).toEqual(e.rank);
    report.candidates.forEach((r: any, i: number) => expect(Math.abs(r.stdTestScore - e.std[i])).toBeLessThanOrEqual(1e-12));
    expect(report.bestParams).toEqual(e.best);
    expect(report.test.accuracy).toBe(e.test);
    const model = JSON.parse(readFileSync(join(work, 'tune-penguins.json'), 'utf8'));
    expect(model.perceptron.coef.flat()).toEqual(e.coef);
    expect(model.perceptron.intercept).toEqual(e.intercept);
    expect(model.training.search.bestParams).toEqual(e.best);
  });
});
