/**
 * Differential tests: the hand-written fast path and the csv-parse path must give the same
 * matrix, labels, line numbers, raw fields — or the same error message — on every input.
 *
 * Generated inputs are unquoted CSVs (the fast path's domain): numbers in many spellings,
 * bad values, LF/CRLF, blank lines, a BOM, a missing trailing newline, ragged rows. The same
 * tables are also written fully quoted, which sends them down the csv-parse path even in 'auto'
 * mode, and streamed in random chunk sizes (chunk boundaries inside fields and inside CRLF).
 */
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import {
  csvParseInternals,
  csvPathStats,
  openFeatureRows,
  parseLabelledBuffer,
  parseNumber,
  type ParserChoice,
  type ReadLabelledOptions,
} from '../../src/io/csv/index.js';
import { scan, scanDecimal } from '../../src/io/csv/numbers.js';

const chars = (alphabet: string, minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...alphabet), { minLength, maxLength }).map((a) => a.join(''));

const digits = (min: number, max: number) => chars('0123456789', min, max);
const sign = fc.constantFrom('', '', '-', '+');
const space = fc.constantFrom('', '', '', '', ' ', '\t', '  ');

/** Decimal literals in the spellings pandas accepts, most of them valid. */
const numberLiteral: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(String) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(sign, digits(0, 19), fc.option(digits(0, 19)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), sign, digits(1, 4))))
      .map(([s, int, frac, exp]) => {
        const whole = int === '' && (frac === null || frac === '') ? '0' : int; // keep it a number
        return `${s}${whole}${frac === null ? '' : `.${frac}`}${exp === null ? '' : exp.join('')}`;
      }),
  },
  { weight: 1, arbitrary: fc.integer().map(String) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '0',
      '-0',
      '+0',
      '0.0',
      '-0.0e7',
      '5.',
      '.5',
      '1e3',
      '1E+3',
      '1e-3',
      '0.1',
      '2.2250738585072011e-308',
      '1.7976931348623157e308',
      '1.7976931348623159e308',
      '4.9e-324',
      '1e-400',
      '9007199254740993',
      '123456789012345678',
      '0.000000000000000000000000001234',
      '1000000000000000000000000',
      '999999999999999.9',
    ),
  },
);

/** Values that are not acceptable features (each has its own error message). */
const badValue = fc.constantFrom(
  '',
  ' ',
  'abc',
  'NaN',
  'nan',
  'inf',
  '-Infinity',
  'Infinity',
  '1e400',
  '-1e999',
  '0x1F',
  '1_000',
  '1e',
  '.',
  '-',
  '+',
  'e5',
  '1.2.3',
  '١',
  'x y',
  '\u00a05',
  'é',
  '1 2',
  '5\r',
  '\r',
);

const finiteLiteral = numberLiteral.filter((text) => Number.isFinite(Number(text)));

const numberCell = (withBad: boolean, allowCr = true): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 40, arbitrary: fc.tuple(space, finiteLiteral, space).map((p) => p.join('')) },
    { weight: withBad ? 1 : 0, arbitrary: allowCr ? badValue : badValue.filter((v) => !v.includes('\r')) },
  );

const labelCell = (withEmpty: boolean, allowCr: boolean): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom('setosa', 'versicolor', 'virginica', '1', '2.0', 'é花🌸', ' sp ace ') },
    { weight: withEmpty ? 1 : 0, arbitrary: fc.constant('') },
    {
      weight: 6,
      arbitrary: fc
        .string({ minLength: 1, maxLength: 6 })
        .map((s) => s.replace(allowCr ? /[",\n\0]/g : /[",\n\0\r]/g, ''))
        .filter((s) => s !== '' || withEmpty),
    },
  );

const lineEnd = fc.constantFrom('\n', '\n', '\r\n');
const blankLine = fc.constantFrom('', ' ', '\t', '  \t ');

interface Table {
  header: string[];
  /** Data rows as cells (possibly ragged); `null` is a blank line. */
  rows: (string[] | null)[];
  ends: string[];
  bom: boolean;
  trailingNewline: boolean;
}

