/**
 * ONNX export of the tabular pipeline (imputation, one-hot categories, one input per feature)
 * against scikit-learn itself: each case of fixtures/reference/penguins-sklearn.json becomes a
 * format-3 pipeline (its fitted numbers), is exported, and run in onnxruntime on the case's test
 * rows of data/penguins.csv (missing values as the file spells them) and on its extra rows (unknown
 * categories, missing values). Labels must equal scikit-learn's predictions; scores its
 * decision_function within 1e-5 of max(|score|, 1) (ONNX computes in float32). The format-3 fixture
 * model goes through `iris export` and onnx's checker as well.
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_NA_VALUES } from '../../src/core/preprocessing.js';
import { encodeOnnx, type ExportablePipeline, type InputColumn } from '../../src/io/onnx/index.js';
import { BIN, cleanEnv } from '../helpers/cli.js';
import { ROOT } from '../helpers/iris.js';

interface Case {
  name: string;
  target: string;
  numeric_features: string[];
  categorical_features: string[];
  classes: string[];
  columns: string[];
  coef: number[][];
  intercept: number[];
  scaler: { mean: number[]; scale: number[] };
  imputer_statistics: Record<string, number | string> | null;
  categories: Record<string, string[]>;
  split: { test_rows: number[] };
  test_predictions: string[];
  test_decision_function: number[][] | number[];
  extra: { rows: Record<string, number | string | null>[]; predictions: string[]; decision_function: number[][] | number[] };
}

const ref = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'reference', 'penguins-sklearn.json'), 'utf8')) as { cases: Case[] };
const lines = readFileSync(join(ROOT, 'data', 'penguins.csv'), 'utf8')
  .trim()
  .split('\n');
const header = lines[0]!.split(',');
const file = lines.slice(1).map((line) => line.split(','));
const NA = new Set(DEFAULT_NA_VALUES);

const dir = mkdtempSync(join(tmpdir(), 'iris-onnx-penguins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The case's fitted pipeline in the shape of a format-3 model. */
function pipelineOf(c: Case): ExportablePipeline {
  const stats = c.imputer_statistics;
  const columns: InputColumn[] = [
    ...c.numeric_features.map((name): InputColumn => ({ name, kind: 'numeric', impute: stats === null ? null : (stats[name] as number) })),
    ...c.categorical_features.map((name): InputColumn => ({
      name,
      kind: 'categorical',
      categories: c.categories[name]!,
      impute: stats === null ? null : String(stats[name]),
    })),
  ];
  const nCat = c.columns.length - c.numeric_features.length;
  return {
    target: c.target,
    features: c.columns,
    classes: c.classes,
    mean: Float64Array.from([...c.scaler.mean, ...Array<number>(nCat).fill(0)]),
    scale: Float64Array.from([...c.scaler.scale, ...Array<number>(nCat).fill(1)]),
    coef: Float64Array.from(c.coef.flat()),
    intercept: Float64Array.from(c.intercept),
    preprocessing: { columns, naValues: DEFAULT_NA_VALUES },
  };
}

/** Feeds of rows given as records: numbers as float32 (missing: NaN), categories as text (missing: ""). */
function feeds(c: Case, rows: Record<string, number | string | null>[]): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const f of c.numeric_features)
    out[f] = new ort.Tensor(
      'float32',
      Float32Array.from(rows, (r) => (r[f] === null ? Number.NaN : Number(r[f]))),
      [rows.length, 1],
    );
  for (const f of c.categorical_features)
    out[f] = new ort.Tensor(
      'string',
      rows.map((r) => (r[f] === null ? '' : String(r[f]))),
      [rows.length, 1],
    );
  return out;
}

/** A file row as a record, each field as the file spells it; a numeric feature's missing-value string becomes NaN. */
function fileRecord(c: Case, i: number): Record<string, number | string | null> {
  const row = file[i]!;
  const record: Record<string, number | string | null> = {};
  for (const f of c.numeric_features) {
    const text = row[header.indexOf(f)]!;
    record[f] = NA.has(text) ? null : Number(text);
  }
  // Categories keep their spelling, missing-value strings included: the graph maps them to the fill value.
  for (const f of c.categorical_features) record[f] = row[header.indexOf(f)]!;
  return record;
}

async function run(path: string, input: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(path);
  try {
    const out = await session.run(input);
    return {
      labels: (out.label as ort.Tensor).data as string[],
      scores: (out.scores as ort.Tensor).data as Float32Array,
      width: (out.scores as ort.Tensor).dims[1] as number,
    };
  } finally {
    await session.release();
  }
}

function expectSame(got: Awaited<ReturnType<typeof run>>, predictions: string[], decision: number[][] | number[]): void {
  expect(got.labels).toEqual(predictions);
  decision.forEach((d, i) => {
    const want = typeof d === 'number' ? [-d, d] : d;
    expect(got.width).toBe(want.length);
    want.forEach((w, k) => expect(Math.abs(got.scores[i * got.width + k]! - w) / Math.max(Math.abs(w), 1), `row ${i} class ${k}`).toBeLessThanOrEqual(1e-5));
  });
}

describe('ONNX export of the penguins pipelines equals scikit-learn', () => {
  it.each(ref.cases.map((c) => [c.name, c] as const))('%s: test rows and extra rows (unknown categories, missing values)', async (_name, c) => {
    const path = join(dir, `${c.name}.onnx`);
    writeFileSync(path, encodeOnnx(pipelineOf(c), { checksum: 'sha256:reference', producerVersion: '0.0.0' }));
    const test = c.split.test_rows.map((i) => fileRecord(c, i));
    expectSame(await run(path, feeds(c, test)), c.test_predictions, c.test_decision_function);
    expectSame(await run(path, feeds(c, c.extra.rows)), c.extra.predictions, c.extra.decision_function);
  });

  it('iris export of the format-3 penguins model: per-feature inputs, scikit-learn labels on its test rows, the checker passes', async (ctx) => {
    const c = ref.cases.find((x) => x.name === 'impute-mean')!;
    const out = join(dir, 'penguins-v3.onnx');
    const result = await execa('node', [BIN, 'export', '--model', join(ROOT, 'fixtures', 'models', 'penguins-v3.json'), '--out', out], {
      env: cleanEnv(),
      extendEnv: false,
      reject: false,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('inputs  "bill_length_mm" float [N, 1]');
    expect(result.stderr).toContain('"island" string [N, 1]');
    const session = await ort.InferenceSession.create(out);
    expect(session.inputNames).toEqual([...c.numeric_features, ...c.categorical_features]);
    await session.release();
    expectSame(
      await run(
        out,
        feeds(
          c,
          c.split.test_rows.map((i) => fileRecord(c, i)),
        ),
      ),
      c.test_predictions,
      c.test_decision_function,
    );
    expectSame(await run(out, feeds(c, c.extra.rows)), c.extra.predictions, c.extra.decision_function);

    const probe = await execa('/usr/bin/python3', ['-c', 'import onnx.checker'], { reject: false });
    if (probe.exitCode !== 0) {
      ctx.skip(true, 'no /usr/bin/python3 with the onnx package (apt-get install python3-onnx): the ONNX checker was not run');
      return;
    }
    const files = [out, ...ref.cases.map((x) => join(dir, `${x.name}.onnx`))];
    const check = await execa(
      '/usr/bin/python3',
      ['-c', 'import sys, onnx\nfor p in sys.argv[1:]: onnx.checker.check_model(onnx.load(p), full_check=True)', ...files],
      { reject: false },
    );
    expect(check.stderr).toBe('');
    expect(check.exitCode).toBe(0);
  });
});
