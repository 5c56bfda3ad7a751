/**
 * iris export --format onnx: the exported graph, run in onnxruntime, predicts what `iris predict`
 * predicts (labels equal on every row, scores within 1e-5 relative: ONNX computes in float32), and
 * passes onnx's own checker (Debian's python3-onnx, skipped with a message where it is absent).
 */
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { IRIS_CSV, REFERENCE, ROOT, iris, tempDir, testRowsCsv, trainReferenceModels } from '../helpers/cli.js';
import { loadIris } from '../helpers/iris.js';

const dir = tempDir('iris-export-');
const modelOf = trainReferenceModels(dir);
const BINARY_MODEL = join(ROOT, 'fixtures', 'models', 'valid-binary-v2.json');

interface Predicted {
  prediction: string;
  scores: Record<string, number> | number;
}

/** `iris predict --scores` on CSV text: one record per row. */
async function predict(model: string, csv: string): Promise<Predicted[]> {
  const result = await iris(['predict', '--model', model, '--format', 'jsonl', '--scores'], { input: csv });
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Predicted);
}

async function exportOnnx(model: string, out: string): Promise<void> {
  const result = await iris(['export', '--model', model, '--format', 'onnx', '--out', out]);
  expect(result.exitCode, result.stderr).toBe(0);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^Exported .* to .*\(ONNX, \d+ bytes\)/);
}

async function runOnnx(path: string, features: string[], rows: number[][]): Promise<{ labels: string[]; scores: Float32Array; width: number }> {
  const session = await ort.InferenceSession.create(path);
  try {
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['label', 'scores']);
    const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, features.length]);
    const out = await session.run({ input });
    const label = out.label as ort.Tensor;
    const scores = out.scores as ort.Tensor;
    expect(label.dims).toEqual([rows.length]);
    return { labels: label.data as string[], scores: scores.data as Float32Array, width: scores.dims[1] as number };
  } finally {
    await session.release();
  }
}

/**
 * float32 against float64: a score's error follows the size of the terms it sums, not the score
 * itself (a score of 2e-4 is a difference of numbers near 1, and its float32 error is 1e-7
 * absolute, 4e-4 of itself); so the error is taken relative to max(|score|, 1). Measured: 1.2e-6.
 */
function compare(onnx: { labels: string[]; scores: Float32Array; width: number }, expected: Predicted[], classes: string[]) {
  let worst = 0;
  expect(onnx.labels).toEqual(expected.map((p) => p.prediction));
  expected.forEach((p, i) => {
    const want = typeof p.scores === 'number' ? [-p.scores, p.scores] : classes.map((c) => (p.scores as Record<string, number>)[c] as number);
    expect(onnx.width).toBe(want.length);
    want.forEach((w, k) => {
      const got = onnx.scores[i * onnx.width + k] as number;
      worst = Math.max(worst, Math.abs(got - w) / Math.max(Math.abs(w), 1));
    });
  });
  expect(worst).toBeLessThanOrEqual(1e-5);
  return worst;
}

describe('iris export --format onnx', () => {
  it.each(REFERENCE.cases.map((c) => [c.name, c] as const))(
    '%s: onnxruntime predicts the test rows and every Iris row as iris predict does',
    async (_name, refCase) => {
      const model = modelOf(refCase);
      const out = join(dir, `${refCase.name}.onnx`);
      await exportOnnx(model, out);
      const data = loadIris(refCase.features);
      const all = Array.from({ length: data.rows }, (_, i) => Array.from(data.X.subarray(i * data.features.length, (i + 1) * data.features.length)));
      const test = refCase.split.test.map((i) => all[i] as number[]);
      const expectedTest = await predict(model, testRowsCsv(refCase));
      expect(expectedTest.map((p) => p.prediction)).toEqual(refCase.test_predictions);
      compare(await runOnnx(out, refCase.features, test), expectedTest, refCase.classes);
      const csv = readFileSync(IRIS_CSV, 'utf8');
      compare(await runOnnx(out, refCase.features, all), await predict(model, csv), refCase.classes);
    },
  );

  it('a two-class model: scores are [-s, s] and the label is the sign of s', async () => {
    const out = join(dir, 'binary.onnx');
    await exportOnnx(BINARY_MODEL, out);
    const data = loadIris(['petal_length', 'petal_width']);
    const rows = Array.from({ length: data.rows }, (_, i) => [data.X[2 * i] as number, data.X[2 * i + 1] as number]);
    // Rows on the boundary too: s = 0 exactly is class 0, in iris and in the graph.
    const csv = `petal_length,petal_width\n${rows.map((r) => r.join(',')).join('\n')}\n`;
    compare(await runOnnx(out, ['petal_length', 'petal_width'], rows), await predict(BINARY_MODEL, csv), ['setosa', 'versicolor']);
  });

  it('carries the checksum, the features and the classes in the metadata; --out - writes the bytes to stdout', async () => {
    const model = modelOf(REFERENCE.cases[0]!);
    const artifact = JSON.parse(readFileSync(model, 'utf8')) as { checksum: string };
    const result = await execa('node', [join(ROOT, 'bin', 'iris.js'), 'export', '--model', model, '--out', '-'], { encoding: 'buffer', reject: false });
    expect(result.exitCode).toBe(0);
    const bytes = Buffer.from(result.stdout);
    expect(bytes.equals(readFileSync(join(dir, `${REFERENCE.cases[0]!.name}.onnx`)))).toBe(true);
    const text = bytes.toString('latin1');
    for (const expected of [
      'iris.checksum',
      artifact.checksum,
      'iris.features',
      '["sepal_length","sepal_width","petal_length","petal_width"]',
      'ai.onnx.ml',
      'LinearClassifier',
      'Scaler',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('names the problem: an unknown format is exit 2, a missing model exit 4', async () => {
    const bad = await iris(['export', '--model', modelOf(REFERENCE.cases[0]!), '--format', 'pmml']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--format pmml: must be one of onnx');
    const missing = await iris(['export', '--model', join(dir, 'nope.json')]);
    expect(missing.exitCode).toBe(4);
    expect(missing.stderr).toContain('nope.json');
  });

  it("passes onnx.checker.check_model(full_check=True) (Debian's python3-onnx)", async (ctx) => {
    const python = await findPythonWithOnnx();
    if (python === undefined) {
      ctx.skip(true, 'no python3 with the onnx package (apt-get install python3-onnx): the ONNX checker was not run');
      return;
    }
    const files = [...REFERENCE.cases.map((c) => join(dir, `${c.name}.onnx`)), join(dir, 'binary.onnx')];
    const script = join(dir, 'check.py');
    writeFileSync(
      script,
      'import sys, onnx\nfor path in sys.argv[1:]:\n    m = onnx.load(path)\n    onnx.checker.check_model(m, full_check=True)\n    print("ok", path, m.ir_version, [(o.domain, o.version) for o in m.opset_import])\n',
    );
    const result = await execa(python, [script, ...files], { reject: false });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\n').filter((l) => l.startsWith('ok '))).toHaveLength(files.length);
  });
});

/** Debian's /usr/bin/python3 first: a python3 earlier on PATH (pyenv) may lack the system packages. */
async function findPythonWithOnnx(): Promise<string | undefined> {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const probe = await execa(candidate, ['-c', 'import onnx.checker'], { reject: false });
    if (probe.exitCode === 0) return candidate;
  }
  return undefined;
}