/** A labelled table: feature columns, an optional ignored text column, a label column last. */
function labelledTable(options: { allowBad: boolean; allowCr: boolean }): fc.Arbitrary<Table> {
  return fc
    .record({
      nFeatures: fc.integer({ min: 1, max: 4 }),
      ignored: fc.boolean(),
      nRows: fc.integer({ min: 0, max: 10 }),
      duplicateHeader: fc.nat({ max: 40 }),
      // Half of the tables are clean, so that successful parses are compared as often as errors.
      dirty: fc.boolean(),
    })
    .chain(({ nFeatures, ignored, nRows, duplicateHeader, dirty }) => {
      const allowBad = options.allowBad && dirty;
      const header = Array.from({ length: nFeatures }, (_, i) => `f${i}`);
      if (ignored) header.splice(1, 0, 'note é');
      header.push('species');
      if (duplicateHeader === 0 && allowBad) header[0] = 'species';
      const ncols = header.length;
      const cell = (j: number): fc.Arbitrary<string> =>
        j === ncols - 1 ? labelCell(allowBad, options.allowCr) : ignored && j === 1 ? labelCell(true, options.allowCr) : numberCell(allowBad, options.allowCr);
      const fullRow = fc.tuple(...Array.from({ length: ncols }, (_, j) => cell(j)));
      const row: fc.Arbitrary<string[] | null> = fc.oneof(
        { weight: 60, arbitrary: fullRow.map((r) => [...r]) },
        { weight: 2, arbitrary: fc.constant(null) },
        {
          weight: allowBad ? 1 : 0,
          arbitrary: fc.tuple(fullRow, fc.integer({ min: 0, max: ncols + 1 })).map(([r, k]) => (k < ncols ? r.filter((_, j) => j !== k) : [...r, '9'])),
        },
      );
      return fc
        .record({
          header: fc.constant(header),
          rows: fc.array(row, { minLength: nRows, maxLength: nRows }),
          ends: fc.array(lineEnd, { minLength: nRows + 1, maxLength: nRows + 1 }),
          blanks: fc.array(blankLine, { minLength: nRows + 1, maxLength: nRows + 1 }),
          bom: fc.boolean(),
          trailingNewline: fc.boolean(),
        })
        .map(({ header: h, rows, ends, blanks, bom, trailingNewline }) => ({
          header: h,
          rows: rows.map((r, i) => r ?? [blanks[i]!]),
          ends,
          bom,
          trailingNewline,
        }));
    });
}

const quoteField = (field: string): string => `"${field.replace(/"/g, '""')}"`;

/** The table as CSV text; `quoted` writes every field of every non-blank line in quotes. */
function render(table: Table, quoted: boolean): Buffer {
  const lines = [table.header, ...table.rows.map((r) => r ?? [])].map((cells) => {
    const plain = cells.join(',');
    return quoted && !/^[ \t]*$/.test(plain) ? cells.map(quoteField).join(',') : plain;
  });
  let text = table.bom ? '\ufeff' : '';
  lines.forEach((line, i) => {
    text += line;
    if (i < lines.length - 1 || table.trailingNewline) text += table.ends[i]!;
  });
  return Buffer.from(text);
}

type Outcome =
  | { ok: true; columns: string[]; target: string; features: string[]; X: number[]; rows: number; labels: string[]; lines: number[] }
  | { ok: false; error: string; message: string; hint: string | undefined };

function labelledOutcome(bytes: Buffer, options: ReadLabelledOptions): Outcome {
  try {
    const data = parseLabelledBuffer(bytes, 'gen.csv', options);
    return {
      ok: true,
      columns: data.columns,
      target: data.target,
      features: data.features,
      X: Array.from(data.X.data),
      rows: data.X.rows,
      labels: data.labels,
      lines: Array.from(data.lines),
    };
  } catch (error) {
    // Never a raw csv-parse exception or a TypeError: always a DataError with a message.
    expect(error).toBeInstanceOf(DataError);
    const e = error as DataError;
    return { ok: false, error: e.name, message: e.message, hint: e.hint };
  }
}

const optionsFor = (header: string[]): fc.Arbitrary<ReadLabelledOptions> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: fc.shuffledSubarray(header.slice(0, -1), { minLength: 1 }).map((features) => ({ target: header[header.length - 1]!, features })),
    },
  );

describe('scanDecimal (fast path) agrees with parseNumber (csv-parse path)', () => {
  const check = (text: string, terminator: string): void => {
    const bytes = Buffer.from(text + terminator);
    const value = scanDecimal(bytes, 0, bytes.length);
    const expected = parseNumber(text);
    if (expected === undefined) expect(Number.isNaN(value), JSON.stringify(text)).toBe(true);
    else expect(Object.is(value, expected), `${JSON.stringify(text)}: ${value} vs ${expected}`).toBe(true);
    expect(scan.end).toBe(Buffer.byteLength(text));
  };

  it('on generated literals', () => {
    fc.assert(
      fc.property(fc.tuple(space, numberLiteral, space), fc.constantFrom('', ',', '\n', '\r\n', ',x'), (p, t) => check(p.join(''), t)),
      { numRuns: 3000 },
    );
  });

  it('on random text over the characters of numbers', () => {
    fc.assert(fc.property(chars('0123456789.eE+- \tx_', 0, 24), fc.constantFrom('', ',', '\n', '\r\n'), check), { numRuns: 3000 });
  });

  it('on the edges of the exact fast path (15 digits, 10^±22)', () => {
    for (const m of ['1', '9', '123456789012345', '999999999999999', '1234567890123456', '9007199254740993']) {
      for (let e = -30; e <= 30; e++) {
        check(`${m}e${e}`, '');
        check(`-${m}.5e${e}`, ',');
        check(`0.${m}e${e}`, '\n');
      }
    }
  });
});

