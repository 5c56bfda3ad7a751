/**
 * The ONNX graph of a pipeline with imputation and categorical features (one input per feature),
 * run in onnxruntime against the pipeline computed here in float64 by hand: unknown categories are
 * all zeros, missing values take the fill value. And the protobuf writer's wire bytes.
 */
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeOnnx, type ExportablePipeline } from '../../src/io/onnx/index.js';
import { ProtoWriter } from '../../src/io/onnx/protobuf.js';

const dir = mkdtempSync(join(tmpdir(), 'iris-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NA = ['', 'NA', 'nan'];

/** Two numeric features (one imputed), two categorical (one imputed), three classes. */
const mixed: ExportablePipeline = {
  target: 'species',
  features: ['bill', 'mass', 'island=Biscoe', 'island=Dream', 'island=Torgersen', 'sex=female', 'sex=male'],
  classes: ['Adelie', 'Chinstrap', 'Gentoo'],
  mean: Float64Array.of(44, 4200, 0, 0, 0, 0, 0),
  scale: Float64Array.of(5.5, 800, 1, 1, 1, 1, 1),
  coef: Float64Array.of(-1.5, 0.25, 0.5, -0.75, 1, 0.125, -0.125, 2, -1, -0.5, 1.5, -1, 0.25, 0.5, 0.5, 1.75, 1, -1, -0.25, -0.5, 0.375),
  intercept: Float64Array.of(0.1, -0.2, 0.05),
  preprocessing: {
    columns: [
      { name: 'bill', kind: 'numeric', impute: 43.9 },
      { name: 'mass', kind: 'numeric', impute: null },
      { name: 'island', kind: 'categorical', categories: ['Biscoe', 'Dream', 'Torgersen'], impute: 'Biscoe' },
      { name: 'sex', kind: 'categorical', categories: ['female', 'male'], impute: null },
    ],
    naValues: NA,
  },
};

interface Row {
  bill: number;
  mass: number;
  island: string;
  sex: string;
}

const rows: Row[] = [
  { bill: 39.1, mass: 3750, island: 'Torgersen', sex: 'male' },
  { bill: Number.NaN, mass: 3800, island: 'Dream', sex: 'female' },
  { bill: 46.5, mass: 5000, island: '', sex: 'male' },
  { bill: 50, mass: 4100, island: 'Atlantis', sex: 'NA' },
  { bill: 35, mass: 3000, island: 'NA', sex: 'unknown' },
  { bill: 58, mass: 6000, island: 'biscoe', sex: 'female' },
];

/** The pipeline in float64: impute, one-hot (unknown: zeros), scale, X·Wᵀ + b, argmax. */
function expected(p: ExportablePipeline, row: Row): { label: string; scores: number[] } {
  const x: number[] = [];
  for (const c of p.preprocessing!.columns) {
    if (c.kind === 'numeric') {
      const v = row[c.name as 'bill' | 'mass'];
      x.push(Number.isNaN(v) && c.impute !== null ? c.impute : v);
    } else {
      let v = row[c.name as 'island' | 'sex'];
      if (NA.includes(v) && c.impute !== null) v = c.impute;
      for (const cat of c.categories) x.push(v === cat ? 1 : 0);
    }
  }
  const z = x.map((v, j) => (v - p.mean[j]!) / p.scale[j]!);
  const d = z.length;
  const scores = p.classes.map((_, k) => z.reduce((s, v, j) => s + v * p.coef[k * d + j]!, 0) + p.intercept[k]!);
  const best = scores.indexOf(Math.max(...scores));
  return { label: p.classes[best]!, scores };
}

async function run(path: string, feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(path);
  try {
    const out = await session.run(feeds);
    return { names: session.inputNames, labels: (out.label as ort.Tensor).data as string[], scores: (out.scores as ort.Tensor).data as Float32Array };
  } finally {
    await session.release();
  }
}

describe('ONNX graph with one input per feature', () => {
  const path = join(dir, 'mixed.onnx');
  writeFileSync(path, encodeOnnx(mixed, { checksum: 'sha256:test', producerVersion: '0.0.0' }));

  it('imputes, one-hot encodes (unknown categories are zeros), scales and scores as the pipeline does', async () => {
    const n = rows.length;
    const { names, labels, scores } = await run(path, {
      bill: new ort.Tensor(
        'float32',
        Float32Array.from(rows, (r) => r.bill),
        [n, 1],
      ),
      mass: new ort.Tensor(
        'float32',
        Float32Array.from(rows, (r) => r.mass),
        [n, 1],
      ),
      island: new ort.Tensor(
        'string',
        rows.map((r) => r.island),
        [n, 1],
      ),
      sex: new ort.Tensor(
        'string',
        rows.map((r) => r.sex),
        [n, 1],
      ),
    });
    expect(names).toEqual(['bill', 'mass', 'island', 'sex']);
    rows.forEach((row, i) => {
      const want = expected(mixed, row);
      expect(labels[i]).toBe(want.label);
      want.scores.forEach((s, k) => expect(Math.abs((scores[i * 3 + k] as number) - s) / Math.max(Math.abs(s), 1)).toBeLessThan(1e-5));
    });
  });

  it('an all-numeric model with imputation keeps one [N, F] input and imputes NaN', async () => {
    const numeric: ExportablePipeline = {
      ...mixed,
      features: ['bill', 'mass'],
      mean: mixed.mean.slice(0, 2),
      scale: mixed.scale.slice(0, 2),
      coef: Float64Array.of(1, -1, -1, 1, 0.5, 0.5),
      preprocessing: { columns: mixed.preprocessing!.columns.slice(0, 2), naValues: NA },
    };
    const numericPath = join(dir, 'numeric.onnx');
    writeFileSync(numericPath, encodeOnnx(numeric, { checksum: 'sha256:test', producerVersion: '0.0.0' }));
    const { names, labels, scores } = await run(numericPath, { input: new ort.Tensor('float32', Float32Array.of(Number.NaN, 3000, 50, Number.NaN), [2, 2]) });
    expect(names).toEqual(['input']);
    // Row 1: bill imputed to 43.9; row 2: mass not imputed, NaN stays NaN (iris refuses such a row).
    const z0 = (43.9 - 44) / 5.5;
    const z1 = (3000 - 4200) / 800;
    expect(scores[0]).toBeCloseTo(z0 - z1 + 0.1, 5);
    expect(labels[0]).toBe('Adelie');
    expect(Number.isNaN(scores[3])).toBe(true);
  });

  it("passes onnx.checker.check_model(full_check=True) (Debian's python3-onnx)", async (ctx) => {
    const probe = await execa('/usr/bin/python3', ['-c', 'import onnx.checker'], { reject: false });
    if (probe.exitCode !== 0) {
      ctx.skip(true, 'no /usr/bin/python3 with the onnx package (apt-get install python3-onnx): the ONNX checker was not run');
      return;
    }
    const result = await execa(
      '/usr/bin/python3',
      ['-c', 'import sys, onnx\nfor p in sys.argv[1:]: onnx.checker.check_model(onnx.load(p), full_check=True)', path, join(dir, 'numeric.onnx')],
      { reject: false },
    );
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('refuses a per-feature input named as an output, and widths that do not add up', () => {
    const options = { checksum: 'sha256:test', producerVersion: '0' };
    const renamed = {
      ...mixed,
      preprocessing: { ...mixed.preprocessing!, columns: [{ ...mixed.preprocessing!.columns[0]!, name: 'label' }, ...mixed.preprocessing!.columns.slice(1)] },
    };
    expect(() => encodeOnnx(renamed, options)).toThrow(/"label" has the name of an output/);
    expect(() => encodeOnnx({ ...mixed, features: mixed.features.slice(1) }, options)).toThrow(/make 7 columns; the model has 6 features/);
  });

  it('features named like outputs (one matrix input) or like intermediate values (per feature) still run', async () => {
    const options = { checksum: 'sha256:test', producerVersion: '0' };
    const matrixPath = join(dir, 'names-matrix.onnx');
    writeFileSync(
      matrixPath,
      encodeOnnx({ ...mixed, preprocessing: undefined, features: ['label', 'scores', 'input', 'iris.scaled', 'e', 'f', 'g'] }, options),
    );
    const matrix = await run(matrixPath, { input: new ort.Tensor('float32', new Float32Array(7), [1, 7]) });
    expect(matrix.names).toEqual(['input']);
    const columns = mixed.preprocessing!.columns.map((c, k) => ({ ...c, name: ['iris.scaled', 'iris.columns', 'c2_onehot', 'iris.c3_flat'][k]! }));
    const perPath = join(dir, 'names-per-feature.onnx');
    writeFileSync(perPath, encodeOnnx({ ...mixed, preprocessing: { ...mixed.preprocessing!, columns } }, options));
    const row = rows[0]!;
    const per = await run(perPath, {
      'iris.scaled': new ort.Tensor('float32', Float32Array.of(row.bill), [1, 1]),
      'iris.columns': new ort.Tensor('float32', Float32Array.of(row.mass), [1, 1]),
      c2_onehot: new ort.Tensor('string', [row.island], [1, 1]),
      'iris.c3_flat': new ort.Tensor('string', [row.sex], [1, 1]),
    });
    expect(per.labels[0]).toBe(expected(mixed, row).label);
  });
});

describe('ProtoWriter', () => {
  it('writes varints, negative int64 as ten bytes, floats little-endian and nested lengths', () => {
    const bytes = (write: (w: ProtoWriter) => void) => {
      const w = new ProtoWriter();
      write(w);
      return Array.from(w.finish());
    };
    expect(bytes((w) => w.int(1, 150))).toEqual([0x08, 0x96, 0x01]);
    expect(bytes((w) => w.int(2, -1))).toEqual([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(bytes((w) => w.float(2, 1))).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
    expect(bytes((w) => w.string(2, 'testing'))).toEqual([0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
    expect(bytes((w) => w.message(3, (m) => m.int(1, 150)))).toEqual([0x1a, 0x03, 0x08, 0x96, 0x01]);
    expect(bytes((w) => w.packedFloats(4, [1, -2]))).toEqual([0x22, 0x08, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
    // A buffer that grows past its first 256 bytes keeps what it had.
    const long = bytes((w) => w.bytes(1, new Uint8Array(1000).fill(7)));
    expect(long.slice(0, 3)).toEqual([0x0a, 0xe8, 0x07]);
    expect(long.length).toBe(1003);
    expect(long.slice(3).every((b) => b === 7)).toBe(true);
  });
});
