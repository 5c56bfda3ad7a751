/**
 * Fuzzing the CSV reader (src/io/csv.ts, fast-csv.ts, numbers.ts) in-process: random bytes and
 * random mutations of valid files. For every input:
 *
 *   - anything thrown is an IrisError with exit code 3 (a DataError), never a TypeError,
 *     RangeError or a csv-parse error escaping;
 *   - a result is well-formed: shapes agree, every value is finite, labels are non-empty, line
 *     numbers increase, the columns named exist;
 *   - the fast path and csv-parse give the same outcome (the same data, or the same message);
 *   - streaming (`openFeatureRows`) gives the same rows and the same error however the input is cut
 *     into chunks, and stdin (`readLabelledCsv('-')`) the same as a buffer.
 *
 * Fixed seed and run counts; see fuzz-settings.ts for the long mode (IRIS_FUZZ_RUNS).
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { IrisError } from '../../src/core/errors.js';
import { openFeatureRows, parseLabelledBuffer, readLabelledCsv, type ReadLabelledOptions } from '../../src/io/csv/index.js';
import { IRIS_CSV } from '../helpers/cli.js';
import { FUZZ_TIMEOUT, fuzzParams, mutateAll, mutationArb } from './fuzz-settings.js';

const IRIS_LINES = readFileSync(IRIS_CSV, 'utf8').trim().split('\n');
const SAMPLE = [IRIS_LINES[0]!, ...IRIS_LINES.slice(1, 9), ...IRIS_LINES.slice(51, 59), ...IRIS_LINES.slice(101, 109)];
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

/** Valid labelled files of several shapes (with the options they are read with), the seeds of the mutations. */
const LABELLED_CORPUS: Array<{ bytes: Buffer; options: ReadLabelledOptions }> = [
  { bytes: Buffer.from(`${SAMPLE.join('\n')}\n`), options: {} },
  { bytes: Buffer.from(`\ufeff${SAMPLE.join('\r\n')}`), options: {} }, // BOM, CRLF, no final line end
  {
    bytes: Buffer.from(
      `${SAMPLE.map((l) =>
        l
          .split(',')
          .map((f) => `"${f}"`)
          .join(','),
      ).join('\n')}\n`,
    ),
    options: { target: 'species' },
  }, // every field quoted
  {
    // the target first, a quoted text column (comma, quotes, a line end inside) that is not a feature, blank lines at the end
    bytes: Buffer.from(
      `${[
        'species,sepal_length,"note, free text",petal_width',
        ...SAMPLE.slice(1).map((l, i) => {
          const f = l.split(',');
          return `${f[4]},${f[0]},"row ""${i}""\nsecond line",${f[3]}`;
        }),
      ].join('\n')}\n\n  \n`,
    ),
    options: { target: 'species', features: ['petal_width', 'sepal_length'] },
  },
  {
    bytes: Buffer.from(
      `${[
        'longueur_sépale,largeur,espèce',
        ...SAMPLE.slice(1).map((l) => {
          const f = l.split(',');
          return ` ${f[0]} ,\t${f[1]},${f[4]}🌸`;
        }),
      ].join('\n')}\n`,
    ),
    options: {},
  },
];

/** Valid inputs of `predict`: with a header (in another order, an extra column) and without. */
const ROWS_CORPUS: Buffer[] = [
  Buffer.from(
    `${SAMPLE.slice(1)
      .map((l) => l.split(',').slice(0, 4).join(','))
      .join('\n')}\n`,
  ),
  Buffer.from(
    `id,petal_width,petal_length,sepal_width,sepal_length\r\n${SAMPLE.slice(1)
      .map((l, i) => {
        const f = l.split(',');
        return `"r${i}",${f[3]},${f[2]},${f[1]},${f[0]}`;
      })
      .join('\r\n')}\r\n`,
  ),
];

const OPTIONS: ReadLabelledOptions[] = [{}, { target: 'species' }, { target: 'species', features: ['petal_width', 'sepal_length'] }];
const hasNul = (bytes: Buffer) => bytes.includes(0);

// -------------------------------------------------------------------------------------------------
// Outcomes

type Outcome = { ok: true; value: unknown } | { ok: false; kind: string; message: string; hint: string | undefined };

/** Runs `fn`: an IrisError becomes an outcome, anything else thrown fails the property. */
function outcome(fn: () => unknown): Outcome {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (!(error instanceof IrisError)) throw error;
    return { ok: false, kind: error.kind, message: error.message, hint: error.hint };
  }
}

