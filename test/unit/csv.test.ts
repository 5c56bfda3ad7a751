import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/core/errors.js';
import {
  csvPathStats,
  openFeatureRows,
  parseLabelledBuffer,
  parseNumber,
  readLabelledCsv,
  sha256File,
  type FeatureRowsOptions,
  type LabelledData,
  type RowBatch,
} from '../../src/io/csv/index.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/csv/', import.meta.url));
const golden = (name: string): string => join(FIXTURES, 'golden', name);
const broken = (name: string): string => join(FIXTURES, 'broken', name);
const BUNDLED = fileURLToPath(new URL('../../data/iris.csv', import.meta.url));

const tmp = mkdtempSync(join(tmpdir(), 'iris-csv-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The rows of X as nested arrays. */
function rowsOf(data: LabelledData): number[][] {
  const { data: x, rows, cols } = data.X;
  return Array.from({ length: rows }, (_, i) => Array.from(x.subarray(i * cols, (i + 1) * cols)));
}

async function rejection(promise: Promise<unknown>): Promise<DataError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    expect(error).not.toBeInstanceOf(UsageError);
    return error as DataError;
  }
  throw new Error('expected the promise to reject');
}

function thrown(fn: () => unknown): DataError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return error as DataError;
  }
  throw new Error('expected a DataError');
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))]);
}

