/**
 * Fuzzing the table paths of the CSV reader (docs/CLI.md "Tables"): generated tables with missing
 * markers, categories holding quotes, delimiters, line breaks and non-ASCII text, numbers and
 * True/False, written with each delimiter and read back through both parsers (fast path and
 * csv-parse) and the streaming reader a model uses; plus byte mutations of a valid table.
 * Every cell must come back as written: NaN for a missing value, the number, or the category's text.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IrisError } from '../../src/core/errors.js';
import { DEFAULT_NA_VALUES, type Preprocessing } from '../../src/core/preprocessing.js';
import { openFeatureRows, parseLabelledBuffer, readLabelledCsv } from '../../src/io/csv/index.js';
import { ModelCells } from '../../src/io/csv/table-cells.js';
import { FUZZ_TIMEOUT, fuzzParams, mutateAll, mutationArb } from './fuzz-settings.js';

type Kind = 'num' | 'cat' | 'bool' | 'forced';
const NA = ['', 'NA', 'n/a', 'null', 'NaN', '#N/A', '<NA>'];
const WORDS = ['a', 'B', 'é', '日本', 'x,y', 'say "hi"', '🐧', ' sp', 'tab\there', 'semi;colon', 'pipe|d', 'two\nlines', 'None', '?'];
const FORCED = ['1', '1.0', '007', 'a', '-2', 'ü'];

const cellArb = (kind: Kind) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...NA) },
    {
      weight: 5,
      arbitrary:
        kind === 'num'
          ? fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }).map(String)
          : kind === 'bool'
            ? fc.constantFrom('True', 'False', 'true', 'FALSE')
            : fc.constantFrom(...(kind === 'cat' ? WORDS : FORCED)),
    },
  );

const tableArb = fc.array(fc.constantFrom<Kind>('num', 'cat', 'bool', 'forced'), { minLength: 1, maxLength: 4 }).chain((kinds) =>
  fc.record({
    kinds: fc.constant(kinds),
    rows: fc.array(fc.tuple(fc.tuple(...kinds.map(cellArb)), fc.constantFrom('p', 'q', 'r')), { minLength: 1, maxLength: 12 }),
    delimiter: fc.constantFrom(',', ';', '\t', '|'),
    quoteAll: fc.boolean(),
  }),
);

function field(text: string, delimiter: string, quoteAll: boolean): string {
  const needs = text.includes(delimiter) || text.includes('"') || text.includes('\n') || text.includes('\r');
  return needs || (quoteAll && text !== '') ? `"${text.replace(/"/g, '""')}"` : text;
}

function write(t: { kinds: Kind[]; rows: (readonly [readonly string[], string])[]; delimiter: string; quoteAll: boolean }): Buffer {
  const names = t.kinds.map((k, j) => `${k}${j}`);
  const lines = [
    [...names, 'label'].join(t.delimiter),
    ...t.rows.map(([cells, label]) => [...cells.map((c) => field(c, t.delimiter, t.quoteAll)), label].join(t.delimiter)),
  ];
  return Buffer.from(lines.join('\n') + '\n');
}

function outcome<T>(fn: () => T): { ok: true; value: T } | { ok: false; message: string } {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (!(error instanceof IrisError)) throw error;
    expect(error.kind === 'data' || error.kind === 'usage').toBe(true);
    expect(error.message).not.toMatch(/\n/);
    return { ok: false, message: error.message };
  }
}

const NA_SET = new Set(DEFAULT_NA_VALUES);
const isTrue = (t: string) => /^(True|TRUE|true)$/.test(t);

describe('fuzzing the table reader', () => {
  it(
    'generated tables come back cell for cell, the same from both parsers',
    () => {
      fc.assert(
        fc.property(tableArb, (t) => {
          const bytes = write(t);
          const names = t.kinds.map((k, j) => `${k}${j}`);
          const options = {
            target: 'label',
            delimiter: t.delimiter as ',' | ';' | '\t' | '|',
            table: { naValues: DEFAULT_NA_VALUES, categorical: names.filter((_, j) => t.kinds[j] === 'forced') },
          };
          const fast = outcome(() => parseLabelledBuffer(bytes, 'fuzz.csv', options));
          const slow = outcome(() => parseLabelledBuffer(bytes, 'fuzz.csv', { ...options, parser: 'csv-parse' }));
          const comparable = (o: typeof fast) => (o.ok ? { X: Array.from(o.value.X.data), labels: o.value.labels, columns: o.value.table!.columns } : o);
          expect(comparable(slow)).toEqual(comparable(fast));
          // A column of words and numbers, or of only missing values (no kind), can fail; nothing else may.
          if (!fast.ok) return;
          const data = fast.value;
          expect(data.X.rows).toBe(t.rows.length);
          const cols = data.table!.columns;
          t.rows.forEach(([cells], i) => {
            cells.forEach((text, j) => {
              const v = data.X.data[i * data.X.cols + j]!;
              if (NA_SET.has(text)) {
                expect(Number.isNaN(v), `row ${i} col ${j} ${JSON.stringify(text)}`).toBe(true);
              } else if (cols[j]!.kind === 'categorical') {
                expect(cols[j]!.dictionary![v]).toBe(text);
              } else if (t.kinds[j] === 'bool') {
                expect(v).toBe(isTrue(text) ? 1 : 0);
              } else {
                expect(v).toBe(Number(text));
              }
            });
          });
          cols.forEach((c, j) => {
            // A column with no value but missing ones has no kind to find (training refuses it).
            if (t.kinds[j] !== 'forced' && t.rows.every(([cells]) => NA_SET.has(cells[j]!))) return;
            if (t.kinds[j] === 'cat' || t.kinds[j] === 'forced') expect(c.kind).toBe('categorical');
            else expect(c.kind).toBe('numeric');
          });
        }),
        fuzzParams(300),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'a table streamed in pieces cut anywhere (stdin) reads as the whole buffer does: kinds, counts of missing values, cells',
    async () => {
      await fc.assert(
        fc.asyncProperty(tableArb, fc.array(fc.nat(), { maxLength: 6 }), async (t, cuts) => {
          const bytes = write(t);
          const names = t.kinds.map((k, j) => `${k}${j}`);
          const options = {
            target: 'label',
            delimiter: t.delimiter as ',' | ';' | '\t' | '|',
            table: { naValues: DEFAULT_NA_VALUES, categorical: names.filter((_, j) => t.kinds[j] === 'forced') },
          };
          const points = [...new Set(cuts.map((p) => p % bytes.length))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let last = 0;
          for (const p of [...points, bytes.length]) {
            if (p > last) chunks.push(bytes.subarray(last, p));
            last = p;
          }
          const whole = outcome(() => parseLabelledBuffer(bytes, '<stdin>', options));
          let streamed: typeof whole;
          try {
            streamed = { ok: true, value: await readLabelledCsv('-', { ...options, stdin: Readable.from(chunks) }) };
          } catch (error) {
            if (!(error instanceof IrisError)) throw error;
            streamed = { ok: false, message: error.message };
          }
          // Cells as values: a category by its text (codes depend on the order words were first met,
          // and a record read before it was complete may leave an unused piece of a word behind).
          const comparable = (o: typeof whole) => {
            if (!o.ok) return o;
            const { X, labels, table } = o.value;
            const cells = Array.from(X.data, (v, i) => {
              const column = table!.columns[i % X.cols]!;
              return column.kind === 'categorical' && v === v ? column.dictionary![v] : v;
            });
            return { cells, labels, columns: table!.columns.map((c) => c.kind), missing: table!.missing };
          };
          expect(comparable(streamed)).toEqual(comparable(whole));
        }),
        fuzzParams(200),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'mutated bytes of a table: an error naming the file, or data the two parsers agree on',
    () => {
      const base = Buffer.from('n,c,b,y\n1.5,"a,b",True,p\nNA,é,False,q\n,"say ""hi""",,p\n-2e3,日本,true,NA\n');
      fc.assert(
        fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 6 }), (mutations) => {
          const bytes = mutateAll(base, mutations);
          const options = { table: { naValues: DEFAULT_NA_VALUES } };
          const fast = outcome(() => parseLabelledBuffer(bytes, 'fuzz.csv', options));
          const slow = outcome(() => parseLabelledBuffer(bytes, 'fuzz.csv', { ...options, parser: 'csv-parse' }));
          const comparable = (o: typeof fast) => (o.ok ? { X: Array.from(o.value.X.data), labels: o.value.labels, columns: o.value.table!.columns } : o);
          expect(comparable(slow)).toEqual(comparable(fast));
          if (!fast.ok) expect(fast.message).toMatch(/^fuzz\.csv\b|^--|^column /);
        }),
        fuzzParams(300),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "the streaming reader of a model's rows: known categories as indices, unknown ones past them, missing as NaN, however the input is cut",
    async () => {
      const pre: Preprocessing = {
        columns: [
          { name: 'n', kind: 'numeric', impute: 0 },
          { name: 'c', kind: 'categorical', categories: ['a', 'x,y', 'é', '🐧'], impute: 'a' },
        ],
        naValues: DEFAULT_NA_VALUES,
        impute: { strategy: 'most_frequent', fillValue: null },
        dropna: 'none',
      };
      const rowArb = fc.tuple(cellArb('num'), fc.constantFrom('a', 'x,y', 'é', '🐧', 'zz', '日本', '', 'NA', 'say "hi"'));
      await fc.assert(
        fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 10 }), fc.array(fc.nat(), { maxLength: 5 }), async (rows, cuts) => {
          const text = ['n,c', ...rows.map(([n, c]) => `${field(n, ',', false)},${field(c, ',', false)}`)].join('\n') + '\n';
          const bytes = Buffer.from(text);
          const points = [...new Set(cuts.map((p) => p % bytes.length))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let last = 0;
          for (const p of [...points, bytes.length]) {
            if (p > last) chunks.push(bytes.subarray(last, p));
            last = p;
          }
          const cells = new ModelCells('fuzz.csv', pre, '.');
          const reader = openFeatureRows(Readable.from(chunks), { features: ['n', 'c'], source: 'fuzz.csv', cells });
          const X: number[] = [];
          for await (const batch of reader.batches()) X.push(...batch.X.subarray(0, batch.n * 2));
          expect(X.length).toBe(rows.length * 2);
          const categories = (pre.columns[1] as { categories: readonly string[] }).categories;
          rows.forEach(([n, c], i) => {
            expect(NA_SET.has(n) ? Number.isNaN(X[2 * i]!) : X[2 * i] === Number(n)).toBe(true);
            const v = X[2 * i + 1]!;
            if (NA_SET.has(c)) expect(Number.isNaN(v)).toBe(true);
            else expect(v).toBe(categories.includes(c) ? categories.indexOf(c) : categories.length);
          });
          const unknown = rows.filter(([, c]) => !NA_SET.has(c) && !categories.includes(c)).length;
          expect(cells.unknownCounts().reduce((a, u) => a + u.rows, 0)).toBe(unknown);
        }),
        fuzzParams(200),
      );
    },
    FUZZ_TIMEOUT,
  );
});
