import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { IRIS_CSV, REFERENCE, ROOT, expectReferenceMetrics, iris, relDiff, tempDir } from '../helpers/cli.js';

const dir = tempDir();
const validateArtifact = new Ajv2020.default({ strict: true, allErrors: true }).compile(
  JSON.parse(readFileSync(join(ROOT, 'schema', 'model-v3.json'), 'utf8')),
);

function readModel(path: string) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

describe('iris train reproduces scikit-learn through the CLI', () => {
  for (const refCase of REFERENCE.cases) {
    it(`case ${refCase.name} (${refCase.cli.join(' ')})`, async () => {
      const out = join(dir, `${refCase.name}.json`);
      const { exitCode, stdout, stderr } = await iris(['train', '--data', IRIS_CSV, '--out', out, '--json', ...refCase.cli]);
      expect(stderr).toBe('');
      expect(exitCode).toBe(0);
      const report = JSON.parse(stdout);
      expect(report.model).toBe(out);
      expect(report.target).toBe(refCase.target);
      expect(report.features).toEqual(refCase.features);
      expect(report.classes).toEqual(refCase.classes);
      expect(report.nIter).toBe(refCase.n_iter);
      expect(report.split.train).toBe(refCase.split.train.length);
      expect(report.split.test).toBe(refCase.split.test.length);
      expect(report.split.testIndices).toEqual(refCase.split.test);
      expectReferenceMetrics(report.metrics.test, refCase);

      const model = readModel(out);
      expect(validateArtifact(model), JSON.stringify(validateArtifact.errors)).toBe(true);
      expect(model.perceptron.nIter).toBe(refCase.n_iter);
      expect(model.training.split.testIndicesSha256).toBe(createHash('sha256').update(JSON.stringify(refCase.split.test)).digest('hex'));
      const pairs: [number, number][] = [
        ...refCase.scaler.mean.map((v, j): [number, number] => [model.scaler.mean[j], v]),
        ...refCase.scaler.scale.map((v, j): [number, number] => [model.scaler.scale[j], v]),
        ...refCase.coef.flatMap((row, k) => row.map((v, j): [number, number] => [model.perceptron.coef[k][j], v])),
        ...refCase.intercept.map((v, k): [number, number] => [model.perceptron.intercept[k], v]),
      ];
      for (const [ours, theirs] of pairs) expect(relDiff(ours, theirs)).toBeLessThanOrEqual(1e-12);
    });
  }
});

describe('iris train outputs', () => {
  it('trains on the bundled data from any folder and prints the human report on stdout', async () => {
    const cwd = join(dir, 'bundled');
    mkdirSync(cwd);
    const { exitCode, stdout, stderr } = await iris(['train'], { cwd });
    expect(exitCode).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('150 rows (105 train, 45 test)');
    expect(stdout).toContain('classes   setosa, versicolor, virginica');
    expect(stdout).toMatch(/epochs {4}13 of at most 40 \(converged\)/);
    expect(stdout).toContain('test 0.9556 (2 of 45 test rows misclassified)');
    expect(stdout).toMatch(/setosa\s+16\s+0\s+0/);
    expect(stdout).toMatch(/macro avg/);
    expect(stdout).not.toContain('\u001b[');
    const model = readModel(join(cwd, 'model.json'));
    expect(model.training.data).toMatchObject({ path: 'iris.csv', bundled: true, rows: 150 });
  });

  it('--quiet prints nothing and still writes the model', async () => {
    const out = join(dir, 'quiet.json');
    const { exitCode, stdout, stderr } = await iris(['train', '-q', '--max-iter', '2', '--out', out]);
    expect([exitCode, stdout, stderr]).toEqual([0, '', '']);
    expect(existsSync(out)).toBe(true);
  });

  it('warns like ConvergenceWarning when max_iter ends training, and writes the model', async () => {
    const out = join(dir, 'short.json');
    const { exitCode, stdout, stderr } = await iris(['train', '--max-iter', '2', '--json', '--out', out]);
    expect(exitCode).toBe(0);
    expect(stderr).toMatch(/^iris: warning: ConvergenceWarning: stopped after max_iter=2 epochs/);
    expect(JSON.parse(stdout)).toMatchObject({ nIter: 2, converged: false });
    expect(readModel(out).perceptron.converged).toBe(false);
  });

  it('reads training data from stdin with --data - and records it as such', async () => {
    const out = join(dir, 'stdin.json');
    const { exitCode, stdout } = await iris(['train', '--data', '-', '--out', out, '--json'], { input: readFileSync(IRIS_CSV, 'utf8') });
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout).split.testIndices.slice(0, 3)).toEqual([114, 62, 33]);
    expect(readModel(out).training.data.path).toBe('-');
  });

  it('records the data path relative to the model folder', async () => {
    const sub = join(dir, 'rel', 'models');
    mkdirSync(sub, { recursive: true });
    const data = join(dir, 'rel', 'iris.csv');
    writeFileSync(data, readFileSync(IRIS_CSV));
    const { exitCode } = await iris(['train', '--data', data, '--out', join(sub, 'm.json'), '-q']);
    expect(exitCode).toBe(0);
    expect(readModel(join(sub, 'm.json')).training.data).toMatchObject({ path: '../iris.csv', bundled: false });
  });

  it('selects target and features by name, in the given order', async () => {
    const out = join(dir, 'sel.json');
    const { exitCode, stdout } = await iris(['train', '-t', 'species', '-f', 'petal_width,petal_length', '--out', out, '--json']);
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout).features).toEqual(['petal_width', 'petal_length']);
  });
});