describe('parseNumber', () => {
  it.each([
    ['5', 5],
    ['-0.5', -0.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['+1', 1],
    ['  4.25\t', 4.25],
    ['007', 7],
    ['5.e2', 500],
    ['-.5e+1', -5],
    ['0.1', 0.1],
    ['123456789012345678901234567890', 1.2345678901234568e29],
    ['2.2250738585072011e-308', 2.225073858507201e-308],
    ['1e-400', 0],
  ])('reads %j', (text, value) => {
    expect(parseNumber(text)).toBe(value);
  });

  it('keeps the sign of zero and returns Infinity on overflow', () => {
    expect(Object.is(parseNumber('-0'), -0)).toBe(true);
    expect(Object.is(parseNumber('-0.0e5'), -0)).toBe(true);
    expect(parseNumber('1e400')).toBe(Infinity);
    expect(parseNumber('-1e400')).toBe(-Infinity);
  });

  it.each([
    '',
    ' ',
    '.',
    '-',
    '+',
    'e3',
    '1e',
    '1e+',
    '.e1',
    '0x1A',
    '0b1',
    'Infinity',
    '-Infinity',
    'inf',
    'nan',
    'NaN',
    '1_000',
    '1,5',
    '1 000',
    '--1',
    '+-1',
    '1.2.3',
    '١',
    '5\r',
    '5\n',
    '\u00a05',
    'abc',
  ])('rejects %j', (text) => {
    expect(parseNumber(text)).toBeUndefined();
  });
});

describe('readLabelledCsv: golden files', () => {
  it('reads quoted fields with commas, escaped quotes and newlines', async () => {
    const path = golden('quoted.csv');
    const data = await readLabelledCsv(path);
    expect(data.source).toBe(path);
    expect(data.columns).toEqual(['sepal length', 'width, cm', 'note "x"', 'species']);
    expect(data.target).toBe('species');
    expect(data.features).toEqual(['sepal length', 'width, cm', 'note "x"']);
    expect(rowsOf(data)).toEqual([
      [5.1, 3.5, 1.4],
      [4.9, 3.0, 1.4],
      [4.7, 3.2, 1.3],
    ]);
    expect(data.labels).toEqual(['Iris "setosa", wild', 'two\nlines', 'plain']);
    expect(Array.from(data.lines)).toEqual([2, 3, 5]);
    const bytes = readFileSync(path);
    expect(data.sha256).toBe(sha256(bytes));
    expect(data.bytes).toBe(bytes.length);
  });

  it('reads CRLF with a BOM, blank lines and no trailing newline', async () => {
    const data = await readLabelledCsv(golden('crlf-bom.csv'));
    expect(data.columns).toEqual(['a', 'b', 'label']);
    expect(rowsOf(data)).toEqual([
      [1, 2],
      [-0.5, 0.5],
      [5, 1000],
    ]);
    expect(data.labels).toEqual(['x', 'y', 'x']);
    expect(Array.from(data.lines)).toEqual([3, 5, 7]);
    expect(data.X).toMatchObject({ rows: 3, cols: 2 });
  });

  it('reads Unicode column names and labels', async () => {
    const data = await readLabelledCsv(golden('unicode.csv'));
    expect(data.columns).toEqual(['longueur_pétale', 'largeur_花', 'espèce']);
    expect(data.target).toBe('espèce');
    expect(data.labels).toEqual(['setosa🌸', 'versicolor — ü']);
  });

  it('names the classes of an all-numeric label column by their whole-number value', async () => {
    const data = await readLabelledCsv(golden('numeric-labels.csv'));
    expect(data.labels).toEqual(['1', '2', '1']);
  });

  it('reads a single feature', async () => {
    const data = await readLabelledCsv(golden('single-feature.csv'));
    expect(data.features).toEqual(['x']);
    expect(data.X).toMatchObject({ rows: 3, cols: 1 });
    expect(Array.from(data.X.data)).toEqual([1, -2, 3.25]);
    expect(data.labels).toEqual(['a', 'b', 'a']);
  });

  it('honours --target and the order of --features; other columns are not read', async () => {
    const data = await readLabelledCsv(golden('quoted.csv'), {
      target: 'species',
      features: ['note "x"', 'width, cm'],
    });
    expect(data.target).toBe('species');
    expect(data.features).toEqual(['note "x"', 'width, cm']);
    expect(rowsOf(data)).toEqual([
      [1.4, 3.5],
      [1.4, 3.0],
      [1.3, 3.2],
    ]);
    expect(data.labels).toEqual(['Iris "setosa", wild', 'two\nlines', 'plain']);
  });

  it('refuses a continuous target, as scikit-learn does', async () => {
    await expect(readLabelledCsv(golden('quoted.csv'), { target: 'sepal length', features: ['width, cm'] })).rejects.toThrow(
      /quoted\.csv: column sepal length: Unknown label type: continuous \(the label "5\.1" is not a whole number\)/,
    );
  });

  it('reads a column that is neither target nor feature whatever it holds', async () => {
    // A column that is neither target nor feature may hold anything.
    const text = await readLabelledCsv(golden('reordered.csv'), { target: 'id', features: ['sepal_length'] });
    expect(Array.from(text.X.data)).toEqual([5.1, 6.2]);
    expect(text.labels).toEqual(['r1', 'r2']);
  });

  it('reads the bundled Iris data', async () => {
    const data = await readLabelledCsv(BUNDLED);
    expect(data.X).toMatchObject({ rows: 150, cols: 4 });
    expect(data.target).toBe('species');
    expect(data.features).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(rowsOf(data)[0]).toEqual([5.1, 3.5, 1.4, 0.2]);
    expect(new Set(data.labels)).toEqual(new Set(['setosa', 'versicolor', 'virginica']));
    expect(data.lines[149]).toBe(151);
    expect(data.sha256).toBe(await sha256File(BUNDLED));
  });

  it("reads stdin when the path is '-'", async () => {
    const chunks = ['a,b,y\n1,', '2,p\r', '\n3,4,q'];
    const data = await readLabelledCsv('-', { stdin: Readable.from(chunks) });
    expect(data.source).toBe('<stdin>');
    expect(rowsOf(data)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(data.labels).toEqual(['p', 'q']);
    expect(data.sha256).toBe(sha256(Buffer.from(chunks.join(''))));
    expect(data.bytes).toBe(chunks.join('').length);
  });

  it('lets a missing target pass when requireTarget is false', () => {
    const data = parseLabelledBuffer(Buffer.from('a,b\n1,2\n'), 'x.csv', {
      target: 'species',
      features: ['a', 'b'],
      requireTarget: false,
    });
    expect(Array.from(data.X.data)).toEqual([1, 2]);
    expect(data.labels).toEqual([]);
    const err = thrown(() => parseLabelledBuffer(Buffer.from('a,b\n1,2\n'), 'x.csv', { target: 'species', features: ['a', 'b'] }));
    expect(err.message).toBe('x.csv: no column "species"');
  });

  it('reads a large file across slice boundaries, with a quoted header, exactly as csv-parse does', () => {
    const lines = ['"f 1","f,2",label'];
    for (let i = 0; i < 60_000; i++) {
      const label = i < 4 ? (i % 3 === 0 ? '"c,0"' : 'c1') : i % 3 === 0 ? 'c,0'.replace(',', '0') : 'c1';
      lines.push(`${i % 97}.${i % 13},${-i}e-3,${label}`);
    }
    const bytes = Buffer.from(lines.join('\r\n'));
    expect(bytes.length).toBeGreaterThan(1 << 20);
    csvPathStats.fast = 0;
    csvPathStats.csvParse = 0;
    const auto = parseLabelledBuffer(bytes, 'big.csv');
    const reference = parseLabelledBuffer(bytes, 'big.csv', { parser: 'csv-parse' });
    expect(auto.X.rows).toBe(60_000);
    const bytesOf = (a: Float64Array | Int32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(bytesOf(auto.X.data).equals(bytesOf(reference.X.data))).toBe(true);
    expect(bytesOf(auto.lines).equals(bytesOf(reference.lines))).toBe(true);
    expect(auto.labels.join('\n') === reference.labels.join('\n')).toBe(true);
    expect(auto.labels.slice(0, 5)).toEqual(['c,0', 'c1', 'c1', 'c,0', 'c1']);
    expect(auto.labels[6]).toBe('c00');
    expect(Array.from(auto.X.data.subarray(0, 4))).toEqual([0, 0, 1.1, -0.001]);
    expect(csvPathStats.fast).toBeGreaterThan(0);
    expect(auto.lines[59_999]).toBe(60_001);
  });

  it('uses the fast path for quote-free input and csv-parse for quoted input', () => {
    csvPathStats.fast = 0;
    csvPathStats.csvParse = 0;
    parseLabelledBuffer(Buffer.from('a,b\n1,x\n'), 'p.csv');
    expect(csvPathStats).toEqual({ fast: 1, csvParse: 0 });
    parseLabelledBuffer(Buffer.from('a,b\n1,"x"\n'), 'p.csv');
    expect(csvPathStats.csvParse).toBe(1);
  });
});

describe('readLabelledCsv: errors', () => {
  it.each([
    ['not-a-number.csv', ':3: column sepal_width: "abc" is not a number'],
    ['empty-value.csv', ':3: column sepal_width: empty value'],
    ['nan.csv', ':3: column sepal_width: "NaN" is not a finite number'],
    ['overflow.csv', ':3: column sepal_width: "1e400" is not a finite number'],
    ['ragged.csv', ':4: expected 5 fields, found 4'],
    ['empty.csv', ': the file is empty'],
    ['blank-only.csv', ': the file is empty'],
    ['header-only.csv', ': has a header but no data rows'],
    ['binary.csv', ': looks like a binary file (NUL byte at offset 8)'],
    ['duplicate-header.csv', ':1: duplicate column name "x"'],
    ['empty-label.csv', ':3: column species: empty label'],
    ['unterminated.csv', ':3: unterminated quoted field'],
    ['quote-in-field.csv', ':3: column species: a double quote inside an unquoted field'],
  ])('%s', async (name, expected) => {
    const path = broken(name);
    const err = await rejection(readLabelledCsv(path));
    expect(err.message).toBe(`${path}${expected}`);
    expect(err.hint).toBeTruthy();
    // Both parsers agree, whether or not the file has quotes.
    const again = thrown(() => parseLabelledBuffer(readFileSync(path), path, { parser: 'csv-parse' }));
    expect(again.message).toBe(err.message);
  });

  it.each([
    ['inf', '"inf" is not a finite number'],
    ['-Infinity', '"-Infinity" is not a finite number'],
    [' nan ', '" nan " is not a finite number'],
    ['0x10', '"0x10" is not a number'],
    ['1_000', '"1_000" is not a number'],
    ['  ', 'empty value'],
  ])('describes the value %j', (value, expected) => {
    const err = thrown(() => parseLabelledBuffer(Buffer.from(`a,b\n1,x\n${value},y\n`), 'v.csv'));
    expect(err.message).toBe(`v.csv:3: column a: ${expected}`);
  });

  it('names a missing file, a directory and a file it may not read', async () => {
    const missing = join(tmp, 'nope.csv');
    expect((await rejection(readLabelledCsv(missing))).message).toBe(`${missing}: no such file`);
    expect((await rejection(readLabelledCsv(tmp))).message).toBe(`${tmp}: is a directory`);
    expect((await rejection(sha256File(missing))).message).toBe(`${missing}: no such file`);
    expect((await rejection(sha256File(tmp))).message).toBe(`${tmp}: is a directory`);
  });

  it.skipIf(process.getuid?.() === 0)('names a file it may not read', async () => {
    const locked = join(tmp, 'locked.csv');
    writeFileSync(locked, 'a,b\n1,x\n');
    chmodSync(locked, 0o000);
    expect((await rejection(readLabelledCsv(locked))).message).toBe(`${locked}: permission denied`);
  });

  it('names unknown columns and lists the available ones', async () => {
    const path = golden('single-feature.csv');
    const target = await rejection(readLabelledCsv(path, { target: 'foo' }));
    expect(target.message).toBe(`${path}: no column "foo"`);
    expect(target.hint).toContain('x, class');
    const feature = await rejection(readLabelledCsv(path, { features: ['X'] }));
    expect(feature.message).toBe(`${path}: no column "X"`);
    expect(feature.hint).toContain('did you mean "x"?');
  });

  it('refuses a feature named twice and the target among the features', () => {
    const bytes = Buffer.from('a,b,y\n1,2,p\n');
    expect(thrown(() => parseLabelledBuffer(bytes, 'f.csv', { features: ['a', 'a'] })).message).toBe('f.csv: column "a" is named twice in the features');
    expect(thrown(() => parseLabelledBuffer(bytes, 'f.csv', { features: ['a', 'y'] })).message).toBe(
      'f.csv: column "y" is the target and cannot also be a feature',
    );
    expect(thrown(() => parseLabelledBuffer(Buffer.from('y\np\n'), 'f.csv')).message).toBe('f.csv: no feature columns');
  });

  it('reports physical lines past quoted newlines and blank lines', () => {
    const text = 'a,b,y\r\n1,2,"p\r\n"\r\n\r\n  \r\n3,4,"q\nr"\n5,x,s\n';
    for (const parser of ['auto', 'csv-parse'] as const) {
      const err = thrown(() => parseLabelledBuffer(Buffer.from(text), 'l.csv', { parser }));
      expect(err.message).toBe('l.csv:8: column b: "x" is not a number');
    }
  });

  it('says when stdin is empty, and converts stream errors', async () => {
    const empty = await rejection(readLabelledCsv('-', { stdin: Readable.from([]) }));
    expect(empty.message).toBe('<stdin>: the input is empty');
    const failing = new Readable({
      read() {
        this.destroy(Object.assign(new Error('boom'), { code: 'EIO' }));
      },
    });
    expect((await rejection(readLabelledCsv('-', { stdin: failing }))).message).toBe('<stdin>: cannot read: boom');
  });
});

// -------------------------------------------------------------------------------------------------

const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

interface Collected {
  rows: number[][];
  lines: number[];
  raw: string[][];
  batches: number[];
  error: DataError | null;
}

async function collect(input: Readable, options: Partial<FeatureRowsOptions> = {}): Promise<Collected> {
  const features = options.features ?? IRIS_FEATURES;
  const rows = openFeatureRows(input, { source: 'in.csv', ...options, features });
  const out: Collected = { rows: [], lines: [], raw: [], batches: [], error: null };
  try {
    for await (const batch of rows.batches()) {
      out.batches.push(batch.n);
      for (let i = 0; i < batch.n; i++) {
        out.rows.push(Array.from(batch.X.subarray(i * features.length, (i + 1) * features.length)));
        out.lines.push(batch.lines[i]!);
      }
      if (batch.raw !== null) out.raw.push(...batch.raw);
    }
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    out.error = error as DataError;
  }
  return out;
}

/** A stream that delivers `bytes` in the given chunk sizes (cycled). */
function chunked(bytes: Buffer, sizes: number[]): Readable {
  const chunks: Buffer[] = [];
  for (let pos = 0, k = 0; pos < bytes.length; k++) {
    const size = sizes[k % sizes.length]!;
    chunks.push(bytes.subarray(pos, pos + size));
    pos += size;
  }
  return Readable.from(chunks);
}

describe('openFeatureRows', () => {
  it('answers a co-process: each line is yielded before the stream ends', async () => {
    const input = new PassThrough();
    const rows = openFeatureRows(input, { features: IRIS_FEATURES, source: '<stdin>' });
    const iterator = rows.batches()[Symbol.asyncIterator]();
    input.write('sepal_width,petal_length,sepal_length,petal_width\n');
    expect(await withTimeout(rows.inputColumns(), 2000, 'header')).toEqual(['sepal_width', 'petal_length', 'sepal_length', 'petal_width']);
    input.write('3.5,1.4,5.1,0.2\n');
    const first = await withTimeout(iterator.next(), 2000, 'first row');
    expect(first.done).toBe(false);
    const batch = first.value as RowBatch;
    expect(batch.n).toBe(1);
    expect(Array.from(batch.X)).toEqual([5.1, 3.5, 1.4, 0.2]);
    expect(Array.from(batch.lines)).toEqual([2]);
    expect(batch.raw).toBeNull();
    input.write('2.9,4.3,6.2,1.3\r\n');
    const second = await withTimeout(iterator.next(), 2000, 'second row');
    expect(Array.from((second.value as RowBatch).X)).toEqual([6.2, 2.9, 4.3, 1.3]);
    input.end('3,5,6,2'); // the last record has no line end
    const third = await withTimeout(iterator.next(), 2000, 'last row');
    expect(Array.from((third.value as RowBatch).X)).toEqual([6, 3, 5, 2]);
    expect((await iterator.next()).done).toBe(true);
  });

  it('answers a co-process without a header, one short line at a time', async () => {
    const input = new PassThrough();
    const rows = openFeatureRows(input, { features: ['x'], source: '<stdin>' });
    const iterator = rows.batches()[Symbol.asyncIterator]();
    input.write('5\n');
    const first = await withTimeout(iterator.next(), 2000, 'first row');
    expect(Array.from((first.value as RowBatch).X)).toEqual([5]);
    expect(await rows.inputColumns()).toEqual(['x']);
    input.end();
    expect((await iterator.next()).done).toBe(true);
  });

  it('yields one batch per chunk, not one per row', async () => {
    const body = Array.from({ length: 500 }, (_, i) => `${i},1,2,3`).join('\n');
    const out = await collect(Readable.from([Buffer.from(body + '\n')]));
    expect(out.batches).toEqual([500]);
    expect(out.rows[499]).toEqual([499, 1, 2, 3]);
  });

  it('matches a header in another order, with an extra column, and keeps the raw fields', async () => {
    const rows = openFeatureRows(Readable.from([readFileSync(golden('reordered.csv'))]), {
      features: IRIS_FEATURES,
      source: 'r.csv',
      keepRaw: true,
    });
    expect(await rows.inputColumns()).toEqual(['id', 'petal_width', 'sepal_length', 'comment', 'petal_length', 'sepal_width']);
    const batches: RowBatch[] = [];
    for await (const batch of rows.batches()) batches.push(batch);
    const x = batches.flatMap((b) => Array.from(b.X));
    expect(x).toEqual([5.1, 3.5, 1.4, 0.2, 6.2, 2.9, 4.3, 1.3]);
    expect(batches.flatMap((b) => b.raw ?? [])).toEqual([
      ['r1', '0.2', '5.1', 'ok, fine', '1.4', '3.5'],
      ['r2', '1.3', '6.2', '', '4.3', '2.9'],
    ]);
  });

  it('reads rows without a header in the model order', async () => {
    const input = Readable.from([readFileSync(golden('headerless.csv'))]);
    const rows = openFeatureRows(input, { features: IRIS_FEATURES, source: 'h.csv', keepRaw: true });
    expect(await rows.inputColumns()).toEqual(IRIS_FEATURES);
    const all: RowBatch[] = [];
    for await (const batch of rows.batches()) all.push(batch);
    expect(all.flatMap((b) => Array.from(b.X))).toEqual([5.1, 3.5, 1.4, 0.2, 6.2, 2.9, 4.3, 1.3]);
    expect(all.flatMap((b) => Array.from(b.lines))).toEqual([1, 2]);
    expect(all.flatMap((b) => b.raw ?? [])).toEqual([
      ['5.1', '3.5', '1.4', '0.2'],
      ['6.2', '2.9', '4.3', '1.3'],
    ]);
  });

  it('names a missing column, from inputColumns() and from the batches', async () => {
    const text = 'sepal_length,sepal_width,petal_length\n1,2,3\n';
    const rows = openFeatureRows(Readable.from([text]), { features: IRIS_FEATURES, source: 'm.csv' });
    const err = await rejection(rows.inputColumns());
    expect(err.message).toBe('m.csv:1: missing column "petal_width"');
    expect(err.hint).toContain('sepal_length, sepal_width, petal_length, petal_width');
    const out = await collect(Readable.from([text]));
    expect(out.error?.message).toBe('in.csv:1: missing column "petal_width"');
  });

  it('reports wrong field counts and bad values after yielding the rows before them', async () => {
    const text = '1,2,3,4\n5,6,7,8\n\n9,10,11\n12,13,14,15\n';
    const out = await collect(Readable.from([text]));
    expect(out.rows).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    expect(out.error?.message).toBe('in.csv:4: expected 4 fields, found 3');

    const values = await collect(Readable.from(['a,b\n1,2\n3,x\n4,5\n']), { features: ['a', 'b'] });
    expect(values.rows).toEqual([[1, 2]]);
    expect(values.error?.message).toBe('in.csv:3: column b: "x" is not a number');

    const finite = await collect(Readable.from(['1,inf\n']), { features: ['a', 'b'] });
    // "inf" is not a number, so this first line is a header that lacks the model's columns.
    expect(finite.error?.message).toBe('in.csv:1: missing columns "a", "b"');

    const overflow = await collect(Readable.from(['1,2\n3,1e999\n']), { features: ['a', 'b'] });
    expect(overflow.rows).toEqual([[1, 2]]);
    expect(overflow.error?.message).toBe('in.csv:2: column b: "1e999" is not a finite number');

    const empty = await collect(Readable.from(['a,b\n1,\n']), { features: ['a', 'b'] });
    expect(empty.error?.message).toBe('in.csv:2: column b: empty value');
  });

  it('gives the same rows whatever the chunk boundaries (inside fields, inside CRLF, byte by byte)', async () => {
    const texts = [
      '\ufeffpetal_width,sepal_length,x,petal_length,sepal_width\r\n0.2,5.1,a,1.4,3.5\r\n\r\n  \r\n1.3,6.2,b,4.3,2.9\r\n-1e-3,+7.,c,.5,8',
      'sepal_length,sepal_width,petal_length,petal_width,note\n1,2,3,4,"a,b"\n5,6,7,8,"multi\r\nline ""q"""\n"9",10,11,12,\n',
      '1,2,3,4\n\n5,6,7,8\n9,10,11,12\n',
      '1,2,3,4\n5,6,oops,8\n9,10,11,12\n',
      '1,2,3,4\n5,6,"7\n',
    ];
    for (const text of texts) {
      const bytes = Buffer.from(text);
      const whole = await collect(Readable.from([bytes]), { keepRaw: true });
      const reference = await collect(Readable.from([bytes]), { keepRaw: true, parser: 'csv-parse' });
      const strip = (c: Collected) => ({ ...c, batches: [], error: c.error?.message ?? null });
      expect(strip(whole)).toEqual(strip(reference));
      for (const sizes of [[1], [2], [3, 1, 7], [5]]) {
        for (const parser of ['auto', 'csv-parse'] as const) {
          const split = await collect(chunked(bytes, sizes), { keepRaw: true, parser });
          expect(strip(split)).toEqual(strip(whole));
        }
      }
    }
    const first = await collect(Readable.from([Buffer.from(texts[0]!)]));
    expect(first.rows).toEqual([
      [5.1, 3.5, 1.4, 0.2],
      [6.2, 2.9, 4.3, 1.3],
      [7, 8, 0.5, -0.001],
    ]);
    expect(first.lines).toEqual([2, 5, 6]);
    const quoted = await collect(Readable.from([Buffer.from(texts[1]!)]), { keepRaw: true });
    expect(quoted.lines).toEqual([2, 3, 5]);
    expect(quoted.raw[1]).toEqual(['5', '6', '7', '8', 'multi\r\nline "q"']);
    const bad = await collect(chunked(Buffer.from(texts[3]!), [1]));
    expect(bad.rows).toEqual([[1, 2, 3, 4]]);
    expect(bad.error?.message).toBe('in.csv:2: column petal_length: "oops" is not a number');
    const open = await collect(chunked(Buffer.from(texts[4]!), [1]));
    expect(open.error?.message).toBe('in.csv:2: unterminated quoted field');
  });

  it('handles empty input, blank input and a header alone', async () => {
    for (const text of ['', '\n\n', '\ufeff', 'sepal_length,sepal_width,petal_length,petal_width\n']) {
      const rows = openFeatureRows(Readable.from(text === '' ? [] : [text]), {
        features: IRIS_FEATURES,
        source: 'e.csv',
      });
      const batches: RowBatch[] = [];
      for await (const batch of rows.batches()) batches.push(batch);
      expect(batches).toEqual([]);
      expect(await rows.inputColumns()).toEqual(IRIS_FEATURES);
    }
  });

  it('refuses binary input and converts read errors', async () => {
    const nul = await collect(Readable.from([Buffer.from('1,2,3,4\n'), Buffer.from([0x35, 0x00])]));
    expect(nul.rows).toEqual([[1, 2, 3, 4]]);
    expect(nul.error?.message).toBe('in.csv: looks like a binary file (NUL byte at offset 9)');
    const { createReadStream } = await import('node:fs');
    const missing = join(tmp, 'absent.csv');
    const out = await collect(createReadStream(missing));
    expect(out.error?.message).toBe('in.csv: no such file');
  });

  it('reads a long quoted field that arrives in many chunks, and refuses one that never ends', async () => {
    const long = 'x'.repeat(300_000) + '\n' + 'y'.repeat(300_000);
    const text = `a,note\n1,"${long}"\n2,z\n`;
    const rows = openFeatureRows(chunked(Buffer.from(text), [4096]), { features: ['a'], source: 'q', keepRaw: true });
    const raw: string[][] = [];
    const lines: number[] = [];
    for await (const batch of rows.batches()) {
      raw.push(...(batch.raw ?? []));
      lines.push(...batch.lines);
    }
    expect(raw.map((r) => r[1]!.length)).toEqual([long.length, 1]);
    expect(lines).toEqual([2, 4]);

    const open = await collect(chunked(Buffer.from(`1,2,3,4\n5,6,7,"${'8'.repeat(5000)}`), [100]), {
      maxRecordBytes: 2000,
    });
    expect(open.rows).toEqual([[1, 2, 3, 4]]);
    expect(open.error?.message).toBe('in.csv:2: a record longer than 2000 bytes');
    expect(open.error?.hint).toContain('quoted field');
  });

  it('stops reading when the consumer stops early', async () => {
    const input = new PassThrough();
    const rows = openFeatureRows(input, { features: ['a'], source: 's' });
    input.write('1\n');
    for await (const batch of rows.batches()) {
      expect(batch.n).toBe(1);
      break;
    }
    expect(input.destroyed).toBe(true);
  });
});
