/**
 * Real-world CSV shapes (issue 13), each a real file under fixtures/dialects/ made from the bundled
 * Iris data by fixtures/dialects/make.py. The same 150 rows in another shape must train the very
 * model scikit-learn fits on the bundled file (reference case seed-script); the figures of the
 * other cases are scikit-learn's, from bench/python/dialects_compare.py (pandas read_csv with the
 * matching sep/decimal/skiprows/names/usecols).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFERENCE, ROOT, iris, tempDir, type ReferenceCase } from '../helpers/cli.js';

const dir = tempDir('iris-dialects-');
const fixture = (name: string) => join(ROOT, 'fixtures', 'dialects', name);
const seedScript = REFERENCE.cases.find((c) => c.name === 'seed-script') as ReferenceCase;
const IRIS4 = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
let counter = 0;

async function train(args: string[], options: { cwd?: string } = {}) {
  const out = join(dir, `m${counter++}.json`);
  const run = await iris(['train', '--out', out, '--json', ...args], options);
  return {
    ...run,
    out,
    report: run.exitCode === 0 ? JSON.parse(run.stdout) : undefined,
    model: run.exitCode === 0 ? JSON.parse(readFileSync(out, 'utf8')) : undefined,
  };
}

/** The artifact holds scikit-learn's numbers for the seed-script case, bit for bit. */
function expectSeedScriptModel(
  model: { classes: string[]; scaler: { mean: number[]; scale: number[] }; perceptron: { coef: number[][]; intercept: number[]; nIter: number } },
  classes = seedScript.classes,
) {
  expect(model.classes).toEqual(classes);
  expect(model.scaler.mean).toEqual(seedScript.scaler.mean);
  expect(model.scaler.scale).toEqual(seedScript.scaler.scale);
  expect(model.perceptron.coef).toEqual(seedScript.coef);
  expect(model.perceptron.intercept).toEqual(seedScript.intercept);
  expect(model.perceptron.nIter).toBe(seedScript.n_iter);
}