async function outcomeAsync(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (!(error instanceof IrisError)) throw error;
    return { ok: false, kind: error.kind, message: error.message, hint: error.hint };
  }
}

type Labelled = ReturnType<typeof parseLabelledBuffer>;

/** Checks a labelled result and returns it in a comparable form. */
function wellFormedLabelled(data: Labelled, options: ReadLabelledOptions) {
  const { X, labels, lines, columns, features, target } = data;
  expect(X.rows).toBeGreaterThan(0);
  expect(X.cols).toBe(features.length);
  expect(features.length).toBeGreaterThan(0);
  expect(X.data.length).toBe(X.rows * X.cols);
  expect(labels.length).toBe(X.rows);
  expect(lines.length).toBe(X.rows);
  expect(X.data.every(Number.isFinite)).toBe(true);
  expect(labels.every((label) => typeof label === 'string' && label !== '')).toBe(true);
  expect(lines[0]).toBeGreaterThanOrEqual(2);
  expect(lines.every((line, i) => i === 0 || line > lines[i - 1]!)).toBe(true);
  expect(new Set(columns).size).toBe(columns.length);
  expect(columns).toContain(target);
  expect(features).not.toContain(target);
  for (const f of features) expect(columns).toContain(f);
  if (options.target !== undefined) expect(target).toBe(options.target);
  if (options.features !== undefined) expect(features).toEqual(options.features);
  return { columns, target, features, X: Array.from(X.data), labels, lines: Array.from(lines) };
}

function expectDataError(result: Outcome): void {
  if (!result.ok) {
    expect(result.kind).toBe('data');
    expect(result.message).toMatch(/^(fuzz\.csv|<stdin>)\b/); // names the file
    expect(result.message).not.toMatch(/\n/);
  }
}

function parseBoth(bytes: Buffer, options: ReadLabelledOptions): Outcome {
  const auto = outcome(() => wellFormedLabelled(parseLabelledBuffer(bytes, 'fuzz.csv', options), options));
  const slow = outcome(() => wellFormedLabelled(parseLabelledBuffer(bytes, 'fuzz.csv', { ...options, parser: 'csv-parse' }), options));
  expectDataError(auto);
  expect(slow).toEqual(auto);
  return auto;
}

/** Streams `bytes` to openFeatureRows in the given chunks; returns every row and the error, if any. */
async function streamRows(bytes: Buffer, cuts: readonly number[], keepRaw: boolean) {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let last = 0;
  for (const p of [...points, bytes.length]) {
    if (p > last) chunks.push(bytes.subarray(last, p));
    last = Math.max(last, p);
  }
  const rows = openFeatureRows(Readable.from(chunks, { objectMode: false }), { features: FEATURES, source: 'fuzz.csv', keepRaw });
  const X: number[] = [];
  const lines: number[] = [];
  const raw: string[][] = [];
  const result = await outcomeAsync(async () => {
    for await (const batch of rows.batches()) {
      expect(batch.X.length).toBe(batch.n * FEATURES.length);
      expect(batch.lines.length).toBe(batch.n);
      expect(batch.X.every(Number.isFinite)).toBe(true);
      if (keepRaw) expect(batch.raw?.length).toBe(batch.n);
      X.push(...batch.X);
      lines.push(...batch.lines);
      if (batch.raw !== null) raw.push(...batch.raw);
    }
  });
  expectDataError(result);
  expect(lines.every((line, i) => i === 0 || line > lines[i - 1]!)).toBe(true);
  return { X, lines, raw, error: result.ok ? undefined : result.message };
}

// -------------------------------------------------------------------------------------------------
// Arbitraries

/** Bytes from a CSV-ish alphabet: digits, separators, quotes, signs, letters, odd bytes. */
const csvishBytes = fc
  .array(fc.constantFrom(...'0123456789.,,,\n\n\r"" -+eE\tabNI\u0000\u00ff'.split('').map((c) => c.charCodeAt(0))), { maxLength: 300 })
  .map((a) => Buffer.from(a));
