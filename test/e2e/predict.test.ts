import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, IRIS_CSV, REFERENCE, cleanEnv, iris, relDiff, tempDir, testRowsCsv, trainReferenceModels, type ReferenceCase } from '../helpers/cli.js';

const dir = tempDir();
const modelOf = trainReferenceModels(dir);
const FLAG = (feature: string) => `--${feature.replace(/_/g, '-')}`;
const dataRows = readFileSync(IRIS_CSV, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(','));
const columns = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

function expectScores(actual: number[], expected: number[]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, k) => expect(relDiff(v, expected[k] as number)).toBeLessThanOrEqual(1e-12));
}

describe.each(REFERENCE.cases.map((c) => [c.name, c] as const))('reference case %s', (_name, refCase) => {
  it('feature flags give the reference prediction of test rows', async () => {
    // Every row for the first case, a sample elsewhere: each row is one process.
    const rows = refCase === REFERENCE.cases[0] ? refCase.split.test : refCase.split.test.slice(0, 4);
    const results = await Promise.all(
      rows.map((index) => {
        const row = dataRows[index] as string[];
        const args = refCase.features.flatMap((f) => [FLAG(f), row[columns.indexOf(f)] as string]);
        return iris(['predict', '--model', modelOf(refCase), ...args]);
      }),
    );
    results.forEach((result, i) => {
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe(`${refCase.test_predictions[i]}\n`);
    });
  });

  it('CSV with a header in another column order and an extra column, jsonl with scores', async () => {
    const input = testRowsCsv(refCase, { order: [...refCase.features].reverse(), extra: true });
    const { exitCode, stdout, stderr } = await iris(['predict', '-m', modelOf(refCase), '--format', 'jsonl', '--scores'], { input });
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    const records = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records.map((r) => r.prediction)).toEqual(refCase.test_predictions);
    records.forEach((r, i) => {
      const expected = refCase.test_decision_function[i] as number[];
      expectScores(
        refCase.classes.map((c) => r.scores[c]),
        expected,
      );
    });
  });

  it('CSV without a header, csv output with scores', async () => {
    const input = testRowsCsv(refCase, { header: false });
    const { exitCode, stdout } = await iris(['predict', '-m', modelOf(refCase), '--format', 'csv', '--scores'], { input });
    expect(exitCode).toBe(0);
    const [header, ...lines] = stdout.trim().split('\n');
    expect(header).toBe(['prediction', ...refCase.classes.map((c) => `score_${c}`)].join(','));
    expect(lines.map((l) => l.split(',')[0])).toEqual(refCase.test_predictions);
    lines.forEach((l, i) => expectScores(l.split(',').slice(1).map(Number), refCase.test_decision_function[i] as number[]));
  });
});

describe('predict formats and options', () => {
  const refCase = REFERENCE.cases[0] as ReferenceCase;

  it('text is one label a line, json one array, --with-input repeats the input', async () => {
    const input = testRowsCsv(refCase, { extra: true });
    const text = await iris(['predict', '-m', modelOf(refCase)], { input });
    expect(text.stdout.trim().split('\n')).toEqual(refCase.test_predictions);
    const json = await iris(['predict', '-m', modelOf(refCase), '--format', 'json', '--with-input'], { input });
    const records = JSON.parse(json.stdout);
    expect(records).toHaveLength(refCase.test_predictions.length);
    expect(Object.keys(records[0])).toEqual(['id', ...refCase.features, 'prediction']);
    expect(records[0].id).toBe(`row${refCase.split.test[0]}`);
    expect(typeof records[0].sepal_length).toBe('number');
    const csv = await iris(['predict', '-m', modelOf(refCase), '--format', 'csv', '--with-input'], { input });
    expect(csv.stdout.split('\n')[0]).toBe(['id', ...refCase.features, 'prediction'].join(','));
  });

  it('--input reads a file; -F gives a feature by its column name; negative values work', async () => {
    const file = join(dir, 'rows.csv');
    writeFileSync(file, testRowsCsv(refCase));
    const a = await iris(['predict', '-m', modelOf(refCase), '--input', file]);
    expect(a.stdout.trim().split('\n')).toEqual(refCase.test_predictions);
    const b = await iris(['predict', '-m', modelOf(refCase), '-F', 'sepal_length=5.1', '-F', 'sepal_width=3.5', '--petal-length=1.4', '--petal-width', '-0.2']);
    expect(b.exitCode).toBe(0);
    expect(b.stdout).toBe('setosa\n');
  });

  it('--help with a model lists its feature flags', async () => {
    const { exitCode, stdout } = await iris(['predict', '--model', modelOf(refCase), '--help']);
    expect(exitCode).toBe(0);
    for (const f of refCase.features) expect(stdout).toContain(FLAG(f));
  });

  it('a two-class model gives one score, positive meaning classes[1]', async () => {
    const csv = join(dir, 'binary.csv');
    const lines = readFileSync(IRIS_CSV, 'utf8').trim().split('\n');
    writeFileSync(csv, `${[lines[0], ...lines.slice(51)].join('\n')}\n`);
    const model = join(dir, 'binary.json');
    expect((await iris(['train', '--data', csv, '--out', model, '-q'])).exitCode).toBe(0);
    const { stdout } = await iris(['predict', '-m', model, '--format', 'jsonl', '--scores'], { input: readFileSync(csv, 'utf8') });
    const records = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records).toHaveLength(100);
    for (const r of records) {
      expect(typeof r.scores).toBe('number');
      expect(r.prediction).toBe(r.scores > 0 ? 'virginica' : 'versicolor');
    }
    const csvOut = await iris(['predict', '-m', model, '--format', 'csv', '--scores'], { input: readFileSync(csv, 'utf8') });
    expect(csvOut.stdout.split('\n')[0]).toBe('prediction,score');
  });

  it('works as a co-process: one row in, its answer out while stdin stays open', async () => {
    const child = execa('node', [BIN, 'predict', '-m', modelOf(refCase)], { env: cleanEnv(), extendEnv: false, reject: false });
    const answers: string[] = [];
    const next = () =>
      new Promise<string>((resolve) => {
        const onData = (chunk: Buffer) => {
          answers.push(chunk.toString());
          child.stdout?.off('data', onData);
          resolve(answers.join(''));
        };
        child.stdout?.on('data', onData);
      });
    let answer = next();
    child.stdin?.write('sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n');
    expect(await answer).toBe('setosa\n');
    answer = next();
    child.stdin?.write('6.9,3.1,5.4,2.1\n');
    expect(await answer).toBe('setosa\nvirginica\n');
    child.stdin?.end();
    expect((await child).exitCode).toBe(0);
  });
});

