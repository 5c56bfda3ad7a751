/** iris cv and iris tune as users run them: bad input, threads, formats, gates, the recorded search. */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, iris, tempDir } from '../helpers/cli.js';

const work = tempDir('iris-selection-cli-');
for (const file of ['iris.csv', 'wine.csv']) copyFileSync(join(ROOT, 'fixtures', 'selection', file), join(work, file));
const GRID = 'eta0=0.01,0.1,1 penalty=l2,l1 alpha=0.0001,0.001';

describe('iris tune and iris cv: threads give identical results', () => {
  it('tune --threads 1 and --threads 2 print the same report and write the same weights', async () => {
    const one = await iris(['tune', '--data', 'wine.csv', '--grid', GRID, '--folds', '4', '--cv-shuffle', '--threads', '1', '--out', 'one.json', '--json'], {
      cwd: work,
    });
    const two = await iris(['tune', '--data', 'wine.csv', '--grid', GRID, '--folds', '4', '--cv-shuffle', '--threads', '2', '--out', 'two.json', '--json'], {
      cwd: work,
    });
    expect(one.exitCode).toBe(0);
    expect(two.exitCode).toBe(0);
    expect(two.stdout.replace('two.json', 'one.json')).toBe(one.stdout);
    expect(JSON.parse(one.stdout).candidates).toHaveLength(12);
    const a = JSON.parse(readFileSync(join(work, 'one.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(work, 'two.json'), 'utf8'));
    expect(b.perceptron).toEqual(a.perceptron);
    expect(b.training.search).toEqual(a.training.search);
    const text1 = await iris(['tune', '--data', 'wine.csv', '--grid', GRID, '--threads', '1', '--out', 'one.json'], { cwd: work });
    const text2 = await iris(['tune', '--data', 'wine.csv', '--grid', GRID, '--threads', '2', '--out', 'one.json'], { cwd: work });
    expect(text2.stdout).toBe(text1.stdout);
    // No terminal: no progress bar.
    expect(text1.stderr).toBe('');
  });

  it('cv --threads 1 and --threads 3 print the same report', async () => {
    const one = await iris(['cv', '--data', 'wine.csv', '--penalty', 'elasticnet', '--folds', '7', '--threads', '1', '--json'], { cwd: work });
    const three = await iris(['cv', '--data', 'wine.csv', '--penalty', 'elasticnet', '--folds', '7', '--threads', '3', '--json'], { cwd: work });
    expect(one.exitCode).toBe(0);
    expect(three.stdout).toBe(one.stdout);
    expect(JSON.parse(one.stdout).folds).toHaveLength(7);
  });
});

describe('reports and gates', () => {
  it('cv gates on the mean: exit 1 when missed, 0 when met, in every format', async () => {
    const failed = await iris(['cv', '--data', 'iris.csv', '--min-accuracy', '0.99'], { cwd: work });
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toMatch(/FAIL mean accuracy >= 0.99/);
    const met = await iris(['cv', '--data', 'iris.csv', '--min-f1', '0.5', '--format', 'markdown'], { cwd: work });
    expect(met.exitCode).toBe(0);
    expect(met.stdout).toMatch(/^### iris cv: StratifiedKFold\(5\)/);
    expect(met.stdout).toMatch(/\| mean \|/);
    const json = JSON.parse((await iris(['cv', '--data', 'iris.csv', '--min-accuracy', '0.99', '--json'], { cwd: work })).stdout);
    expect(json.passed).toBe(false);
    expect(json.gates[0].value).toBe(json.mean.accuracy);
  });

  it('tune lists the best first in text and records the search for inspect', async () => {
    const text = await iris(['tune', '--data', 'iris.csv', '--seed', '1', '--grid', 'max-iter=5,10,20 eta0=0.1,1', '--out', 'tie.json'], { cwd: work });
    expect(text.exitCode).toBe(0);
    const ranks = text.stdout
      .split('\n')
      .filter((l) => /^\s+\d+\s+0\.\d{4}/.test(l))
      .map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(ranks).toEqual([1, 1, 3, 4, 5, 5]);
    const inspected = await iris(['inspect', 'tie.json'], { cwd: work });
    expect(inspected.stdout).toMatch(/grid search\s+6 candidates, 5 stratified folds, scoring accuracy; best \{"eta0":0.1,"max_iter":10\}/);
    const md = await iris(['tune', '--data', 'iris.csv', '--grid', 'eta0=0.1,1', '--scoring', 'f1_macro', '--format', 'markdown', '--out', 'md.json'], {
      cwd: work,
    });
    expect(md.stdout).toMatch(/\*\*Best\*\*: eta0=/);
    expect(md.stdout).toMatch(/f1_macro 0\.\d{4}/);
  });
});

describe('bad input: one line, exit 2 or 3, nothing written', () => {
  writeFileSync(join(work, 'bad-type.grid.json'), JSON.stringify({ eta0: ['fast'] }));
  const cases: [string, string[], number, RegExp][] = [
    ['unknown grid key', ['tune', '--grid', 'speed=1,2'], 2, /--grid: unknown parameter "speed"/],
    ['empty value list', ['tune', '--grid', 'eta0='], 2, /eta0: the list of values is empty/],
    ['wrong value type (--grid)', ['tune', '--grid', 'max_iter=1.5'], 2, /max_iter: 1.5 is not a whole number >= 1/],
    ['wrong value type (--grid-file)', ['tune', '--grid-file', 'bad-type.grid.json'], 2, /eta0: "fast" is not a number > 0/],
    ['--folds 1', ['tune', '--grid', 'eta0=1', '--folds', '1'], 2, /--folds 1: cross-validation needs at least 2 folds/],
    [
      'more folds than the smallest class',
      ['tune', '--grid', 'eta0=1', '--folds', '40'],
      3,
      /--folds 40 is more than the (\d+ )?rows of (the smallest|every) class/,
    ],
    ['unknown class in --class-weight', ['tune', '--grid', 'eta0=1', '--class-weight', 'setosa=2,martian=1'], 3, /--class-weight names "martian"/],
    ['unknown class in a grid class_weight', ['tune', '--grid', 'class_weight={setosa:2,martian:1}'], 3, /names "martian"/],
    ['--queue that is not a Redis URL', ['tune', '--grid', 'eta0=1', '--queue', 'http://x'], 2, /--queue http:\/\/x: expected a redis:\/\/ or rediss:\/\/ URL/],
    [
      '--queue where no Redis answers',
      ['tune', '--grid', 'eta0=1', '--queue', 'redis://127.0.0.1:1', '--connect-timeout', '500'],
      3,
      /cannot reach Redis at 127\.0\.0\.1:1/,
    ],
  ];
  for (const [what, args, code, message] of cases) {
    it(what, async () => {
      const out = `bad-${what.replace(/\W+/g, '-')}.json`;
      const result = await iris([...args, '--data', 'iris.csv', '--out', out], { cwd: work });
      expect(result.exitCode).toBe(code);
      expect(result.stdout).toBe('');
      expect(result.stderr.split('\n')[0]).toMatch(message);
      expect(result.stderr.split('\n').filter((l) => l.startsWith('iris: error:'))).toHaveLength(1);
      expect(existsSync(join(work, out))).toBe(false);
    });
  }

  it('cv --folds 1 and train --init-model of another shape', async () => {
    const folds = await iris(['cv', '--data', 'iris.csv', '--folds', '1'], { cwd: work });
    expect(folds.exitCode).toBe(2);
    const base = await iris(['train', '--data', 'iris.csv', '--out', 'iris-base.json', '-q'], { cwd: work });
    expect(base.exitCode).toBe(0);
    const other = await iris(['train', '--data', 'wine.csv', '--init-model', 'iris-base.json', '--out', 'wine-init.json'], { cwd: work });
    expect(other.exitCode).toBe(3);
    expect(other.stderr).toMatch(/^iris: error: --init-model iris-base.json: its features/);
    expect(existsSync(join(work, 'wine-init.json'))).toBe(false);
  });

  it("scikit-learn's early-stopping refusals are exit 3 with the reason", async () => {
    const lines = readFileSync(join(work, 'iris.csv'), 'utf8').split('\n');
    // 3 rows of each class: 9 rows, a 10 % validation split of the training rows cannot hold 3 classes.
    writeFileSync(join(work, 'tiny.csv'), [lines[0], ...lines.slice(1, 4), ...lines.slice(51, 54), ...lines.slice(101, 104)].join('\n') + '\n');
    const small = await iris(['train', '--data', 'tiny.csv', '--test-size', '1', '--early-stopping', '--out', 'tiny.json'], { cwd: work });
    expect(small.exitCode).toBe(3);
    expect(small.stderr).toMatch(
      /^iris: error: early stopping cannot hold out a validation split of 8 rows: the test set has 1 rows, fewer than the 3 classes/,
    );
    expect(existsSync(join(work, 'tiny.json'))).toBe(false);
    // One training row of a class: StratifiedShuffleSplit refuses it.
    writeFileSync(join(work, 'single.csv'), [lines[0], ...lines.slice(1, 6), ...lines.slice(51, 56), ...lines.slice(101, 103)].join('\n') + '\n');
    const single = await iris(['train', '--data', 'single.csv', '--test-size', '1', '--no-split-shuffle', '--early-stopping', '--out', 'single.json'], {
      cwd: work,
    });
    expect(single.exitCode).toBe(3);
    expect(single.stderr).toMatch(/has only 1 member/);
  });
});

describe('docs/CLI.md documents cv and tune', () => {
  const CLI_MD = readFileSync(join(ROOT, 'docs', 'CLI.md'), 'utf8');
  for (const command of ['cv', 'tune']) {
    it(`every option of \`iris ${command} --help\``, async () => {
      const { exitCode, stdout } = await iris([command, '--help']);
      expect(exitCode).toBe(0);
      const options = [...new Set(stdout.match(/--[a-z][a-z0-9-]*/g))];
      expect(options.length).toBeGreaterThan(30);
      expect(options.filter((option) => !new RegExp(`[\\s\`]${option}(?![\\w-])`).test(CLI_MD))).toEqual([]);
    });
  }
});