const randomBytes = fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a));
/** A header of the expected columns, then random rows. */
const headedBytes = fc.tuple(fc.constantFrom(...OPTIONS.slice(0, 1)), csvishBytes).map(([, body]) => Buffer.concat([Buffer.from(`${SAMPLE[0]}\n`), body]));
const mutatedLabelled = fc
  .tuple(fc.constantFrom(...LABELLED_CORPUS), fc.array(mutationArb, { minLength: 1, maxLength: 6 }))
  .map(([{ bytes, options }, mutations]) => ({ bytes: mutateAll(bytes, mutations), options }));
const mutatedRows = fc
  .tuple(fc.constantFrom(...ROWS_CORPUS), fc.array(mutationArb, { minLength: 0, maxLength: 6 }))
  .map(([bytes, mutations]) => mutateAll(bytes, mutations));

// -------------------------------------------------------------------------------------------------

describe('fuzzing the labelled CSV reader (parseLabelledBuffer)', () => {
  it('the corpus itself parses', async () => {
    for (const { bytes, options } of LABELLED_CORPUS) expect(parseBoth(bytes, options)).toMatchObject({ ok: true });
    for (const bytes of ROWS_CORPUS) expect((await streamRows(bytes, [], true)).lines).toHaveLength(SAMPLE.length - 1);
  });

  it(
    'random bytes: a DataError or well-formed data, the same from both parsers',
    () => {
      fc.assert(
        fc.property(fc.oneof(randomBytes, csvishBytes, headedBytes), fc.constantFrom(...OPTIONS), (bytes, options) => {
          parseBoth(bytes, options);
        }),
        fuzzParams(600),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'mutations of valid files: a DataError or well-formed data, the same from both parsers',
    () => {
      let parsed = 0;
      fc.assert(
        fc.property(mutatedLabelled, ({ bytes, options }) => {
          if (parseBoth(bytes, options).ok) parsed++;
        }),
        fuzzParams(1500),
      );
      expect(parsed).toBeGreaterThan(0); // the mutations leave some files valid: both outcomes are exercised
    },
    FUZZ_TIMEOUT,
  );

  it(
    'stdin gives what the buffer gives',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            mutatedLabelled.map((m) => m.bytes),
            csvishBytes,
          ),
          fc.array(fc.nat(), { maxLength: 6 }),
          async (bytes, cuts) => {
            const points = [0, ...cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length];
            const chunks = points
              .slice(1)
              .map((p, i) => bytes.subarray(points[i]!, p))
              .filter((c) => c.length > 0);
            const fromStdin = await outcomeAsync(async () => {
              const data = await readLabelledCsv('-', { stdin: Readable.from(chunks, { objectMode: false }) });
              return wellFormedLabelled({ ...data, source: 'fuzz.csv' }, {});
            });
            const fromBuffer = outcome(() => wellFormedLabelled(parseLabelledBuffer(bytes, '<stdin>'), {}));
            expect(fromStdin).toEqual(fromBuffer);
          },
        ),
        fuzzParams(300),
      );
    },
    FUZZ_TIMEOUT,
  );
});

describe('fuzzing the streaming row reader (openFeatureRows)', () => {
  it(
    'random bytes and mutations: a DataError or finite rows, the same however the input is cut',
    async () => {
      let rowsSeen = 0;
      await fc.assert(
        fc.asyncProperty(fc.oneof(mutatedRows, randomBytes, csvishBytes), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), async (bytes, cuts, keepRaw) => {
          const whole = await streamRows(bytes, [], keepRaw);
          const pieces = await streamRows(bytes, cuts, keepRaw);
          if (hasNul(bytes)) {
            // A chunk holding a NUL byte is refused before its rows are parsed, so the rows answered
            // before the error depend on where the chunks end (see the report): both fail, and the
            // whole input's rows are a prefix of the chunked input's.
            expect(whole.error).toBeDefined();
            expect(pieces.error).toBeDefined();
            expect(pieces.lines.slice(0, whole.lines.length)).toEqual(whole.lines);
          } else {
            expect(pieces).toEqual(whole);
          }
          rowsSeen += whole.lines.length;
        }),
        fuzzParams(800),
      );
      expect(rowsSeen).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT,
  );

  it(
    'a byte at a time',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          mutatedRows.filter((bytes) => !hasNul(bytes)),
          async (bytes) => {
            const whole = await streamRows(bytes, [], false);
            const bytewise = await streamRows(
              bytes,
              Array.from({ length: bytes.length }, (_, i) => i),
              false,
            );
            expect(bytewise).toEqual(whole);
          },
        ),
        fuzzParams(60),
      );
    },
    FUZZ_TIMEOUT,
  );
});
