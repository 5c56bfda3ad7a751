/**
 * iris export of models trained by `iris train` on a real table (data/penguins.csv: words, gaps):
 * the graph takes one input per feature, and onnxruntime gives the labels of the model itself
 * (the library's predict on records: the scoring `iris predict` uses) on every row of the file and
 * on rows with unknown categories and missing values; scores within 1e-5 of max(|score|, 1).
 */
import { execa } from 'execa';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/lib/model.js';
import { ROOT, iris, tempDir } from '../helpers/cli.js';

const dir = tempDir('iris-export-tables-');
copyFileSync(join(ROOT, 'data', 'penguins.csv'), join(dir, 'penguins.csv'));

type Cell = string | number | null;
const NA = new Set(['', 'NA']);
const lines = readFileSync(join(ROOT, 'data', 'penguins.csv'), 'utf8')
  .trim()
  .split('\n');
const header = lines[0]!.split(',');
const NUMERIC = new Set(['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'year']);
const fileRows: Record<string, Cell>[] = lines.slice(1).map((line) => {
  const cells = line.split(',');
  return Object.fromEntries(header.map((h, j) => [h, NA.has(cells[j]!) ? null : NUMERIC.has(h) ? Number(cells[j]) : cells[j]!]));
});
/** Unknown categories (an island and a spelling of sex the training rows never had) and gaps. */
const oddRows: Record<string, Cell>[] = [
  { species: 'Gentoo', island: 'Anvers', bill_length_mm: 45.2, bill_depth_mm: 15.1, flipper_length_mm: 215, body_mass_g: 5000, sex: 'female', year: 2008 },
  { species: 'Adelie', island: 'Dream', bill_length_mm: null, bill_depth_mm: 18.5, flipper_length_mm: 190, body_mass_g: 3600, sex: null, year: 2009 },
  { species: 'Gentoo', island: 'Biscoe', bill_length_mm: 48.0, bill_depth_mm: null, flipper_length_mm: null, body_mass_g: 5400, sex: 'M', year: 2010 },
  { species: 'Adelie', island: null, bill_length_mm: 38.6, bill_depth_mm: 19.2, flipper_length_mm: 188, body_mass_g: 3550, sex: 'male', year: 2007 },
];

async function trainAndExport(name: string, flags: string[]): Promise<{ model: string; onnx: string }> {
  const model = join(dir, `${name}.json`);
  const onnx = join(dir, `${name}.onnx`);
  const train = await iris(['train', '--data', 'penguins.csv', '--out', model, '-q', ...flags], { cwd: dir });
  expect(train.exitCode, train.stderr).toBe(0);
  const exported = await iris(['export', '--model', model, '--out', onnx], { cwd: dir });
  expect(exported.exitCode, exported.stderr).toBe(0);
  expect(exported.stderr).toMatch(/inputs {2}"/);
  return { model, onnx };
}

async function compare(modelPath: string, onnxPath: string, rows: Record<string, Cell>[]): Promise<void> {
  const model = await loadModel(modelPath);
  const columns = model.fitted.preprocessing.columns;
  const records = rows.map((r) => Object.fromEntries(columns.map((c) => [c.name, r[c.name] ?? null])));
  const want = model.predict(records);
  const decision = model.decisionFunction(records);
  const feeds: Record<string, ort.Tensor> = {};
  for (const c of columns) {
    feeds[c.name] =
      c.kind === 'numeric'
        ? new ort.Tensor(
            'float32',
            Float32Array.from(records, (r) => (r[c.name] === null ? Number.NaN : Number(r[c.name]))),
            [rows.length, 1],
          )
        : new ort.Tensor(
            'string',
            records.map((r) => (r[c.name] === null ? '' : String(r[c.name]))),
            [rows.length, 1],
          );
  }
  const session = await ort.InferenceSession.create(onnxPath);
  try {
    expect(session.inputNames).toEqual(columns.map((c) => c.name));
    const out = await session.run(feeds);
    expect((out.label as ort.Tensor).data).toEqual(want);
    const scores = (out.scores as ort.Tensor).data as Float32Array;
    const width = (out.scores as ort.Tensor).dims[1] as number;
    decision.forEach((d, i) => {
      const row = typeof d === 'number' ? [-d, d] : d;
      row.forEach((s, k) => expect(Math.abs(scores[i * width + k]! - s) / Math.max(Math.abs(s), 1), `row ${i}`).toBeLessThanOrEqual(1e-5));
    });
  } finally {
    await session.release();
  }
}

describe('iris export of table models (penguins)', () => {
  it('--impute mean: every row of the file (gaps included) and rows with unknown categories', async () => {
    const { model, onnx } = await trainAndExport('impute-mean', ['--target', 'species', '--impute', 'mean']);
    await compare(model, onnx, fileRows);
    await compare(model, onnx, oddRows);
  });

  it('--categorical year --impute most_frequent: a number column as categories', async () => {
    const { model, onnx } = await trainAndExport('year-categorical', ['--target', 'species', '--categorical', 'year', '--impute', 'most_frequent']);
    await compare(
      model,
      onnx,
      fileRows.map((r) => ({ ...r, year: r.year === null ? null : String(r.year) })),
    );
    await compare(
      model,
      onnx,
      oddRows.map((r) => ({ ...r, year: String(r.year) })),
    );
  });

  it('--dropna, two classes (target sex): complete rows, unknown categories', async () => {
    const { model, onnx } = await trainAndExport('sex', ['--target', 'sex', '--dropna', '--exclude', 'year']);
    const complete = fileRows.filter((r) => Object.values(r).every((v) => v !== null));
    await compare(model, onnx, complete);
    await compare(model, onnx, [{ species: 'Gentoo', island: 'Anvers', bill_length_mm: 45.2, bill_depth_mm: 15.1, flipper_length_mm: 215, body_mass_g: 5000 }]);
  });

  it("passes onnx.checker.check_model(full_check=True) (Debian's python3-onnx)", async (ctx) => {
    const probe = await execa('/usr/bin/python3', ['-c', 'import onnx.checker'], { reject: false });
    if (probe.exitCode !== 0) {
      ctx.skip(true, 'no /usr/bin/python3 with the onnx package (apt-get install python3-onnx): the ONNX checker was not run');
      return;
    }
    const files = ['impute-mean', 'year-categorical', 'sex'].map((n) => join(dir, `${n}.onnx`));
    const check = await execa(
      '/usr/bin/python3',
      ['-c', 'import sys, onnx\nfor p in sys.argv[1:]: onnx.checker.check_model(onnx.load(p), full_check=True)', ...files],
      { reject: false },
    );
    expect(check.stderr).toBe('');
    expect(check.exitCode).toBe(0);
  });
});
