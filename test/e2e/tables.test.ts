/**
 * Tables with words and gaps (docs/CLI.md): the errors of the contract (one line naming file:line,
 * column and value, a hint, exit 3, no model written), column kinds, missing-value strings, and
 * predict's words, blanks and unknown categories.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { iris } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'iris-tables-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rows = (n: number, row: (i: number) => string) => Array.from({ length: n }, (_, i) => row(i)).join('\n');
/** 40 rows: a numeric x, a category c (red/green/blue), a flag b (True/False), label y. */
const BASE = `x,c,b,y\n${rows(40, (i) => `${(i % 7) + 0.5},${['red', 'green', 'blue'][i % 3]},${i % 2 === 0 ? 'True' : 'False'},${i % 3 === 0 ? 'yes' : 'no'}`)}\n`;

async function trainFails(name: string, csv: string, args: string[], message: RegExp, hint: RegExp): Promise<void> {
  writeFileSync(join(dir, name), csv);
  const out = join(dir, `${name}.json`);
  const { exitCode, stderr, stdout } = await iris(['train', '-d', name, '-o', out, ...args], { cwd: dir });
  expect(exitCode, stderr).toBe(3);
  expect(stdout).toBe('');
  const lines = stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(message);
  expect(lines[1]).toMatch(hint);
  expect(lines.length).toBe(2);
  expect(existsSync(out)).toBe(false);
}

describe('train: column kinds', () => {
  it('words make a categorical column, True/False a numeric 1/0 one; inspect shows the expanded columns', async () => {
    writeFileSync(join(dir, 'base.csv'), BASE);
    const { exitCode, stdout, stderr } = await iris(['train', '-d', 'base.csv', '-o', 'base.json', '--json'], { cwd: dir });
    expect(exitCode, stderr).toBe(0);
    expect(JSON.parse(stdout).columns).toEqual(['x', 'b', 'c=blue', 'c=green', 'c=red']);
    const inspect = await iris(['inspect', 'base.json'], { cwd: dir });
    expect(inspect.stdout).toContain('columns         x, b, c=blue, c=green, c=red');
    expect(inspect.stdout).toContain('c (categorical: 3 categories)');
  });

  it('--categorical reads a number column as its text', async () => {
    const { exitCode, stdout, stderr } = await iris(['train', '-d', 'base.csv', '-o', 'cat.json', '--json', '--categorical', 'x'], { cwd: dir });
    expect(exitCode, stderr).toBe(0);
    expect(JSON.parse(stdout).columns).toEqual(['b', 'x=0.5', 'x=1.5', 'x=2.5', 'x=3.5', 'x=4.5', 'x=5.5', 'x=6.5', 'c=blue', 'c=green', 'c=red']);
  });
});

describe('train: the errors of the contract', () => {
  it('a column with numbers and words names the first word and hints --categorical', async () => {
    const csv = BASE.replace('\n3.5,', '\nabc,');
    await trainFails('mixed.csv', csv, [], /^iris: error: mixed\.csv:\d+: column x: "abc" is not a number$/, /--categorical x/);
  });

  it('a missing-value marker pandas does not know hints --na-values', async () => {
    await trainFails('marker.csv', BASE.replace('\n3.5,', '\n?,'), [], /^iris: error: marker\.csv:\d+: column x: "\?" is not a number$/, /--na-values "\?"/);
    writeFileSync(join(dir, 'marker.csv'), BASE.replace('\n3.5,', '\n?,'));
    const ok = await iris(['train', '-d', 'marker.csv', '-o', 'marker.json', '--na-values', '?', '--impute', 'mean', '-q'], { cwd: dir });
    expect(ok.exitCode, ok.stderr).toBe(0);
  });

  it('an id-like column (more distinct values than --max-categories) names it and hints --exclude', async () => {
    const csv = `id,x,y\n${rows(40, (i) => `id${i},${i % 5},${i % 2 === 0 ? 'a' : 'b'}`)}\n`;
    await trainFails(
      'ids.csv',
      csv,
      ['--max-categories', '10'],
      /^iris: error: column "id" has 28 distinct values in the training rows, more than --max-categories 10/,
      /--exclude id/,
    );
  });

  it('an all-missing column names it and hints --exclude', async () => {
    const csv = `x,z,y\n${rows(20, (i) => `${i},NA,${i % 2 === 0 ? 'a' : 'b'}`)}\n`;
    await trainFails('empty.csv', csv, ['--impute', 'mean'], /^iris: error: column "z" has no value in the training rows/, /--exclude z/);
  });

  it('missing values without --impute or --dropna: counts per column and the first line', async () => {
    const csv = BASE.replace('\n3.5,', '\n,').replace('\n4.5,green', '\nNA,green');
    await trainFails(
      'gaps.csv',
      csv,
      [],
      /^iris: error: gaps\.csv:\d+: 2 missing values in the features: x 2 \(first at line \d+\)$/,
      /--impute mean.*--dropna/,
    );
    await trainFails('gaps.csv', csv, ['--dropna', 'target'], /2 missing values in the features/, /--impute/);
    const dropped = await iris(['train', '-d', 'gaps.csv', '-o', 'gaps.json', '--dropna', '--json'], { cwd: dir });
    expect(dropped.exitCode, dropped.stderr).toBe(0);
    expect(JSON.parse(dropped.stdout).rows).toMatchObject({ read: 40, dropped: 2, used: 38 });
  });

  it('a missing target names its line; --dropna target drops it', async () => {
    const csv = BASE.replace(/,yes\n/, ',\n');
    await trainFails('target.csv', csv, ['--impute', 'mean'], /^iris: error: target\.csv:2: the target y is missing$/, /--dropna target/);
    const ok = await iris(['train', '-d', 'target.csv', '-o', 'target.json', '--dropna', 'target', '--json'], { cwd: dir });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).rows).toMatchObject({ dropped: 1, droppedLines: [2] });
  });

  it('--fill-value that is not a number, with a numeric column, is a usage error (exit 2)', async () => {
    const { exitCode, stderr } = await iris(['train', '-d', 'base.csv', '-o', 'fill.json', '--impute', 'constant', '--fill-value', 'zero'], { cwd: dir });
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/^iris: error: --fill-value "zero" is not a number, and the model has a numeric column\n/);
    expect(existsSync(join(dir, 'fill.json'))).toBe(false);
  });

  it('--no-default-na: NA is a category, the empty field a value', async () => {
    const csv = BASE.replace('\n0.5,red', '\n0.5,NA');
    writeFileSync(join(dir, 'nodefault.csv'), csv);
    const { exitCode, stdout, stderr } = await iris(['train', '-d', 'nodefault.csv', '-o', 'nd.json', '--json', '--no-default-na'], { cwd: dir });
    expect(exitCode, stderr).toBe(0);
    expect(JSON.parse(stdout).columns).toContain('c=NA');
  });
});

