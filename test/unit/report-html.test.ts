/**
 * The HTML report of a format-3 model (imputation, categories) that records a grid search: the
 * model card lists each column's preprocessing, the search section its candidates by rank, and the
 * page holds no script or URL to fetch. Rendered from scikit-learn's penguins numbers, no browser
 * (test/e2e/report-html.test.ts opens the page in Chromium).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/cli/report-html.js';
import { rocOf } from '../../src/cli/roc-metrics.js';
import { evaluateLabels } from '../../src/core/pipeline.js';
import { Model } from '../../src/lib/model.js';
import { ROOT } from '../helpers/iris.js';

const ref = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'reference', 'penguins-sklearn.json'), 'utf8')) as {
  cases: { name: string; split: { test_rows: number[] }; test_predictions: string[]; test_decision_function: number[][]; classes: string[] }[];
};
const refCase = ref.cases.find((c) => c.name === 'impute-mean')!;
const species = readFileSync(join(ROOT, 'data', 'penguins.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(',')[0]!);

const loaded = Model.fromJSON(readFileSync(join(ROOT, 'fixtures', 'models', 'penguins-v3.json'), 'utf8'));
const search = {
  grid: [{ eta0: [0.01, 0.1, 1], penalty: [null, 'l2'] }],
  folds: 5,
  cv: 'stratified' as const,
  shuffle: false,
  scoring: 'accuracy',
  bestParams: { eta0: 0.1, penalty: null },
  bestScore: 0.975,
  results: [
    { params: { eta0: 0.01, penalty: null }, meanTestScore: 0.9625, stdTestScore: 0.02, rank: 3 },
    { params: { eta0: 0.1, penalty: null }, meanTestScore: 0.975, stdTestScore: 0.015, rank: 1 },
    { params: { eta0: 1, penalty: 'l2' }, meanTestScore: 0.9708, stdTestScore: 0.01, rank: 2 },
  ],
};
const model = Model.fromFitted(loaded.fitted, { ...loaded.training, search });

function page(): string {
  const labels = refCase.split.test_rows.map((i) => species[i]!);
  const predictions = Int32Array.from(refCase.test_predictions, (p) => refCase.classes.indexOf(p));
  const scores = Float64Array.from(refCase.test_decision_function.flat());
  const scored = { labels, predictions, scores };
  const evaluation = evaluateLabels(labels, predictions, model.classes);
  const roc = rocOf(scored, model.classes);
  return renderHtmlReport({
    modelPath: 'penguins.json',
    model,
    source: 'penguins.csv',
    evaluation,
    scored,
    roc: roc.curves,
    gates: [],
    passed: true,
    baseline: undefined,
    now: new Date(0),
  });
}

describe('the HTML report of a tabular, tuned model', () => {
  const html = page();

  it('shows each column with its kind, imputation and categories', () => {
    expect(html).toContain(
      '<td>island</td><td>categorical</td><td>missing → Biscoe</td><td>one-hot, 3 categories: Biscoe, Dream, Torgersen; unknown → all zeros</td>',
    );
    expect(html).toMatch(/<td>bill_length_mm<\/td><td>numeric<\/td><td>missing → 44\.2899<\/td><td>standardized \(mean 44\.2899, scale 5\.3379\)<\/td>/);
    expect(html).toContain('imputed (<code>mean</code>), statistics fitted on the training rows');
  });

  it('shows the search: settings, and the candidates by rank with the best first', () => {
    expect(html).toContain('<h2>Hyperparameter search</h2>');
    expect(html).toContain('5 folds, stratified; scoring <code>accuracy</code>');
    const ranks = [...html.matchAll(/<tr(?: class="best")?><td class="num">(\d+)<\/td><td><code>eta0=/g)].map((m) => Number(m[1]));
    expect(ranks).toEqual([1, 2, 3]);
    expect(html).toContain('<tr class="best"><td class="num">1</td><td><code>eta0=0.1</code> <code>penalty=None</code></td>');
  });

  it('has a confusion cell per pair of classes and a ROC curve per class, and nothing to fetch', () => {
    expect([...html.matchAll(/class="cm-cell"/g)]).toHaveLength(9);
    expect([...html.matchAll(/<polyline class="roc"/g)]).toHaveLength(3);
    expect(html).not.toMatch(/<script|<link|<img|url\(/i);
    for (const url of html.matchAll(/https?:\/\/[^\s"'<>)]+/g)) expect(url[0]).toBe('http://www.w3.org/2000/svg');
  });

  it('escapes what comes from the data', () => {
    const evil = Model.fromFitted({ ...loaded.fitted, target: '<script>alert(1)</script>' }, loaded.training);
    const labels = ['Adelie'];
    const scored = { labels, predictions: Int32Array.of(0), scores: Float64Array.of(1, 0, 0) };
    const out = renderHtmlReport({
      modelPath: 'a"b<c>.json',
      model: evil,
      source: '<b>x</b>',
      evaluation: evaluateLabels(labels, scored.predictions, evil.classes),
      scored,
      roc: rocOf(scored, evil.classes).curves,
      gates: [],
      passed: true,
      baseline: undefined,
    });
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('a&quot;b&lt;c&gt;.json');
  });
});
