/**
 * The library API as a Node developer uses it (README, "Library"): trainTestSplit + fit reproduce
 * every scikit-learn reference case, any accepted shape of X gives the same model, bad input throws
 * the typed errors the CLI reports, and a model round-trips through toJSON, fromJSON and files.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix } from 'ml-matrix';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, Model, ModelError, fit, loadModel, trainTestSplit, type FitOptions } from '../../src/index.js';
import { caught, loadIris, loadReference, parseCli } from '../helpers/iris.js';

const dir = mkdtempSync(join(tmpdir(), 'iris-library-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const iris = loadIris();
const X: number[][] = Array.from({ length: iris.rows }, (_, i) => Array.from(iris.X.subarray(i * 4, i * 4 + 4)));
const y = iris.labels;
const FEATURES = iris.features;

function within(actual: readonly number[], expected: readonly number[], tolerance = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) =>
    expect(Math.abs(a - expected[i]!), `[${i}] ${a} vs ${expected[i]}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected[i]!))),
  );
}

describe('trainTestSplit + fit reproduce scikit-learn', () => {
  for (const ref of loadReference()) {
    it(`case ${ref.name} (${ref.cli.join(' ')})`, () => {
      const o = parseCli(ref.cli);
      const columns = (o.features ?? FEATURES).map((f) => FEATURES.indexOf(f));
      const Xs = X.map((row) => columns.map((j) => row[j]!));
      const split = trainTestSplit(Xs, y, { testSize: o.testSize, seed: o.seed, stratify: o.stratify, shuffle: o.splitShuffle });
      expect(split.trainIndices).toEqual(ref.split.train);
      expect(split.testIndices).toEqual(ref.split.test);
      const options: FitOptions = {
        maxIter: o.maxIter,
        eta0: o.eta0,
        tol: o.tol,
        nIterNoChange: o.nIterNoChange,
        shuffle: o.shuffle,
        seed: o.seed,
        features: ref.features,
        target: ref.target,
      };
      const model = fit(split.XTrain, split.yTrain, options);
      expect(model.classes).toEqual(ref.classes);
      expect(model.fitted.nIter).toBe(ref.n_iter);
      within(Array.from(model.fitted.mean), ref.scaler.mean);
      within(Array.from(model.fitted.scale), ref.scaler.scale);
      within(Array.from(model.fitted.coef), ref.coef.flat());
      within(Array.from(model.fitted.intercept), ref.intercept);
      expect(model.predict(split.XTest)).toEqual(ref.test_predictions);
      within(model.decisionFunction(split.XTest).flat(), ref.test_decision_function.flat());
      expect(model.score(split.XTest, split.yTest)).toBe(ref.accuracy);
    });
  }
});

describe('X in every accepted shape gives the same model', () => {
  const ref = loadReference()[0]!;
  const split = trainTestSplit(X, y, { testSize: 0.3, seed: 0 });
  const fromArrays = fit(split.XTrain, split.yTrain, { features: FEATURES, target: 'species' });

  it('an ml-matrix Matrix, split and fitted as mljs estimators take it', () => {
    const M = new Matrix(X);
    const s = trainTestSplit(M, y, { testSize: 0.3, seed: 0 });
    expect(s.XTrain).toBeInstanceOf(Matrix);
    expect(s.XTrain.to2DArray()).toEqual(split.XTrain);
    const model = fit(s.XTrain, s.yTrain, { features: FEATURES, target: 'species' });
    expect(model.fitted).toEqual(fromArrays.fitted);
    expect(model.predict(s.XTest)).toEqual(ref.test_predictions);
  });

  it('a flat row-major Float64Array with its shape', () => {
    const flat = { data: iris.X, rows: iris.rows, cols: 4 };
    const s = trainTestSplit(flat, y, { testSize: 0.3, seed: 0 });
    expect(s.XTrain.rows).toBe(105);
    const model = fit(s.XTrain, s.yTrain, { features: FEATURES, target: 'species' });
    expect(model.fitted).toEqual(fromArrays.fitted);
    expect(model.predict(s.XTest)).toEqual(ref.test_predictions);
  });

  it('numeric labels, and inputs never modified', () => {
    const codes = y.map((label) => ref.classes.indexOf(label));
    const before = JSON.stringify([split.XTrain, codes]);
    const model = fit(
      split.XTrain,
      split.yTrain.map((label) => ref.classes.indexOf(label)),
      { features: FEATURES },
    );
    expect(model.classes).toEqual(['0', '1', '2']);
    expect(Array.from(model.fitted.coef)).toEqual(Array.from(fromArrays.fitted.coef));
    expect(JSON.stringify([split.XTrain, codes])).toBe(before);
    expect(fit([[0], [1]], ['a', 'b']).features).toEqual(['x0']);
    // The CLI's label rule: numerically equal labels are one class, named in plain digits.
    expect(fit([[0], [1], [2], [3]], [1, '1.0', 2, '2.0']).classes).toEqual(['1', '2']);
    expect(fit([[0], [1]], ['a', 'b']).target).toBe('y');
  });
});

describe('a model in use', () => {
  const split = trainTestSplit(X, y, { testSize: 0.3, seed: 0 });
  const model = fit(split.XTrain, split.yTrain, { maxIter: 40, eta0: 0.1, seed: 0, features: FEATURES, target: 'species' });

  it('predictOne takes a record by feature name; decisionFunction has scikit-learn shapes', () => {
    expect(model.predictOne({ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 })).toBe('setosa');
    const scores = model.decisionFunction([[5.1, 3.5, 1.4, 0.2]]) as number[][];
    expect(scores).toHaveLength(1);
    expect(scores[0]).toHaveLength(3);
    const binary = fit(
      [
        [0, 0],
        [1, 1],
        [0, 1],
        [1, 0],
      ],
      ['a', 'b', 'a', 'b'],
    );
    const two = binary.decisionFunction([
      [0, 0],
      [1, 1],
    ]);
    expect(two).toHaveLength(2);
    expect(typeof two[0]).toBe('number');
  });

  it('toJSON is the sealed artifact; fromJSON verifies it; JSON.stringify(model) works; save is atomic and loads back', async () => {
    const json = model.toJSON();
    expect(json.formatVersion).toBe(3);
    expect(json.training).toEqual({ data: null, metrics: { train: { accuracy: expect.any(Number) } } });
    expect(JSON.parse(JSON.stringify(model))).toEqual(json);
    const again = Model.fromJSON(json);
    expect(again.checksum).toBe(model.checksum);
    expect(again.predict(split.XTest)).toEqual(model.predict(split.XTest));
    expect(Model.fromJSON(JSON.stringify(json)).checksum).toBe(model.checksum);
    json.perceptron.intercept[0] = 42; // a copy: the model does not change
    expect(model.toJSON().perceptron.intercept[0]).not.toBe(42);
    expect(caught(() => Model.fromJSON(json))).toBeInstanceOf(ModelError);
    expect((caught(() => Model.fromJSON(json)) as Error).message).toBe('model: checksum mismatch: the file was modified after training');
    const path = join(dir, 'model.json');
    await model.save(path);
    expect(readdirSync(dir)).toEqual(['model.json']);
    expect((await loadModel(path)).checksum).toBe(model.checksum);
  });

  it('loadModel keeps no hidden cache: a retrained file is read again, a failure is not remembered', async () => {
    const path = join(dir, 'retrained.json');
    await expect(loadModel(path)).rejects.toThrow(/retrained\.json: no model file/);
    await model.save(path);
    const first = await loadModel(path);
    const other = fit(split.XTrain, split.yTrain, { seed: 7, features: FEATURES, target: 'species' });
    await other.save(path);
    const second = await loadModel(path);
    expect(second.checksum).toBe(other.checksum);
    expect(second.checksum).not.toBe(first.checksum);
  });

  it('loads every version 1 fixture, migrated, with the same numbers as its version 2 twin', async () => {
    for (const name of ['valid-iris', 'valid-binary']) {
      const v1 = await loadModel(join('fixtures', 'models', `${name}.json`));
      const v2 = await loadModel(join('fixtures', 'models', `${name}-v2.json`));
      expect(v1.fileFormatVersion).toBe(1);
      expect(v1.fitted).toEqual(v2.fitted);
      expect(v1.checksum).toBe(v2.checksum);
      expect(Model.fromJSON(v1.toJSON()).fileFormatVersion).toBe(3);
    }
  });
});

describe('bad input throws the typed errors the CLI reports', () => {
  const model = fit(X, y, { features: FEATURES, target: 'species' });
  const cases: [string, () => unknown, RegExp][] = [
    ['ragged rows', () => fit([[1, 2], [3]], ['a', 'b']), /^X\[1\] has 1 values, X\[0\] has 2: the rows must all be as long$/],
    ['NaN', () => model.predict([[5.1, NaN, 1.4, 0.2]]), /^X\[0\]\[1\] \(sepal_width\): NaN is not a finite number$/],
    [
      'Infinity',
      () =>
        fit(
          [
            [1, Infinity],
            [0, 0],
          ],
          ['a', 'b'],
        ),
      /^X\[0\]\[1\]: Infinity is not a finite number$/,
    ],
    ['a string', () => model.predict([[5.1, '3.5' as unknown as number, 1.4, 0.2]]), /^X\[0\]\[1\] \(sepal_width\): "3\.5" is not a number$/],
    [
      'wrong width',
      () => model.predict([[1, 2, 3]]),
      /^X\[0\] has 3 values; the model has 4 features \(sepal_length, sepal_width, petal_length, petal_width\)$/,
    ],
    ['wrong width (matrix)', () => model.predict(new Matrix([[1, 2, 3]])), /^X has 3 values; the model has 4 features/],
    [
      'unknown record key',
      () => model.predictOne({ sepal_length: 1, sepal_width: 1, petal_length: 1, petal_width: 1, colour: 2 }),
      /^unknown feature "colour"; the model's features: sepal_length, sepal_width, petal_length, petal_width$/,
    ],
    ['missing record key', () => model.predictOne({ sepal_length: 1, sepal_width: 1 }), /^missing features: petal_length, petal_width$/],
    ['one class', () => fit([[1], [2]], ['a', 'a']), /^the training rows contain only the class "a"; a classifier needs at least two$/],
    ['labels for other rows', () => fit([[1], [2]], ['a']), /^y has 1 labels for 2 rows of X$/],
    ['an empty label', () => fit([[1], [2]], ['a', '']), /^y\[1\]: empty label$/],
    ['a continuous target', () => fit([[1], [2], [3]], [0.5, 1, 2]), /^y: Unknown label type: continuous \(the label "0\.5" is not a whole number\)$/],
    ['not a matrix', () => model.predict('1,2,3,4' as never), /^X is "1,2,3,4": expected rows as arrays of numbers/],
  ];
  for (const [what, call, message] of cases) {
    it(what, () => {
      const error = caught(call);
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toMatch(message);
    });
  }
  it('a bad hyperparameter is an InvalidParameterError (exit 2 on the CLI)', () => {
    const error = caught(() => fit([[1], [2]], ['a', 'b'], { eta0: -1 }));
    expect((error as Error).name).toBe('InvalidParameterError');
    expect((error as Error).message).toBe('eta0 must be a finite number > 0, got -1');
  });
});

describe('the README library examples', () => {
  it('compile and run as written', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## Library'));
    const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    // The package name in the examples is this package; run them against the source.
    const { name } = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string };
    const file = join(process.cwd(), 'test', `.readme-example-${process.pid}.ts`);
    const code = blocks.join('\n').replaceAll(`from '${name}'`, "from '../src/index.js'");
    writeFileSync(file, `${code}\nexport {};\n`);
    try {
      const { execa } = await import('execa');
      const tsc = await execa(
        'npx',
        [
          'tsc',
          '--noEmit',
          '--strict',
          '--module',
          'NodeNext',
          '--moduleResolution',
          'NodeNext',
          '--target',
          'ES2022',
          '--skipLibCheck',
          '--types',
          'node',
          file,
        ],
        { reject: false },
      );
      expect(tsc.stdout + tsc.stderr).toBe('');
      // The examples write model.json: run them in a folder of their own.
      const cwd = process.cwd();
      const own = mkdtempSync(join(dir, 'readme-'));
      process.chdir(own);
      try {
        await import(file);
      } finally {
        process.chdir(cwd);
      }
      expect(readdirSync(own)).toEqual(['model.json']);
    } finally {
      rmSync(file, { force: true });
    }
  }, 60_000);
});