describe('predict on a table model', () => {
  it('words and blanks as flags and in a file; unknown categories counted on stderr, or an error with --unknown error', async () => {
    const trained = await iris(['train', '-d', 'base.csv', '-o', 'imp.json', '--impute', 'most_frequent', '-q'], { cwd: dir });
    expect(trained.exitCode, trained.stderr).toBe(0);
    const one = await iris(['predict', '-m', 'imp.json', '--c', 'red', '--x', '1.5'], { cwd: dir });
    expect(one.exitCode, one.stderr).toBe(0);
    expect(['yes\n', 'no\n']).toContain(one.stdout);
    writeFileSync(join(dir, 'score.csv'), 'x,c,b\n1.5,red,True\n,purple,\n2.5,pink,False\n');
    const many = await iris(['predict', '-m', 'imp.json', '-i', 'score.csv'], { cwd: dir });
    expect(many.exitCode, many.stderr).toBe(0);
    expect(many.stdout.trimEnd().split('\n').length).toBe(3);
    expect(many.stderr).toContain('2 rows with a category of c the model never saw ("purple", "pink")');
    const strict = await iris(['predict', '-m', 'imp.json', '-i', 'score.csv', '--unknown', 'error'], { cwd: dir });
    expect(strict.exitCode).toBe(3);
    expect(strict.stderr).toMatch(/^iris: error: score\.csv:3: column c: "purple" is not a category the model knows/);
  });

  it('a word for a numeric feature, and a missing value for a model that does not impute, are errors naming the line', async () => {
    writeFileSync(join(dir, 'bad.csv'), 'x,c,b\n1.5,red,True\nlots,red,True\n');
    const word = await iris(['predict', '-m', 'base.json', '-i', 'bad.csv'], { cwd: dir });
    expect(word.exitCode).toBe(3);
    expect(word.stderr).toMatch(/^iris: error: bad\.csv:3: column x: "lots" is not a number\n/);
    writeFileSync(join(dir, 'gap.csv'), 'x,c,b\n1.5,red,True\n1.5,,True\n');
    const gap = await iris(['predict', '-m', 'base.json', '-i', 'gap.csv'], { cwd: dir });
    expect(gap.exitCode).toBe(3);
    expect(gap.stderr).toMatch(/^iris: error: gap\.csv:3: column c: missing value "", and the model does not impute\n/);
    const flags = await iris(['predict', '-m', 'base.json', '--x', '1.5', '--b', '1'], { cwd: dir });
    expect(flags.exitCode).toBe(2);
    expect(flags.stderr).toContain('missing feature: c');
  });

  it('an all-numeric model trained on a True/False column reads True/False at predict time', async () => {
    writeFileSync(join(dir, 'bools.csv'), `x,b,y\n${rows(30, (i) => `${i % 5},${i % 2 === 0 ? 'True' : 'False'},${i % 2 === 0 ? 'even' : 'odd'}`)}\n`);
    const trained = await iris(['train', '-d', 'bools.csv', '-o', 'bools.json', '-q'], { cwd: dir });
    expect(trained.exitCode, trained.stderr).toBe(0);
    const flags = await iris(['predict', '-m', 'bools.json', '--x', '1', '--b', 'True'], { cwd: dir });
    expect(flags.exitCode, flags.stderr).toBe(0);
    writeFileSync(join(dir, 'bools-in.csv'), 'x,b\n1,True\n2,false\n');
    const file = await iris(['predict', '-m', 'bools.json', '-i', 'bools-in.csv'], { cwd: dir });
    expect(file.exitCode, file.stderr).toBe(0);
    expect(file.stdout.trimEnd().split('\n').length).toBe(2);
  });

  it('the model file stays small: its size depends on the columns, not the rows', () => {
    expect(readFileSync(join(dir, 'imp.json'), 'utf8').length).toBeLessThan(6000);
  });
});