describe('iris train failures', () => {
  const cases: [string, string[], number, RegExp][] = [
    ['test size 0', ['--test-size', '0'], 2, /--test-size 0: must be a fraction in \(0, 1\)/],
    ['test size 1.0', ['--test-size', '1.0'], 2, /--test-size 1\.0/],
    ['eta0 not a number', ['--eta0', 'abc'], 2, /--eta0 abc: "abc" is not a number/],
    ['negative seed', ['--seed', '-1'], 2, /--seed -1: must be a whole number from 0 to 4294967295/],
    ['max-iter 0', ['--max-iter', '0'], 2, /--max-iter 0: must be a whole number of at least 1/],
    ['tol word', ['--tol', 'tiny'], 2, /--tol tiny/],
    ['unknown option', ['--learning-rate', '3'], 2, /unknown option '--learning-rate'/],
    ['more test rows than rows', ['--test-size', '200'], 3, /200/],
    ['missing data file', ['--data', 'nope.csv'], 3, /nope\.csv: no such file/],
    ['unknown target', ['--target', 'colour'], 3, /no column "colour"/],
    ['missing output folder', ['--out', 'no/such/folder/m.json'], 3, /the folder "no\/such\/folder" does not exist/],
  ];
  for (const [name, args, code, message] of cases) {
    it(`${name}: exit ${code}`, async () => {
      const { exitCode, stdout, stderr } = await iris(['train', ...args, '--out', join(dir, 'never.json'), ...args], { cwd: dir });
      expect(exitCode).toBe(code);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^iris: error: /);
      expect(stderr).toMatch(message);
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dir, 'never.json'))).toBe(false);
    });
  }

  it('a failed run leaves an existing model untouched and no temporary files', async () => {
    const folder = join(dir, 'atomic');
    mkdirSync(folder);
    const out = join(folder, 'model.json');
    writeFileSync(out, '{"keep": "me"}');
    writeFileSync(join(folder, 'bad.csv'), 'a,b,label\n1,2,x\n3,oops,y\n');
    const { exitCode, stderr } = await iris(['train', '--data', join(folder, 'bad.csv'), '--out', out]);
    expect(exitCode).toBe(3);
    expect(stderr).toContain('bad.csv:3: column b: "oops" is not a number');
    expect(readFileSync(out, 'utf8')).toBe('{"keep": "me"}');
    expect(readdirSync(folder).sort()).toEqual(['bad.csv', 'model.json']);
  });

  it('stratify with a one-member class is exit 3', async () => {
    const csv = join(dir, 'lonely.csv');
    writeFileSync(csv, 'x,y\n1,a\n2,a\n3,a\n4,b\n5,b\n6,b\n7,c\n');
    const { exitCode, stderr } = await iris(['train', '--data', csv, '--stratify', '--test-size', '3', '--out', join(dir, 'never.json')]);
    expect(exitCode).toBe(3);
    expect(stderr).toMatch(/^iris: error: .*(1 member|only one|one member)/m);
  });

  it('--debug adds a stack trace, IRIS_DEBUG=1 too', async () => {
    const a = await iris(['train', '--data', 'nope.csv', '--debug'], { cwd: dir });
    expect(a.exitCode).toBe(3);
    expect(a.stderr).toMatch(/\n\s+at /);
    const b = await iris(['train', '--data', 'nope.csv'], { cwd: dir, env: { IRIS_DEBUG: '1' } });
    expect(b.stderr).toMatch(/\n\s+at /);
  });
});

describe('configuration', () => {
  it('config file values apply, flags win over them', async () => {
    const cwd = join(dir, 'config');
    mkdirSync(cwd);
    writeFileSync(join(cwd, '.irisrc.json'), JSON.stringify({ model: 'configured.json', train: { testSize: 0.2, maxIter: 100, shuffle: false } }));
    const a = await iris(['train', '--json'], { cwd });
    expect(a.exitCode).toBe(0);
    const report = JSON.parse(a.stdout);
    expect(report.split.test).toBe(30);
    expect(report.model).toBe('configured.json');
    expect(report.params).toMatchObject({ maxIter: 100, shuffle: false });
    const b = await iris(['train', '--json', '--test-size', '0.3', '--out', 'flag.json'], { cwd });
    expect(JSON.parse(b.stdout).split.test).toBe(45);
    expect(existsSync(join(cwd, 'flag.json'))).toBe(true);
  });

  it('--config names the file; tol may be "none" there', async () => {
    const file = join(dir, 'custom.yaml');
    writeFileSync(file, 'train:\n  tol: none\n  maxIter: 3\n');
    const { exitCode, stdout, stderr } = await iris(['--config', file, 'train', '--json', '--out', join(dir, 'yaml.json')]);
    expect(exitCode).toBe(0);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toMatchObject({ nIter: 3, params: { tol: null } });
  });

  const bad: [string, string, RegExp][] = [
    ['unknown key', JSON.stringify({ train: { learningRate: 1 } }), /config .*\.irisrc\.json: train\.learningRate: unknown key/],
    ['bad value', JSON.stringify({ train: { maxIter: 'lots' } }), /config .*\.irisrc\.json: train\.maxIter: "lots" is not a whole number/],
    ['unknown group', JSON.stringify({ deploy: {} }), /config .*\.irisrc\.json: deploy: unknown key/],
    ['invalid syntax', '{"train": {', /config .*: cannot be read/],
  ];
  for (const [name, text, message] of bad) {
    it(`a config file with ${name} is exit 2 naming the file and key`, async () => {
      const cwd = join(dir, `bad-config-${name.replace(/\W/g, '-')}`);
      mkdirSync(cwd);
      writeFileSync(join(cwd, '.irisrc.json'), text);
      const { exitCode, stderr, stdout } = await iris(['train'], { cwd });
      expect(exitCode).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
      expect(existsSync(join(cwd, 'model.json'))).toBe(false);
    });
  }
});