describe('delimiters and decimal marks', () => {
  it('a semicolon file with decimal commas trains the reference model with --delimiter ";" --decimal ,', async () => {
    const { exitCode, stderr, report, model } = await train(['--data', fixture('iris-semicolon-decimal-comma.csv'), '--delimiter', ';', '--decimal', ',']);
    expect([exitCode, stderr]).toEqual([0, '']);
    expect(report.features).toEqual(IRIS4);
    expect(report.metrics.test.accuracy).toBe(seedScript.accuracy);
    expectSeedScriptModel(model);
  });

  it('--delimiter auto sniffs ; tab and | from the header line', async () => {
    for (const [file, decimal] of [
      ['iris-semicolon-decimal-comma.csv', ','],
      ['iris.tsv', '.'],
      ['iris-pipe.csv', '.'],
    ] as const) {
      const { exitCode, stderr, model } = await train(['--data', fixture(file), '--delimiter', 'auto', '--decimal', decimal]);
      expect([file, exitCode, stderr]).toEqual([file, 0, '']);
      expectSeedScriptModel(model);
    }
  });

  it('without the options, a semicolon file is diagnosed as such, not as "no feature columns: add feature columns"', async () => {
    const plain = await iris(['train', '--data', fixture('iris-semicolon-decimal-comma.csv'), '--out', join(dir, 'x.json')]);
    expect(plain.exitCode).toBe(3);
    expect(plain.stderr).toContain('the file seems to use ";" as its delimiter; pass --delimiter ";" (or --delimiter auto)');
    expect(plain.stderr).not.toContain('add feature columns');
    const noDecimal = await iris(['train', '--data', fixture('iris-semicolon-decimal-comma.csv'), '--delimiter', ';', '--out', join(dir, 'x.json')]);
    expect(noDecimal.exitCode).toBe(3);
    expect(noDecimal.stderr).toContain('iris-semicolon-decimal-comma.csv:2: column sepal_length: "5,1" is not a number');
    expect(noDecimal.stderr).toContain('pass --decimal ,');
  });

  it('option values are checked: a decimal comma needs another delimiter; an unknown delimiter is a usage error', async () => {
    const same = await iris(['train', '--decimal', ',', '--out', join(dir, 'x.json')]);
    expect(same.exitCode).toBe(2);
    expect(same.stderr).toContain('--decimal , needs another delimiter than the comma');
    const bad = await iris(['train', '--delimiter', ':', '--out', join(dir, 'x.json')]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--delimiter :: must be one of , ; | tab auto');
  });

  it('evaluate reads the training file again with the dialect the model recorded; predict streams a TSV with --delimiter tab', async () => {
    const { out } = await train(['--data', fixture('iris-semicolon-decimal-comma.csv'), '--delimiter', ';', '--decimal', ',']);
    const evaluated = await iris(['evaluate', '-m', out, '--json']);
    expect(evaluated.exitCode).toBe(0);
    expect(JSON.parse(evaluated.stdout).accuracy).toBe(seedScript.accuracy);

    const tsv = readFileSync(fixture('iris.tsv'), 'utf8');
    const piped = await iris(['predict', '-m', out], { input: tsv });
    expect(piped.exitCode).toBe(3);
    expect(piped.stderr).toContain('the file seems to use tab as its delimiter; pass --delimiter tab');
    const predicted = await iris(['predict', '-m', out, '--delimiter', 'tab'], { input: tsv });
    expect(predicted.exitCode).toBe(0);
    const fromCsv = await iris(['predict', '-m', out, '--input', join(ROOT, 'data', 'iris.csv')]);
    expect(predicted.stdout).toBe(fromCsv.stdout);
    expect(predicted.stdout.split('\n')).toHaveLength(151);
  });

  it('the dialect keys of a config file work like the flags', async () => {
    const cwd = join(dir, 'config');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(cwd);
    writeFileSync(join(cwd, '.irisrc.json'), JSON.stringify({ train: { delimiter: ';', decimal: ',' }, predict: { delimiter: 'tab' } }));
    const trained = await iris(['train', '--data', fixture('iris-semicolon-decimal-comma.csv'), '-q'], { cwd });
    expect(trained.exitCode).toBe(0);
    expectSeedScriptModel(JSON.parse(readFileSync(join(cwd, 'model.json'), 'utf8')));
    const predicted = await iris(['predict'], { cwd, input: readFileSync(fixture('iris.tsv'), 'utf8') });
    expect(predicted.exitCode).toBe(0);
    expect(predicted.stdout.startsWith('setosa\n')).toBe(true);
  });
});

describe('line ends, row names, skipped lines, trailing delimiters', () => {
  it('CR-only line ends (old Mac files) read as 150 rows', async () => {
    const { exitCode, stderr, model } = await train(['--data', fixture('iris-cr.csv')]);
    expect([exitCode, stderr]).toEqual([0, '']);
    expectSeedScriptModel(model);
    const predicted = await iris(['predict', '-m', join(dir, `m${counter - 1}.json`)], { input: readFileSync(fixture('iris-cr.csv'), 'utf8') });
    expect(predicted.exitCode).toBe(0);
    expect(predicted.stdout.trim().split('\n')).toHaveLength(150);
  });

  it("R's write.csv row names: one warning that names the column; --exclude leaves it out", async () => {
    const kept = await train(['--data', fixture('iris-r-write-csv.csv')]);
    expect(kept.exitCode).toBe(0);
    const warnings = kept.stderr.split('\n').filter((line) => line.startsWith('iris: warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('column Unnamed: 0 has no name in the header and holds the row numbers 1..150');
    expect(warnings[0]).toContain('--exclude "Unnamed: 0"');
    // scikit-learn on pandas' frame with the row names as a feature: 0.9333, 12 epochs.
    expect(kept.report.features).toEqual(['Unnamed: 0', 'Sepal.Length', 'Sepal.Width', 'Petal.Length', 'Petal.Width']);
    expect(kept.report.metrics.test.accuracy).toBe(0.9333333333333333);
    expect(kept.report.nIter).toBe(12);

    const excluded = await train(['--data', fixture('iris-r-write-csv.csv'), '--exclude', 'Unnamed: 0']);
    expect([excluded.exitCode, excluded.stderr]).toEqual([0, '']);
    expect(excluded.report.target).toBe('Species');
    expectSeedScriptModel(excluded.model);
  });

  it('a named column holding the row numbers is warned about too; --exclude of a missing column is exit 3', async () => {
    const lines = readFileSync(join(ROOT, 'data', 'iris.csv'), 'utf8')
      .trim()
      .split('\n');
    writeFileSync(join(dir, 'ids.csv'), [`id,${lines[0]}`, ...lines.slice(1).map((line, i) => `${i},${line}`)].join('\n') + '\n');
    const run = await train(['--data', join(dir, 'ids.csv')]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(/^iris: warning: .*column id holds the row numbers 0\.\.149: it is used as a feature.*--exclude "id"\n$/);
    const missing = await iris(['train', '--data', join(dir, 'ids.csv'), '--exclude', 'nope', '--out', join(dir, 'x.json')]);
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr).toContain('no column "nope"');
  });

  it("scikit-learn's bundled iris.csv (a line of counts, no header): --skip-rows 1 --names", async () => {
    const names = [...IRIS4, 'target'].join(',');
    const { exitCode, stderr, report, model } = await train(['--data', fixture('iris-sklearn-bundled.csv'), '--skip-rows', '1', '--names', names]);
    expect([exitCode, stderr]).toEqual([0, '']);
    expect(report.target).toBe('target');
    expectSeedScriptModel(model, ['0', '1', '2']);
    const predicted = await iris([
      'predict',
      '-m',
      join(dir, `m${counter - 1}.json`),
      '--skip-rows',
      '1',
      '--names',
      names,
      '--input',
      fixture('iris-sklearn-bundled.csv'),
    ]);
    expect(predicted.exitCode).toBe(0);
    expect(predicted.stdout.split('\n').slice(0, 3)).toEqual(['0', '0', '0']);
  });

  it('a trailing delimiter on every line is not a column; a value under it is an error', async () => {
    const { exitCode, stderr, report, model } = await train(['--data', fixture('iris-trailing-delimiter.csv')]);
    expect([exitCode, stderr]).toEqual([0, '']);
    expect(report.target).toBe('species');
    expectSeedScriptModel(model);
    const text = readFileSync(fixture('iris-trailing-delimiter.csv'), 'utf8').replace('4.9,3.0,1.4,0.2,setosa,\n', '4.9,3.0,1.4,0.2,setosa,oops\n');
    writeFileSync(join(dir, 'trailing-bad.csv'), text);
    const bad = await iris(['train', '--data', join(dir, 'trailing-bad.csv'), '--out', join(dir, 'x.json')]);
    expect(bad.exitCode).toBe(3);
    expect(bad.stderr).toContain('trailing-bad.csv:3: the last column has no name in the header but holds a value');
  });
});

describe('labels as scikit-learn sees them', () => {
  it('numerically equal labels (0 and 0.0) are one class, named 0', async () => {
    const { exitCode, stderr, report, model } = await train(['--data', fixture('iris-numeric-labels-mixed.csv')]);
    expect([exitCode, stderr]).toEqual([0, '']);
    expect(report.classes).toEqual(['0', '1', '2']);
    expectSeedScriptModel(model, ['0', '1', '2']);
    // Stratified on those labels (scikit-learn: 0.7778 after 14 epochs with seed 7).
    const stratified = await train(['--data', fixture('iris-numeric-labels-mixed.csv'), '--stratify', '--seed', '7']);
    expect(stratified.report.metrics.test.accuracy).toBe(0.7777777777777778);
    expect(stratified.report.nIter).toBe(14);
    const evaluated = await iris(['evaluate', '-m', stratified.out, '--json']);
    expect(JSON.parse(evaluated.stdout).accuracy).toBe(0.7777777777777778);
  });

  it('a model written before this rule (classes named 0.0, 1.0, 2.0) still scores its own data', async () => {
    // fixtures/models/float-classes-before-label-rule.json: trained by iris 0.1.0 on fixtures/dialects/iris-float-labels.csv.
    const run = await iris(['evaluate', '-m', join(ROOT, 'fixtures', 'models', 'float-classes-before-label-rule.json'), '--json']);
    expect([run.exitCode, run.stderr]).toEqual([0, '']);
    const report = JSON.parse(run.stdout);
    expect(report.labels).toEqual(['0.0', '1.0', '2.0']);
    expect(report.unseenLabels).toEqual([]);
    expect(report.accuracy).toBe(seedScript.accuracy);
    // The same file trained now: classes in plain digits, the same numbers.
    const { model } = await train(['--data', fixture('iris-float-labels.csv')]);
    expectSeedScriptModel(model, ['0', '1', '2']);
  });

  it('a continuous target is refused like scikit-learn ("Unknown label type: continuous"), exit 3', async () => {
    const run = await iris(['train', '-t', 'sepal_length', '-f', 'petal_length,petal_width', '--out', join(dir, 'x.json')]);
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toMatch(/^iris: error: \S+iris\.csv: column sepal_length: Unknown label type: continuous \(the label "5\.1" is not a whole number\)\n/);
  });
});

describe('long input in messages and the record limit', () => {
  it('an error quotes at most ~80 characters of a header name', async () => {
    const name = 'h'.repeat(1 << 20);
    writeFileSync(join(dir, 'long-header.csv'), `${name},${name}\n1,2\n`);
    const run = await iris(['train', '--data', join(dir, 'long-header.csv'), '--out', join(dir, 'x.json')]);
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain('duplicate column name');
    for (const line of run.stderr.split('\n')) expect(line.length).toBeLessThan(300);
  });

  it('train and evaluate refuse a record over 64 MiB, as predict does', async () => {
    const path = join(dir, 'huge-field.csv');
    writeFileSync(path, Buffer.concat([Buffer.from('a,b\n1,'), Buffer.alloc((64 << 20) + 1024, 'x'), Buffer.from('\n')]));
    const trained = await iris(['train', '--data', path, '--out', join(dir, 'x.json')]);
    expect(trained.exitCode).toBe(3);
    expect(trained.stderr).toContain('huge-field.csv:2: a record longer than 64 MiB');
    expect(trained.stderr.length).toBeLessThan(1000);
    const evaluated = await iris(['evaluate', '-m', join(ROOT, 'fixtures', 'models', 'valid-iris.json'), '--data', path]);
    expect(evaluated.exitCode).toBe(3);
    expect(evaluated.stderr.length).toBeLessThan(1000);
    // From stdin too: read as it arrives, not whole first.
    const piped = await iris(['train', '--data', '-', '--out', join(dir, 'x.json')], { input: readFileSync(path, 'latin1') });
    expect(piped.exitCode).toBe(3);
    expect(piped.stderr).toContain('<stdin>:2: a record longer than 64 MiB');
  }, 60_000);
});
