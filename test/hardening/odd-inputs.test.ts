/**
 * Odd but valid inputs, through the built CLI: each must work, and give the right answer.
 * Unicode names and labels, Windows line ends, no final line end, a single feature, 10+ classes,
 * labels that look like numbers, very long lines, empty input to predict, a 1M-row file.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IRIS_CSV, ROOT, iris, tempDir } from '../helpers/cli.js';

const dir = tempDir('iris-odd-');
const IRIS_TEXT = readFileSync(IRIS_CSV, 'utf8');
const IRIS_LINES = IRIS_TEXT.trim().split('\n');

/** Deterministic pseudo-random numbers in [0, 1) (an LCG: the data must not change between runs). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function ok(args: string[], options: { input?: string } = {}) {
  const result = await iris(args, { cwd: dir, ...options });
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  return result.stdout;
}

async function trainJson(args: string[], options: { input?: string } = {}) {
  return JSON.parse(await ok(['train', '--json', ...args], options)) as {
    classes: string[];
    features: string[];
    target: string;
    nIter: number;
    data: { rows: number };
    split: { train: number; test: number };
    metrics: { train: { accuracy: number }; test: { accuracy: number } };
  };
}

const model = (name: string) =>
  JSON.parse(readFileSync(join(dir, name), 'utf8')) as {
    perceptron: { coef: number[][]; intercept: number[] };
    scaler: unknown;
    training: { data: { sha256: string } };
  };

describe('odd but valid inputs', () => {
  it('Unicode column names and labels: kebab-case flags from any script, labels kept exactly, sorted by code point', async () => {
    const names = ['longueur du sépale (cm)', 'Sepal–Width', '花びらの長さ', 'ΠΕΤΑΛΟ_πλάτος', 'espèce'];
    const labels: Record<string, string> = { setosa: 'Iris sétosa 🌸', versicolor: 'versicolor', virginica: 'Вирджиния' };
    const rows = IRIS_LINES.slice(1).map((line) => {
      const f = line.split(',');
      return [...f.slice(0, 4), labels[f[4]!]!].join(',');
    });
    writeFileSync(join(dir, 'unicode.csv'), `${names.join(',')}\n${rows.join('\n')}\n`);
    const report = await trainJson(['--data', 'unicode.csv', '--out', 'unicode.json']);
    expect(report.target).toBe('espèce');
    expect(report.features).toEqual(names.slice(0, 4));
    // code point order: 'I' (U+0049) < 'v' (U+0076) < 'В' (U+0412)
    expect(report.classes).toEqual(['Iris sétosa 🌸', 'versicolor', 'Вирджиния']);
    expect(report.metrics.test.accuracy).toBeGreaterThan(0.9);

    const help = await ok(['predict', '--model', 'unicode.json', '--help']);
    for (const flag of ['--longueur-du-sépale-cm', '--sepal-width', '--花びらの長さ', '--πεταλο-πλάτος']) expect(help).toContain(flag);
    const setosa = ['--longueur-du-sépale-cm', '5.1', '--sepal-width', '3.5', '--花びらの長さ', '1.4', '--πεταλο-πλάτος', '0.2'];
    expect(await ok(['predict', '-m', 'unicode.json', ...setosa])).toBe('Iris sétosa 🌸\n');
    const byName = ['-F', 'longueur du sépale (cm)=6.9', '-F', 'Sepal–Width=3.1', '-F', '花びらの長さ=5.4', '-F', 'ΠΕΤΑΛΟ_πλάτος=2.1'];
    expect(await ok(['predict', '-m', 'unicode.json', ...byName])).toBe('Вирджиния\n');
    const jsonl = await ok(['predict', '-m', 'unicode.json', '--format', 'jsonl'], {
      input: `${names
        .slice(0, 4)
        .map((n) => `"${n}"`)
        .join(',')}\n5.1,3.5,1.4,0.2\n`,
    });
    expect(JSON.parse(jsonl)).toEqual({ prediction: 'Iris sétosa 🌸' });
    const evaluation = JSON.parse(await ok(['evaluate', '-m', 'unicode.json', '--data', 'unicode.csv', '--json']));
    expect(Object.keys(evaluation.perClass)).toEqual(report.classes);
  });

  it('Windows line ends with a BOM, and no final line end, train the same model as the plain file', async () => {
    writeFileSync(join(dir, 'plain.csv'), IRIS_TEXT);
    writeFileSync(join(dir, 'windows.csv'), `\ufeff${IRIS_TEXT.replace(/\n/g, '\r\n')}`);
    writeFileSync(join(dir, 'no-final-newline.csv'), IRIS_TEXT.replace(/\n+$/, ''));
    const reports = await Promise.all(['plain', 'windows', 'no-final-newline'].map((name) => trainJson(['--data', `${name}.csv`, '--out', `${name}.json`])));
    for (const report of reports) {
      expect(report.data.rows).toBe(150);
      expect(report.classes).toEqual(['setosa', 'versicolor', 'virginica']);
      expect(report.metrics).toEqual(reports[0]!.metrics);
    }
    const [plain, windows, last] = ['plain.json', 'windows.json', 'no-final-newline.json'].map(model);
    expect(windows!.perceptron).toEqual(plain!.perceptron);
    expect(last!.perceptron).toEqual(plain!.perceptron);
    expect(windows!.training.data.sha256).not.toBe(plain!.training.data.sha256); // the bytes differ; the model does not
    // predict reads CRLF rows without a final line end too
    const rows = '\ufeffsepal_length,sepal_width,petal_length,petal_width\r\n5.1,3.5,1.4,0.2\r\n6.9,3.1,5.4,2.1';
    expect(await ok(['predict', '-m', 'windows.json'], { input: rows })).toBe('setosa\nvirginica\n');
    // and evaluate re-reads the CRLF training file for its held-out split
    const held = JSON.parse(await ok(['evaluate', '-m', 'windows.json', '--json']));
    expect(held.n).toBe(45);
  });

  it('a single feature', async () => {
    const report = await trainJson(['--data', 'plain.csv', '--features', 'petal_length', '--out', 'one.json']);
    expect(report.features).toEqual(['petal_length']);
    expect(model('one.json').perceptron.coef.every((row) => row.length === 1)).toBe(true);
    expect(await ok(['predict', '-m', 'one.json', '--petal-length', '1.4'])).toBe('setosa\n');
    expect(await ok(['predict', '-m', 'one.json'], { input: '1.4\n6.1\n' })).toBe('setosa\nvirginica\n');
  });

  it('12 classes: trained, reported, predicted', async () => {
    // Class c has feature c raised by 3 over uniform noise: separable one-vs-rest.
    const next = lcg(12);
    const k = 12;
    const label = (c: number) => `class ${String.fromCharCode(65 + c)}`; // class A … class L
    const rows: string[] = [];
    for (let i = 0; i < 600; i++) {
      const c = i % k;
      rows.push(`${Array.from({ length: k }, (_, j) => ((j === c ? 3 : 0) + next()).toFixed(3)).join(',')},${label(c)}`);
    }
    writeFileSync(join(dir, 'twelve.csv'), `${Array.from({ length: k }, (_, j) => `f${j}`).join(',')},class\n${rows.join('\n')}\n`);
    const report = await trainJson(['--data', 'twelve.csv', '--out', 'twelve.json', '--stratify']);
    expect(report.classes).toEqual(Array.from({ length: k }, (_, c) => label(c)));
    expect(model('twelve.json').perceptron.coef).toHaveLength(k);
    expect(report.metrics.test.accuracy).toBe(1);
    const centres = Array.from({ length: k }, (_, c) => Array.from({ length: k }, (_, j) => (j === c ? 3.5 : 0.5)).join(',')).join('\n');
    const predicted = (await ok(['predict', '-m', 'twelve.json'], { input: `${centres}\n` })).trim().split('\n');
    expect(predicted).toEqual(Array.from({ length: k }, (_, c) => label(c)));
    const evaluation = JSON.parse(await ok(['evaluate', '-m', 'twelve.json', '--json']));
    expect(evaluation.confusionMatrix).toHaveLength(k);
  });

  it('numeric labels are classes named by their whole-number value, sorted numerically', async () => {
    const names: Record<string, string> = { setosa: '10', versicolor: '2.0', virginica: '1' };
    const rows = IRIS_LINES.slice(1).map((line) => {
      const f = line.split(',');
      return [...f.slice(0, 4), names[f[4]!]!].join(',');
    });
    writeFileSync(join(dir, 'numeric.csv'), `${IRIS_LINES[0]}\n${rows.join('\n')}\n`);
    const report = await trainJson(['--data', 'numeric.csv', '--out', 'numeric.json']);
    expect(report.classes).toEqual(['1', '2', '10']); // numerically, not '1' < '10' < '2'; 2.0 is the class 2
    expect(await ok(['predict', '-m', 'numeric.json', '--sepal-length', '5.9', '--sepal-width', '3.0', '--petal-length', '4.2', '--petal-width', '1.5'])).toBe(
      '2\n',
    );
    const jsonl = await ok(['predict', '-m', 'numeric.json', '--format', 'jsonl', '--scores'], { input: '5.1,3.5,1.4,0.2\n' });
    const record = JSON.parse(jsonl);
    expect(record.prediction).toBe('10'); // a string
    // JSON objects are unordered: compare the members, not their order.
    expect(Object.keys(record.scores).sort()).toEqual(['1', '10', '2']);
    expect(Object.values(record.scores).every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
  });

  it('very long lines: a 1 MB free-text column is ignored, 3000 features are read', async () => {
    const long = 'x'.repeat(1 << 20);
    // the first rows carry a 1 MB note each (quoted, with quotes and commas inside), the others a short one
    const withText = IRIS_LINES.slice(1, 101).map((line, i) => `${line},"${i % 25 === 0 ? long.slice(i) : 'short'} ""quoted"", with commas"`);
    writeFileSync(join(dir, 'long.csv'), `${IRIS_LINES[0]},notes\n${withText.join('\n')}\n`);
    const report = await trainJson(['--data', 'long.csv', '--target', 'species', '--features', 'petal_length,petal_width', '--out', 'long.json']);
    expect(report.data.rows).toBe(100);
    expect(report.classes).toEqual(['setosa', 'versicolor']);
    const input = `notes,petal_width,petal_length\n"${long}",0.2,1.4\n`;
    expect(await ok(['predict', '-m', 'long.json', '--format', 'csv', '--with-input'], { input })).toBe(
      `notes,petal_width,petal_length,prediction\n${long},0.2,1.4,setosa\n`,
    );

    const next = lcg(3000);
    const width = 3000;
    const header = [...Array.from({ length: width }, (_, j) => `f${j}`), 'y'].join(',');
    const wide = Array.from({ length: 40 }, (_, i) =>
      [...Array.from({ length: width }, () => (next() + (i % 2)).toFixed(4)), i % 2 === 0 ? 'low' : 'high'].join(','),
    );
    writeFileSync(join(dir, 'wide.csv'), `${header}\n${wide.join('\n')}\n`);
    const wideReport = await trainJson(['--data', 'wide.csv', '--out', 'wide.json']);
    expect(wideReport.features).toHaveLength(width);
    expect(wideReport.metrics.test.accuracy).toBe(1);
    expect(await ok(['predict', '-m', 'wide.json'], { input: `${wide[1]!.split(',').slice(0, width).join(',')}\n` })).toBe('high\n');
  });

  it('predict on empty or header-only input answers nothing, successfully', async () => {
    writeFileSync(join(dir, 'empty-model-source.csv'), IRIS_TEXT);
    await ok(['train', '--data', 'empty-model-source.csv', '--out', 'm.json', '-q']);
    expect(await ok(['predict', '-m', 'm.json'], { input: '' })).toBe('');
    expect(await ok(['predict', '-m', 'm.json', '--format', 'json'], { input: '\n\n' })).toBe('[]\n');
    expect(await ok(['predict', '-m', 'm.json', '--format', 'csv'], { input: 'sepal_length,sepal_width,petal_length,petal_width\n' })).toBe('prediction\n');
  });

  describe('a 1M-row file', () => {
    const rows = 1_000_000;
    beforeAll(() => {
      // Two narrow features and a label: about 16 MB, linearly separable (label b when x + y > 1).
      const next = lcg(1);
      const parts: string[] = ['x,y,label\n'];
      for (let i = 0; i < rows; i++) {
        const x = next();
        const y = next();
        parts.push(`${x.toFixed(4)},${y.toFixed(4)},${x + y > 1 ? 'b' : 'a'}\n`);
      }
      writeFileSync(join(dir, 'million.csv'), parts.join(''));
    });

    it('trains, and evaluates its held-out split', async () => {
      const report = await trainJson(['--data', 'million.csv', '--out', 'million.json']);
      expect(report.data.rows).toBe(rows);
      expect(report.split).toEqual({ train: 700_000, test: 300_000, testIndices: expect.any(Array) });
      expect(report.classes).toEqual(['a', 'b']);
      expect(report.metrics.test.accuracy).toBeGreaterThan(0.98);
      // Since format version 2 the file size depends on features and classes, not on the 1M rows.
      const size = statSync(join(dir, 'million.json')).size;
      expect(size).toBeLessThan(4096);
      expect(size).toBeLessThan(statSync(join(ROOT, 'fixtures', 'models', 'valid-iris-v3.json')).size + 1024);
      const evaluation = JSON.parse(await ok(['evaluate', '-m', 'million.json', '--json', '--min-accuracy', '0.98']));
      expect(evaluation.n).toBe(300_000);
      expect(evaluation.accuracy).toBe(report.metrics.test.accuracy);
      expect(await ok(['predict', '-m', 'million.json', '--x', '0.9', '--y', '0.9'])).toBe('b\n');
    }, 60_000);
  });
});
