/**
 * Fuzzing the three body parsers of `iris serve` (src/serve/codec/, work.ts) in-process: JSON
 * (MLflow forms and OIP tensors), CSV and NDJSON, with random values and random mutations of valid
 * bodies. For every input:
 *
 *   - anything thrown is an HttpError of status 400 or 413 (never a TypeError or RangeError: those
 *     would be 500s);
 *   - a result is well-formed: n rows of the model's width, every value finite;
 *   - the same rows sent in every format give the same float64 values, bit for bit (one typing
 *     rule across JSON, CSV and NDJSON).
 *
 * Fixed seed and run counts; see fuzz-settings.ts for the long mode (IRIS_FUZZ_RUNS).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Model } from '../../src/lib/model.js';
import { rowsOfInfer } from '../../src/serve/codec/infer.js';
import { parseJsonBody, rowsOfInvocation, type Rows } from '../../src/serve/codec/rows.js';
import { HttpError } from '../../src/serve/errors.js';
import { rowsOfCsv, rowsOfNdjson } from '../../src/serve/work.js';
import { FUZZ_TIMEOUT, fuzzParams, mutateAll, mutationArb } from './fuzz-settings.js';

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
// The parsers read a model's inputs and classes only.
const MODEL = {
  features: FEATURES,
  inputs: FEATURES.map((name) => ({ name, kind: 'numeric', imputed: false })),
  isTable: false,
  classes: ['a', 'b', 'c'],
} as unknown as Model;
const MAX_ROWS = 50;

function checkRows(rows: Rows): void {
  expect(rows.X.length).toBe(rows.n * FEATURES.length);
  expect(rows.n).toBeLessThanOrEqual(MAX_ROWS);
  for (const value of rows.X) expect(Number.isFinite(value)).toBe(true);
}

function checkError(error: unknown): void {
  if (!(error instanceof HttpError)) throw error;
  expect([400, 413]).toContain(error.status);
  expect(error.message.length).toBeLessThan(1000);
}

async function outcome(parse: () => Rows | Promise<Rows>): Promise<void> {
  try {
    checkRows(await parse());
  } catch (error) {
    checkError(error);
  }
}

const ROW = [5.1, 3.5, 1.4, 0.2];
const RECORD = Object.fromEntries(FEATURES.map((f, j) => [f, ROW[j]]));
const JSON_CORPUS = [
  { instances: [ROW, [6, 3, 5, 2]] },
  { inputs: [RECORD, ROW] },
  { inputs: Object.fromEntries(FEATURES.map((f, j) => [f, [ROW[j], ROW[j]]])) },
  { dataframe_records: [RECORD], params: { a: 1 } },
  { dataframe_split: { columns: ['id', ...FEATURES], index: [0], data: [['x', ...ROW]] } },
].map((doc) => Buffer.from(JSON.stringify(doc)));
const INFER_CORPUS = [
  { id: 'x', inputs: [{ name: 'input-0', datatype: 'FP64', shape: [2, 4], data: [...ROW, ...ROW] }], outputs: [{ name: 'label' }] },
  { inputs: [{ name: 'input-0', datatype: 'INT32', shape: [1, 4], data: [[5, 3, 1, 0]] }] },
  { inputs: FEATURES.map((name, j) => ({ name, datatype: 'FP32', shape: [1], data: [ROW[j]] })) },
].map((doc) => Buffer.from(JSON.stringify(doc)));
const CSV_CORPUS = [
  Buffer.from(`${FEATURES.join(',')}\n${ROW.join(',')}\n6,3,5,2\n`),
  Buffer.from(`id,${[...FEATURES].reverse().join(',')}\r\n"a,b",${[...ROW].reverse().join(',')}\r\n`),
  Buffer.from(`${ROW.join(',')}\n${ROW.join(',')}`),
];
const NDJSON_CORPUS = [Buffer.from(`${JSON.stringify(ROW)}\n${JSON.stringify(RECORD)}\n\n${JSON.stringify(ROW)}\n`)];

describe('JSON bodies', () => {
  it(
    'arbitrary JSON values: rows or a 400/413',
    () =>
      fc.assert(
        fc.property(
          fc.jsonValue({ maxDepth: 4 }),
          fc.constantFrom(...FEATURES, 'instances', 'inputs', 'dataframe_split', 'dataframe_records', 'columns', 'data'),
          (value, key) => {
            for (const doc of [
              value,
              { [key]: value },
              { instances: value },
              { inputs: [{ name: 'input-0', datatype: 'FP64', shape: [1, 4], data: value }] },
            ]) {
              for (const parse of [rowsOfInvocation, rowsOfInfer]) {
                try {
                  checkRows(parse(doc, MODEL, MAX_ROWS));
                } catch (error) {
                  checkError(error);
                }
              }
            }
          },
        ),
        fuzzParams(2000),
      ),
    FUZZ_TIMEOUT,
  );

  it(
    'mutated MLflow and OIP bodies: rows or a 400/413',
    () =>
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: JSON_CORPUS.length + INFER_CORPUS.length - 1 }),
          fc.array(mutationArb, { minLength: 1, maxLength: 6 }),
          (index, mutations) => {
            const infer = index >= JSON_CORPUS.length;
            const bytes = mutateAll(infer ? INFER_CORPUS[index - JSON_CORPUS.length]! : JSON_CORPUS[index]!, mutations);
            try {
              const doc = parseJsonBody(bytes.toString('utf8'));
              checkRows(infer ? rowsOfInfer(doc, MODEL, MAX_ROWS) : rowsOfInvocation(doc, MODEL, MAX_ROWS));
            } catch (error) {
              checkError(error);
            }
          },
        ),
        fuzzParams(3000),
      ),
    FUZZ_TIMEOUT,
  );
});

describe('CSV and NDJSON bodies', () => {
  it(
    'mutated CSV bodies: rows or a 400/413',
    async () =>
      fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: CSV_CORPUS.length - 1 }),
          fc.array(mutationArb, { minLength: 1, maxLength: 6 }),
          async (index, mutations) => {
            await outcome(() => rowsOfCsv(mutateAll(CSV_CORPUS[index]!, mutations), MODEL, MAX_ROWS));
          },
        ),
        fuzzParams(1500),
      ),
    FUZZ_TIMEOUT,
  );

  it(
    'mutated NDJSON bodies and random text: rows or a 400/413',
    async () =>
      fc.assert(
        fc.asyncProperty(fc.array(mutationArb, { minLength: 1, maxLength: 6 }), fc.string({ maxLength: 60 }), async (mutations, text) => {
          await outcome(() => rowsOfNdjson(mutateAll(NDJSON_CORPUS[0]!, mutations).toString('utf8'), MODEL, MAX_ROWS));
          await outcome(() => rowsOfNdjson(text, MODEL, MAX_ROWS));
          await outcome(() => rowsOfCsv(Buffer.from(text), MODEL, MAX_ROWS));
        }),
        fuzzParams(2000),
      ),
    FUZZ_TIMEOUT,
  );
});

describe('one typing rule', () => {
  it(
    'the same rows in every format give the same float64 values',
    async () =>
      fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 20 }),
          async (rows) => {
            const want = Float64Array.from(rows.flat().map((v) => (Object.is(v, -0) ? 0 : v)));
            const records = rows.map((row) => Object.fromEntries(FEATURES.map((f, j) => [f, row[j]])));
            const json = (doc: unknown) => rowsOfInvocation(parseJsonBody(JSON.stringify(doc)), MODEL, MAX_ROWS).X;
            const same = (got: Float64Array) => expect(Array.from(got, (v) => (Object.is(v, -0) ? 0 : v))).toEqual(Array.from(want));
            same(json({ instances: rows }));
            same(json({ dataframe_records: records }));
            same(json({ dataframe_split: { columns: FEATURES, data: rows } }));
            same(
              rowsOfInfer(
                parseJsonBody(JSON.stringify({ inputs: [{ name: 'input-0', datatype: 'FP64', shape: [rows.length, 4], data: rows.flat() }] })),
                MODEL,
                MAX_ROWS,
              ).X,
            );
            same(rowsOfNdjson(rows.map((row) => JSON.stringify(row)).join('\n'), MODEL, MAX_ROWS).X);
            same((await rowsOfCsv(Buffer.from(`${FEATURES.join(',')}\n${rows.map((row) => row.map(String).join(',')).join('\n')}\n`), MODEL, MAX_ROWS)).X);
          },
        ),
        fuzzParams(500),
      ),
    FUZZ_TIMEOUT,
  );
});