describe('readLabelledCsv: fast path == csv-parse', () => {
  it('on generated unquoted CSV', () => {
    let ok = 0;
    let failed = 0;
    fc.assert(
      fc.property(
        labelledTable({ allowBad: true, allowCr: true }).chain((table) => fc.tuple(fc.constant(table), optionsFor(table.header))),
        ([table, options]) => {
          const bytes = render(table, false);
          csvPathStats.fast = 0;
          csvPathStats.csvParse = 0;
          const fast = labelledOutcome(bytes, options);
          expect(csvPathStats.csvParse).toBe(0); // no quotes: the fast path did all the work
          const reference = labelledOutcome(bytes, { ...options, parser: 'csv-parse' });
          expect(csvPathStats.csvParse).toBeGreaterThan(0);
          expect(fast).toEqual(reference);
          if (fast.ok) ok++;
          else failed++;
        },
      ),
      { numRuns: 600 },
    );
    // Both outcomes must be well represented, or the comparison proves little.
    expect(ok).toBeGreaterThan(150);
    expect(failed).toBeGreaterThan(150);
  });

  it('on the same tables written fully quoted', () => {
    fc.assert(
      fc.property(labelledTable({ allowBad: true, allowCr: false }), (table) => {
        const plain = labelledOutcome(render(table, false), {});
        const quoted = render(table, true);
        expect(labelledOutcome(quoted, {})).toEqual(plain);
        expect(labelledOutcome(quoted, { parser: 'csv-parse' })).toEqual(plain);
      }),
      { numRuns: 300 },
    );
  });

  it('on arbitrary text (mostly errors)', () => {
    fc.assert(
      fc.property(chars('01.e-+ \t,\n\r\rab"\ufeff', 0, 60), (text) => {
        const bytes = Buffer.from(text);
        expect(labelledOutcome(bytes, {})).toEqual(labelledOutcome(bytes, { parser: 'csv-parse' }));
      }),
      { numRuns: 1000 },
    );
  });
});

// -------------------------------------------------------------------------------------------------
// Dialects

/** Labels free of the dialect's delimiters, so that one table can be written in every dialect. */
function plainLabels(table: Table): Table {
  return { ...table, rows: table.rows.map((r) => r?.map((cell) => cell.replace(/[;|\t]/g, '')) ?? null), header: table.header };
}

/** The table with another delimiter, decimal mark or line end. */
function renderDialect(table: Table, delimiter: string, decimalComma: boolean, crOnly: boolean): Buffer {
  // Every column but the label is a feature by default.
  const label = table.header.length - 1;
  const convert = (cells: string[], header: boolean) =>
    cells.map((cell, j) => (!header && decimalComma && j !== label ? cell.replace('.', ',') : cell)).join(delimiter);
  const lines = [
    convert(table.header, true),
    ...table.rows.map((r) => (r === null ? '' : r.length === 1 && /^[ \t]*$/.test(r[0]!) ? r[0]! : convert(r, false))),
  ];
  let text = table.bom ? '\ufeff' : '';
  lines.forEach((line, i) => {
    text += line;
    if (i < lines.length - 1 || table.trailingNewline) text += crOnly ? '\r' : table.ends[i]!;
  });
  return Buffer.from(text);
}

