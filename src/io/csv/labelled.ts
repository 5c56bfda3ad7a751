/**
 * Labelled data for training and evaluation (`readLabelledCsv`): a whole CSV into a matrix of the
 * chosen features plus the label of every row. Files are read piece by piece; stdin is read whole.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { DataError } from '../../core/errors.js';
import { classLabels } from '../../core/labels.js';
import type { Matrix } from '../../core/types.js';
import { columnWarning, givenHeader, labelledLayout, readHeader, type LabelledChoice, type LabelledColumns } from './columns.js';
import { checkDialect, type DialectOptions } from './dialect.js';
import { CsvEngine } from './engine.js';
import { binaryError, readError } from './errors.js';
import type { ParserChoice } from './layout.js';
import { columnName } from './names.js';
import { readStreamHashed, toBuffer } from './streams.js';
import { TrainingCells, type TableReadOptions } from './table-cells.js';
import type { RawColumn } from '../../core/column-transformer.js';
import { MISSING_LABEL } from '../../core/table-pipeline.js';
import { UsageError } from '../../core/errors.js';
import { quoteName } from './names.js';

export interface LabelledData {
  /** For messages: the path as given, or '<stdin>'. */
  source: string;
  /** Header names. */
  columns: string[];
  target: string;
  features: string[];
  /** rows x features.length, row-major, in `features` order. */
  X: Matrix;
  /**
   * Target text per row: the exact text, except in an all-numeric target column, where each label
   * is its class name (`classLabels`: `1.0` reads as `1`). Empty when the target column is absent
   * and not required.
   */
  labels: string[];
  /** Physical line number (1-based, header = line 1) where each data row starts. */
  lines: Int32Array;
  /** Hex SHA-256 of the exact bytes read. */
  sha256: string;
  bytes: number;
  /** Things the user should hear about the columns (an unnamed or row-number feature column); at most one. */
  warnings: string[];
  /**
   * Read as a table (options.table): each feature's kind and categories. X then holds numbers,
   * category codes and NaN for missing values; a missing label is ''.
   */
  table?: TableRead;
}

export interface TableRead {
  columns: RawColumn[];
  /** Per feature: missing values in the file, and the line of the first. */
  missing: number[];
  firstMissing: (number | undefined)[];
  missingLabels: number;
  firstMissingLabel: number | undefined;
}

export interface ReadLabelledOptions extends LabelledColumns, DialectOptions {
  stdin?: Readable;
  /** Internal (tests, benchmarks): force the csv-parse path. Default 'auto'. */
  parser?: ParserChoice;
  /** Internal (tests): bytes per read when a file is streamed. Default 1 MiB. */
  readBytes?: number;
  /** The longest record accepted. Default 64 MiB. */
  maxRecordBytes?: number;
  /** Called with the column names once the header is known, before they are checked (evaluate blames a baseline with it). */
  onHeader?: (columns: readonly string[]) => void;
  /** Read a table: missing-value strings and categorical columns (docs/CLI.md "Tables"). */
  table?: TableReadOptions;
}

const STDIN = '<stdin>';

interface Slot {
  choice?: LabelledChoice;
  cells?: TrainingCells;
}
/** The labelled reader feeds the engine slices of about this size, cut at line ends. */
const SLICE_BYTES = 1 << 20;
/** A labelled file is read in pieces of this size. */
const READ_BYTES = 1 << 20;
/** The longest record accepted (an open quote or a file with no line ends must not fill the memory). */
export const MAX_RECORD_BYTES = 64 << 20;

function labelledEngine(source: string, options: ReadLabelledOptions, slot: Slot, expectedRows: number): CsvEngine {
  checkDialect(options);
  const engine: CsvEngine = new CsvEngine({
    source,
    parser: options.parser ?? 'auto',
    checkNul: false,
    expectedRows,
    maxRecordBytes: options.maxRecordBytes ?? MAX_RECORD_BYTES,
    delimiter: options.delimiter,
    decimal: options.decimal,
    skipRows: options.skipRows,
    first: (fields, line) => {
      const given = options.names !== undefined;
      const header = given ? givenHeader(options.names!, fields) : readHeader(fields);
      options.onHeader?.(header.names);
      const { first, choice } = labelledLayout(source, header, line, options, engine.delimiter ?? ',', given);
      slot.choice = choice;
      if (options.table !== undefined) {
        for (const name of options.table.categorical ?? []) {
          if (!choice.features.includes(name)) {
            if (!header.names.includes(name))
              throw new DataError(`${source}: --categorical ${quoteName(name)}: no such column`, { hint: `the columns are: ${header.names.join(', ')}` });
            throw new UsageError(`--categorical ${quoteName(name)}: that column is not a feature (it is the target or excluded)`);
          }
        }
        slot.cells = new TrainingCells(source, choice.features, options.decimal ?? '.', options.table);
        engine.cells = slot.cells;
      }
      return first;
    },
  });
  return engine;
}