describe('predict failures', () => {
  const refCase = REFERENCE.cases[0] as ReferenceCase;
  const m = () => modelOf(refCase);

  it('an unknown flag is exit 2 listing the expected flags', async () => {
    const { exitCode, stderr, stdout } = await iris(['predict', '-m', m(), '--petal-lenght', '1']);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^iris: error: unknown option '--petal-lenght'\niris: hint: the model expects: --sepal-length <number> --sepal-width <number> --petal-length <number> --petal-width <number>/,
    );
  });

  it('a flag value that is not a number, or a missing feature, is exit 2', async () => {
    const a = await iris(['predict', '-m', m(), '--sepal-length', 'abc', '--sepal-width', '1', '--petal-length', '1', '--petal-width', '1']);
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toMatch(/--sepal-length "abc": not a finite number/);
    const b = await iris(['predict', '-m', m(), '--sepal-length', '1']);
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toMatch(/missing features: sepal_width, petal_length, petal_width/);
  });

  it('a missing model is exit 4', async () => {
    const { exitCode, stderr } = await iris(['predict', '-m', join(dir, 'absent.json'), '--sepal-length', '1'], { cwd: dir });
    expect(exitCode).toBe(4);
    expect(stderr).toMatch(/^iris: error: .*absent\.json/);
  });

  it('a bad row stops with exit 3 naming the line; earlier answers stay', async () => {
    const input = 'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.9,3.1,5.4,2.1\n1,2,x,4\n5,5,5,5\n';
    const { exitCode, stdout, stderr } = await iris(['predict', '-m', m()], { input });
    expect(exitCode).toBe(3);
    expect(stdout).toBe('setosa\nvirginica\n');
    expect(stderr).toMatch(/^iris: error: <stdin>:4: column petal_length: "x" is not a number/);
  });

  it('--format json writes nothing when the input fails', async () => {
    const input = '5.1,3.5,1.4,0.2\n6.9,3.1,5.4\n';
    const { exitCode, stdout, stderr } = await iris(['predict', '-m', m(), '--format', 'json'], { input });
    expect(exitCode).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/<stdin>:2: expected 4 fields, found 3/);
  });

  it('a header without a model feature is exit 3 naming it', async () => {
    const { exitCode, stderr } = await iris(['predict', '-m', m()], { input: 'sepal_length,sepal_width,petal_length\n1,2,3\n' });
    expect(exitCode).toBe(3);
    expect(stderr).toMatch(/missing column "petal_width"/);
  });

  it('an unknown --format is exit 2', async () => {
    const { exitCode, stderr } = await iris(['predict', '-m', m(), '--format', 'xml'], { input: '1,2,3,4\n' });
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/--format xml: must be one of text, csv, jsonl, json/);
  });
});

describe('predict --with-input keeps the input', () => {
  const refCase = REFERENCE.cases[0] as ReferenceCase;
  const m = () => modelOf(refCase);

  it('columns that are not features keep their text in JSON records', async () => {
    const input = 'id,zip,sepal_length,sepal_width,petal_length,petal_width\n12345678901234567890,007,5.1,3.5,1.4,0.2\n';
    const { exitCode, stdout } = await iris(['predict', '-m', m(), '--format', 'jsonl', '--with-input'], { input });
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      id: '12345678901234567890',
      zip: '007',
      sepal_length: 5.1,
      sepal_width: 3.5,
      petal_length: 1.4,
      petal_width: 0.2,
      prediction: 'setosa',
    });
  });

  it('an input column named like an output field is exit 3, not a duplicate column', async () => {
    const input = 'prediction,sepal_length,sepal_width,petal_length,petal_width\nx,5.1,3.5,1.4,0.2\n';
    for (const format of ['csv', 'jsonl']) {
      const { exitCode, stdout, stderr } = await iris(['predict', '-m', m(), '--format', format, '--with-input'], { input });
      expect(exitCode).toBe(3);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^iris: error: the input column "prediction" has the name of an output field of --with-input/);
    }
  });
});
