/**
 * GET / in a real browser: Debian's chromium (headless) driven by playwright-core, no browser
 * download. The page loads the model card, shows the confusion matrix as a coloured grid, and its
 * form answers with the prediction and scores that `iris predict` gives; with --token it asks for
 * the token first.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IRIS_CSV, iris, tempDir } from '../helpers/cli.js';
import { startServer, type Server } from '../helpers/serve.js';

const dir = tempDir('iris-serve-browser-');
const MODEL = join(dir, 'iris.json');
let browser: Browser;
let server: Server;
let guarded: Server;

beforeAll(async () => {
  const { exitCode, stderr } = await iris(['train', '-q', '--data', IRIS_CSV, '--out', MODEL]);
  if (exitCode !== 0) throw new Error(stderr);
  server = await startServer(['-m', MODEL, '--threads', '1', '--log-level', 'silent']);
  guarded = await startServer(['-m', MODEL, '--threads', '1', '--log-level', 'silent', '--token', 'open-sesame']);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await guarded?.stop();
});

const ROW = { sepal_length: '6.3', sepal_width: '2.9', petal_length: '5.6', petal_width: '1.8' };

async function expectedFor(row: Record<string, string>) {
  const { stdout } = await iris(['predict', '-m', MODEL, '--format', 'jsonl', '--scores', ...Object.entries(row).flatMap(([f, v]) => ['-F', `${f}=${v}`])]);
  return JSON.parse(stdout) as { prediction: string; scores: Record<string, number> };
}

describe('the page', () => {
  it('shows the model card and the confusion matrix, and the form predicts as iris predict does', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`${server.url}/`);
    await page.locator('#facts').getByText('species').waitFor();
    const facts = await page.locator('#facts').innerText();
    expect(facts).toContain('sepal_length, sepal_width, petal_length, petal_width');
    expect(facts).toContain('setosa, versicolor, virginica');
    expect(facts).toMatch(/test accuracy\s+0\.\d{4}/);
    const cells = page.locator('#confusion td');
    expect(await cells.count()).toBe(9);
    const diagonal = await cells
      .nth(0)
      .evaluate((td) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(td).backgroundColor);
    expect(diagonal).not.toBe('rgba(0, 0, 0, 0)');
    for (const [feature, value] of Object.entries(ROW)) await page.getByLabel(feature, { exact: true }).fill(value);
    await page.getByRole('button', { name: 'Predict' }).click();
    const want = await expectedFor(ROW);
    await expect.poll(() => page.locator('#prediction').textContent(), { timeout: 20_000 }).toBe(want.prediction);
    // Decision values are rounded as the card rounds (4 decimals); the full value is the cell's tooltip.
    const scores = await page.locator('#scores').innerText();
    for (const [label, score] of Object.entries(want.scores)) {
      expect(scores).toContain(`${label}\t${score.toFixed(4)}`);
      expect(await page.locator('#scores td', { hasText: score.toFixed(4) }).getAttribute('title')).toBe(String(score));
    }
    // Offline: nothing but the server itself was asked for.
    for (const url of requests) expect(url.startsWith(server.url)).toBe(true);
    await page.close();
  });

  it("shows each feature's training mean as an example in its field", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.locator('#facts').getByText('species').waitFor();
    const { features, scaler } = JSON.parse(readFileSync(MODEL, 'utf8')) as { features: string[]; scaler: { mean: number[] } };
    for (const [j, feature] of features.entries()) {
      const field = page.getByLabel(feature, { exact: true });
      expect(await field.getAttribute('placeholder')).toBe(`e.g. ${Number(scaler.mean[j]!.toPrecision(3))}`);
      expect(await field.inputValue()).toBe('');
    }
    await page.close();
  });

  it('an invalid field clears the previous answer and says which field', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.locator('#facts').getByText('species').waitFor();
    for (const [feature, value] of Object.entries(ROW)) await page.getByLabel(feature, { exact: true }).fill(value);
    await page.getByRole('button', { name: 'Predict' }).click();
    await page.locator('#prediction').waitFor();
    await page.getByLabel('petal_width', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Predict' }).click();
    await expect.poll(() => page.locator('#answer').innerText(), { timeout: 20_000 }).toBe('Enter a number for petal_width.');
    expect(await page.locator('#prediction').count()).toBe(0);
    expect(await page.locator('#scores').count()).toBe(0);
    await page.close();
  });

  it('asks for the token when the server has one', async () => {
    const page = await browser.newPage();
    await page.goto(`${guarded.url}/`);
    await page.locator('#token').waitFor({ state: 'visible' });
    await page.locator('#token').fill('open-sesame');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator('#facts').getByText('species').waitFor();
    for (const [feature, value] of Object.entries(ROW)) await page.getByLabel(feature, { exact: true }).fill(value);
    await page.getByRole('button', { name: 'Predict' }).click();
    await expect.poll(() => page.locator('#prediction').textContent(), { timeout: 20_000 }).toBe((await expectedFor(ROW)).prediction);
    await page.close();
  });
});