describe('dialects: the same table with another delimiter, decimal mark or line ends reads the same', () => {
  it('on generated tables, both paths, csv-parse with and without its record API', () => {
    fc.assert(
      fc.property(
        labelledTable({ allowBad: true, allowCr: false }).map(plainLabels),
        fc.constantFrom(';', '\t', '|'),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (table, delimiter, decimalComma, crOnly, sniff) => {
          const expected = labelledOutcome(render(table, false), {});
          const bytes = renderDialect(table, delimiter, decimalComma, crOnly);
          const options: ReadLabelledOptions = { delimiter: sniff ? 'auto' : (delimiter as ';'), decimal: decimalComma ? ',' : '.' };
          const fast = labelledOutcome(bytes, options);
          if (expected.ok || fast.ok) expect(fast).toEqual(expected);
          else expect(fast.ok).toBe(false); // the same failure, worded for the dialect (field counts name the delimiter)
          expect(labelledOutcome(bytes, { ...options, parser: 'csv-parse' })).toEqual(fast);
          csvParseInternals.useApi = false;
          try {
            expect(labelledOutcome(bytes, { ...options, parser: 'csv-parse' })).toEqual(fast);
          } finally {
            csvParseInternals.useApi = true;
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('CR-only input streamed in any chunks reads as its LF version', async () => {
    await fc.assert(
      fc.asyncProperty(featureInput, async ({ bytes, features, sizes }) => {
        const text = bytes.toString('utf8');
        fc.pre(!text.includes('"') && !text.includes('\r'));
        const cr = Buffer.from(text.replace(/\n/g, '\r'));
        const whole = await streamOutcome(bytes, features, [], 'auto');
        expect(await streamOutcome(cr, features, sizes, 'auto')).toEqual(whole);
        expect(await streamOutcome(cr, features, [1], 'csv-parse')).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });
});

// -------------------------------------------------------------------------------------------------
// Streaming

interface StreamOutcome {
  X: number[];
  lines: number[];
  raw: string[][];
  columns: string[] | string;
  error: string | null;
}

function chunks(bytes: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0, k = 0; pos < bytes.length; k++) {
    const size = sizes.length === 0 ? bytes.length : sizes[k % sizes.length]!;
    out.push(bytes.subarray(pos, pos + size));
    pos += size;
  }
  return out;
}

async function streamOutcome(bytes: Buffer, features: string[], sizes: number[], parser: ParserChoice): Promise<StreamOutcome> {
  const rows = openFeatureRows(Readable.from(chunks(bytes, sizes)), {
    features,
    source: 'gen.csv',
    keepRaw: true,
    parser,
  });
  const out: StreamOutcome = { X: [], lines: [], raw: [], columns: [], error: null };
  try {
    for await (const batch of rows.batches()) {
      expect(batch.n).toBeGreaterThan(0);
      expect(batch.X.length).toBe(batch.n * features.length);
      out.X.push(...batch.X);
      out.lines.push(...batch.lines);
      out.raw.push(...(batch.raw ?? []));
    }
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    out.error = (error as Error).message;
  }
  out.columns = await rows.inputColumns().catch((error: Error) => `error: ${error.message}`);
  return out;
}

/** Input for `predict`: a header in some order with extra columns, or no header. */
const featureInput = fc
  .record({
    table: labelledTable({ allowBad: true, allowCr: false }),
    headerless: fc.boolean(),
    sizes: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
    quoted: fc.boolean(),
  })
  .chain(({ table, headerless, sizes, quoted }) =>
    fc.shuffledSubarray(table.header.slice(0, -1), { minLength: 1 }).map((features) => {
      const input: Table = headerless ? { ...table, header: table.rows.find((r) => r !== null && r.length > 1) ?? ['1', '2'] } : table;
      const modelFeatures = headerless ? Array.from({ length: input.header.length }, (_, i) => `m${i}`) : [...new Set(features)];
      return { bytes: render(input, quoted), features: modelFeatures, sizes };
    }),
  );

describe('openFeatureRows: fast path == csv-parse, whatever the chunk boundaries', () => {
  it('on generated input', async () => {
    await fc.assert(
      fc.asyncProperty(featureInput, async ({ bytes, features, sizes }) => {
        const whole = await streamOutcome(bytes, features, [], 'auto');
        expect(await streamOutcome(bytes, features, [], 'csv-parse')).toEqual(whole);
        expect(await streamOutcome(bytes, features, sizes, 'auto')).toEqual(whole);
        expect(await streamOutcome(bytes, features, sizes, 'csv-parse')).toEqual(whole);
        expect(await streamOutcome(bytes, features, [1], 'auto')).toEqual(whole);
      }),
      { numRuns: 250 },
    );
  });

  it('on quoted fields holding newlines, quotes and commas', async () => {
    const richLabel = fc.array(fc.constantFrom('a', 'é', ',', '"', '\n', '\r\n', ' ', '1'), { maxLength: 6 }).map((a) => a.join(''));
    const input = fc.record({
      rows: fc.array(fc.tuple(numberCell(false), richLabel, lineEnd), { maxLength: 8 }),
      sizes: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(input, async ({ rows, sizes }) => {
        const text = 'x,label\n' + rows.map(([x, label, end]) => `${x},${quoteField(label)}${end}`).join('');
        const bytes = Buffer.from(text);
        const whole = await streamOutcome(bytes, ['x'], [], 'auto');
        expect(whole.error).toBeNull();
        expect(whole.raw.map((r) => r[1])).toEqual(rows.map(([, label]) => label));
        expect(await streamOutcome(bytes, ['x'], sizes, 'auto')).toEqual(whole);
        expect(await streamOutcome(bytes, ['x'], [1], 'csv-parse')).toEqual(whole);
        // Line numbers are physical: each row starts after the line ends of the rows before it.
        let line = 2;
        rows.forEach(([, label], i) => {
          expect(whole.lines[i]).toBe(line);
          line += 1 + (label.match(/\n/g)?.length ?? 0);
        });
      }),
      { numRuns: 200 },
    );
  });
});
