/**
 * iris evaluate --format html: the page in a real browser (Debian's chromium through
 * playwright-core). It asks for nothing over the network, its confusion-matrix cells carry the
 * counts of --json's confusion matrix, its ROC curves the AUCs of --json (scikit-learn's, from the
 * reference fixture), and it prints. IRIS_UPDATE_SCREENSHOT=1 rewrites docs/evaluation-report.png.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE, ROOT, iris, tempDir } from '../helpers/cli.js';

const dir = tempDir('iris-report-');
const refCase = REFERENCE.cases.find((c) => c.name === 'seed-script')!;
const roc = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'reference', 'roc-sklearn.json'), 'utf8')) as {
  iris: { name: string; perClass: Record<string, { auc: number } | null> }[];
};
let browser: Browser;
let json: { confusionMatrix: number[][]; labels: string[]; rocAuc: Record<string, number | null>; accuracy: number };
let trained: { metrics: { test: { rocAuc: Record<string, number | null> } } };

beforeAll(async () => {
  const train = await iris(['train', '--json', '--out', 'model.json', ...refCase.cli], { cwd: dir });
  if (train.exitCode !== 0) throw new Error(train.stderr);
  trained = JSON.parse(train.stdout) as typeof trained;
  const evaluate = await iris(['evaluate', '--format', 'html', '--out', 'report.html', '--min-accuracy', '0.9'], { cwd: dir });
  if (evaluate.exitCode !== 0 || evaluate.stdout !== '') throw new Error(`exit ${evaluate.exitCode}: ${evaluate.stderr}${evaluate.stdout}`);
  const both = await iris(['evaluate', '--json', '--html', 'beside.html', '--min-accuracy', '0.9'], { cwd: dir });
  if (both.exitCode !== 0) throw new Error(both.stderr);
  json = JSON.parse(both.stdout) as typeof json;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('iris evaluate --format html', () => {
  it('--json carries rocAuc: scikit-learn roc_auc_score(y == c, decision_function[:, c]) per class', () => {
    const want = roc.iris.find((c) => c.name === refCase.name)!.perClass;
    for (const label of refCase.classes) expect(json.rocAuc[label]).toBe(want[label]!.auc);
  });

  it('train --json carries the same AUCs in metrics.test.rocAuc, and so does the model file', () => {
    const want = roc.iris.find((c) => c.name === refCase.name)!.perClass;
    for (const label of refCase.classes) expect(trained.metrics.test.rocAuc[label]).toBe(want[label]!.auc);
    const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { training: { metrics: { test: { rocAuc: unknown } } } };
    expect(model.training.metrics.test.rocAuc).toEqual(trained.metrics.test.rocAuc);
  });

  it('is one self-contained page: no script, nothing to fetch, and --html beside --json writes the same page', () => {
    const page = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).not.toMatch(/<script|<link|<img|@import|url\(/i);
    // The only URL is the SVG namespace, which names and never loads.
    for (const url of page.matchAll(/https?:\/\/[^\s"'<>)]+/g)) expect(url[0]).toBe('http://www.w3.org/2000/svg');
    const beside = readFileSync(join(dir, 'beside.html'), 'utf8');
    // The same report but for the time it was made.
    const undated = (html: string) => html.replace(/on \d{4}-\d\d-\d\dT[\d:]+Z/, '');
    expect(undated(beside)).toBe(undated(page));
  });

  it('in Chromium: no request leaves the page, the heatmap cells are the confusion matrix, the ROC curves have the AUCs; screenshot and print', async () => {
    const page = await browser.newPage({ viewport: { width: 1120, height: 900 } });
    const url = pathToFileURL(join(dir, 'report.html')).href;
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(url, { waitUntil: 'load' });
    expect(requests).toEqual([url]);

    const cells = page.locator('svg rect.cm-cell');
    const n = json.labels.length;
    expect(await cells.count()).toBe(n * n);
    const seen = await cells.evaluateAll((rects) =>
      rects.map((r) => ({
        t: r.getAttribute('data-true'),
        p: r.getAttribute('data-predicted'),
        c: Number(r.getAttribute('data-count')),
        fill: r.getAttribute('fill'),
      })),
    );
    json.labels.forEach((t, i) =>
      json.labels.forEach((p, j) => {
        const cell = seen.find((s) => s.t === t && s.p === p);
        expect(cell?.c, `cell ${t} → ${p}`).toBe(json.confusionMatrix[i]![j]);
      }),
    );
    // The diagonal is the darkest cell of each row (every class mostly right on Iris).
    expect(seen.find((s) => s.t === 'setosa' && s.p === 'setosa')?.fill).toBe('rgb(8,48,107)');
    const counts = await page.locator('svg text.cm-count').allTextContents();
    expect(counts.map(Number)).toEqual(json.confusionMatrix.flat());

    const curves = await page
      .locator('svg polyline.roc')
      .evaluateAll((lines) => lines.map((l) => [l.getAttribute('data-class'), Number(l.getAttribute('data-auc'))]));
    expect(Object.fromEntries(curves)).toEqual(json.rocAuc);
    const metrics = await page.locator('table.metrics').innerText();
    expect(metrics).toContain(json.rocAuc.versicolor!.toFixed(4));
    expect(await page.locator('.verdict').innerText()).toBe('PASSED');
    expect(await page.locator('figure.hist').count()).toBe(3);

    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(50_000);
    if (process.env.IRIS_UPDATE_SCREENSHOT === '1') writeFileSync(join(ROOT, 'docs', 'evaluation-report.png'), readFileSync(shot));

    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(requests).toEqual([url]);
    await page.close();
  });

  it('a two-class model: one decision value, class 1 scored by it and class 0 by its negation, the same AUC', async () => {
    const model = join(ROOT, 'fixtures', 'models', 'valid-binary-v2.json');
    const rows = readFileSync(join(ROOT, 'data', 'iris.csv'), 'utf8')
      .trim()
      .split('\n');
    writeFileSync(
      join(dir, 'two.csv'),
      `${rows[0]}\n${rows
        .slice(1)
        .filter((r) => !r.endsWith('virginica'))
        .join('\n')}\n`,
    );
    const result = await iris(['evaluate', '--model', model, '--data', 'two.csv', '--json', '--html', 'two.html'], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    const auc = (JSON.parse(result.stdout) as { rocAuc: Record<string, number> }).rocAuc;
    expect(Object.keys(auc)).toEqual(['setosa', 'versicolor']);
    expect(auc.setosa).toBeCloseTo(auc.versicolor!, 14);
    const html = readFileSync(join(dir, 'two.html'), 'utf8');
    expect([...html.matchAll(/class="cm-cell"/g)]).toHaveLength(4);
    expect([...html.matchAll(/<polyline class="roc"/g)]).toHaveLength(2);
    expect([...html.matchAll(/<figure class="hist">/g)]).toHaveLength(2);
  });

  it('--format html without --out writes the page to stdout; --out with another format is a usage error', async () => {
    const out = await iris(['evaluate', '--format', 'html'], { cwd: dir });
    expect(out.exitCode).toBe(0);
    expect(out.stdout.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(out.stdout.trimEnd().endsWith('</html>')).toBe(true);
    const bad = await iris(['evaluate', '--format', 'markdown', '--out', 'x.md'], { cwd: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--out goes with --format html');
  });
});