/** The parsed data once the engine has seen the whole input, or the error that stopped it. */
function finishLabelled(engine: CsvEngine, source: string, slot: Slot): Omit<LabelledData, 'sha256' | 'bytes'> {
  engine.end();
  if (engine.error !== undefined) throw engine.error;
  const store = engine.store;
  const choice = slot.choice;
  if (!engine.sawRecord || store === null || choice === undefined) {
    throw new DataError(`${source}: ${source === STDIN ? 'the input is empty' : 'the file is empty'}`, {
      hint: 'labelled data needs a header row naming the columns (or --names) and at least one data row',
    });
  }
  if (store.n === 0) throw new DataError(`${source}: has a header but no data rows`, { hint: 'add data rows below the header' });
  const X = { data: store.matrixData(), rows: store.n, cols: choice.features.length };
  const where = `${source}: column ${columnName(choice.target)}`;
  const cells = slot.cells;
  const labels =
    store.labels === null || store.labels.length === 0 ? [] : cells === undefined ? classLabels(store.labels, where) : tableLabels(store.labels, where);
  const table: TableRead | undefined =
    cells === undefined
      ? undefined
      : {
          columns: cells.finish(X.data, X.rows),
          missing: Array.from(cells.missing),
          firstMissing: cells.firstMissing,
          missingLabels: cells.missingLabels,
          firstMissingLabel: cells.firstMissingLabel,
        };
  const warning = columnWarning(source, X, choice);
  return {
    ...(table === undefined ? {} : { table }),
    source,
    columns: choice.columns,
    target: choice.target,
    features: choice.features,
    X,
    labels: labels as string[],
    lines: store.linesData(),
    warnings: warning === undefined ? [] : [warning],
  };
}

/** classLabels over the labels that are not missing (a missing label stays ''). */
function tableLabels(labels: readonly string[], where: string): readonly string[] {
  if (!labels.includes(MISSING_LABEL)) return classLabels(labels, where);
  const present = labels.filter((l) => l !== MISSING_LABEL);
  const named = classLabels(present, where);
  if (named === present) return labels;
  let k = 0;
  return labels.map((l) => (l === MISSING_LABEL ? l : named[k++]!));
}

/** Number of LF bytes: an upper bound of the number of data rows (with the last line unterminated). */
function countLineEnds(bytes: Buffer): number {
  let count = 0;
  for (let p = bytes.indexOf(10); p !== -1; p = bytes.indexOf(10, p + 1)) count++;
  return count;
}

/**
 * Parse labelled CSV bytes (the parsing half of `readLabelledCsv`, for callers and tests that
 * already hold the bytes).
 */
export function parseLabelledBuffer(bytes: Buffer, source: string, options: ReadLabelledOptions = {}): Omit<LabelledData, 'sha256' | 'bytes'> {
  const nul = bytes.indexOf(0);
  if (nul !== -1) throw binaryError(source, nul);
  const slot: Slot = {};
  const engine = labelledEngine(source, options, slot, countLineEnds(bytes));
  if (options.parser === 'csv-parse') {
    engine.push(bytes);
  } else {
    // Slices cut at line ends: the quote check (fast path or csv-parse) is made per slice, so a
    // quoted header does not send the whole file down the slow path.
    let pos = 0;
    while (pos < bytes.length && engine.error === undefined) {
      const lf = bytes.indexOf(10, pos + SLICE_BYTES);
      const end = lf === -1 ? bytes.length : lf + 1;
      engine.push(bytes.subarray(pos, end));
      pos = end;
    }
  }
  return finishLabelled(engine, source, slot);
}

/**
 * `parseLabelledBuffer` over a file read piece by piece, so that the whole file is never held in
 * memory next to the matrix parsed from it: each read (about `readBytes`) is hashed, checked for
 * NUL bytes and parsed up to its last line end; the unfinished line is carried into the next read.
 * The result and every error are the ones `parseLabelledBuffer` gives for the whole file: a NUL
 * byte anywhere wins over a data error before it, as it does there (after a data error the rest is
 * still read, only to look for one).
 */
async function readLabelledFile(path: string, source: string, options: ReadLabelledOptions): Promise<LabelledData> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw readError(source, error);
  }
  try {
    let info;
    try {
      info = await handle.stat();
    } catch (error) {
      throw readError(source, error);
    }
    if (info.isDirectory()) throw readError(source, Object.assign(new Error('is a directory'), { code: 'EISDIR' }));
    const size = info.isFile() ? info.size : 0;
    const readBytes = Math.max(1, options.readBytes ?? READ_BYTES);
    const hash = createHash('sha256');
    const slot: Slot = {};
    let engine: CsvEngine | undefined;
    let carry: Buffer | undefined; // the unfinished last line of the previous read
    let spare: Buffer | undefined; // the previous read's buffer, once the engine no longer refers to it
    let total = 0;
    let parsed = 0;
    for (;;) {
      const carried = carry?.length ?? 0;
      const buffer = spare !== undefined && spare.length >= carried + readBytes ? spare : Buffer.allocUnsafe(carried + readBytes);
      spare = undefined;
      if (carry !== undefined) carry.copy(buffer, 0); // may overlap when the buffer is reused: copy is a memmove
      let bytesRead;
      try {
        ({ bytesRead } = await handle.read(buffer, carried, readBytes, null));
      } catch (error) {
        throw readError(source, error);
      }
      const fresh = buffer.subarray(carried, carried + bytesRead);
      hash.update(fresh);
      const nul = fresh.indexOf(0);
      if (nul !== -1) throw binaryError(source, total + nul);
      total += bytesRead;
      const data = buffer.subarray(0, carried + bytesRead);
      if (engine === undefined) {
        // Room for the rows the file will hold, judged from the lines of the first read.
        const lines = countLineEnds(data);
        engine = labelledEngine(source, options, slot, lines > 0 && size > 0 ? Math.ceil((size / data.length) * lines * 1.02) + 64 : 256);
      }
      if (engine.error !== undefined) {
        // A data error stopped the parse: only a NUL byte later in the file could still change the outcome.
        if (bytesRead === 0) break;
        carry = undefined;
        continue;
      }
      if (bytesRead === 0) {
        if (data.length > 0) engine.push(data);
        break;
      }
      // Parse up to the last line end; a line longer than a read is left to the engine, which joins pieces itself.
      const lf = data.lastIndexOf(10);
      const cut = lf === -1 || data.length - (lf + 1) > readBytes ? data.length : lf + 1;
      if (parsed > 0 && size > 0 && engine.store !== null) {
        engine.expectRows(Math.ceil((engine.store.n / parsed) * size * 1.02) + 64);
      }
      engine.push(cut === data.length ? data : data.subarray(0, cut));
      parsed += cut;
      carry = cut < data.length ? data.subarray(cut) : undefined;
      if (engine.idle) spare = buffer;
    }
    const data = finishLabelled(engine!, source, slot);
    return { ...data, sha256: hash.digest('hex'), bytes: total };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Read a labelled CSV file ('-' = stdin) with a header row. */
/**
 * `parseLabelledBuffer` over a stream (stdin), parsed as it arrives so that the input is never held
 * whole: a long record is refused at 64 MiB as in a file. As there, a NUL byte anywhere wins over a
 * data error before it (the rest is read, only to look for one).
 */
async function readLabelledStream(stream: Readable, source: string, options: ReadLabelledOptions): Promise<LabelledData> {
  const hash = createHash('sha256');
  const slot: Slot = {};
  const engine = labelledEngine(source, options, slot, 256);
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buffer = toBuffer(chunk);
      hash.update(buffer);
      const nul = buffer.indexOf(0);
      if (nul !== -1) throw binaryError(source, total + nul);
      total += buffer.length;
      if (engine.error === undefined) engine.push(buffer);
    }
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw readError(source, error);
  }
  const data = finishLabelled(engine, source, slot);
  return { ...data, sha256: hash.digest('hex'), bytes: total };
}

export async function readLabelledCsv(path: string, options: ReadLabelledOptions = {}): Promise<LabelledData> {
  if (path === '-') return readLabelledStream(options.stdin ?? process.stdin, STDIN, options);
  if (options.parser === 'csv-parse') {
    const { bytes, sha256 } = await readStreamHashed(createReadStream(path), path);
    const data = parseLabelledBuffer(bytes, path, options);
    return { ...data, sha256, bytes: bytes.length };
  }
  return readLabelledFile(path, path, options);
}
