/**
 * The CSV input layer: labelled training/evaluation data (`readLabelledCsv`) and streamed rows to
 * score (`openFeatureRows`). Conventions (CLI.md): RFC 4180 quoting, comma delimiter, LF or CRLF,
 * optional UTF-8 BOM, blank lines skipped, physical line numbers in messages (header = line 1).
 *
 * Parsing itself lives in fast-csv.ts (a hand-written scanner for quote-free input, csv-parse
 * otherwise); this module reads files and streams, and decides how columns map to the output.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { DataError } from '../core/errors.js';
import type { Matrix } from '../core/types.js';
import {
  CsvEngine,
  SLOT_IGNORE,
  SLOT_LABEL,
  binaryError,
  type FirstRecord,
  type Layout,
  type ParserChoice,
} from './fast-csv.js';
import { parseNumber } from './numbers.js';

export { parseNumber } from './numbers.js';
export { csvPathStats, type ParserChoice } from './fast-csv.js';

export interface LabelledData {
  /** For messages: the path as given, or '<stdin>'. */
  source: string;
  /** Header names. */
  columns: string[];
  target: string;
  features: string[];
  /** rows x features.length, row-major, in `features` order. */
  X: Matrix;
  /** Target text per row (exact text). Empty when the target column is absent and not required. */
  labels: string[];
  /** Physical line number (1-based, header = line 1) where each data row starts. */
  lines: Int32Array;
  /** Hex SHA-256 of the exact bytes read. */
  sha256: string;
  bytes: number;
}

export interface ReadLabelledOptions {
  target?: string;
  features?: string[];
  stdin?: Readable;
  /** Default true. When false, a target column that the data lacks is not an error (labels = []). */
  requireTarget?: boolean;
  /** Internal (tests, benchmarks): force the csv-parse path. Default 'auto'. */
  parser?: ParserChoice;
  /** Internal (tests): bytes per read when a file is streamed. Default 1 MiB. */
  readBytes?: number;
}

export interface RowBatch {
  /** n x features.length, in the MODEL's feature order. */
  X: Float64Array;
  n: number;
  /** Physical line of each row. */
  lines: Int32Array;
  /** The input fields of each row (only when keepRaw). */
  raw: string[][] | null;
}

export interface FeatureRowsOptions {
  features: readonly string[];
  source: string;
  keepRaw?: boolean;
  /** Internal (tests, benchmarks): force the csv-parse path. Default 'auto'. */
  parser?: ParserChoice;
  /** A record longer than this is an error (an open quote must not fill the memory). Default 64 MiB. */
  maxRecordBytes?: number;
}

export interface FeatureRows {
  /** Header names when the input has a header, else the model's features; resolves once the first line is read. */
  inputColumns(): Promise<string[]>;
  batches(): AsyncIterable<RowBatch>;
}

const STDIN = '<stdin>';
/** The labelled reader feeds the engine slices of about this size, cut at line ends. */
const SLICE_BYTES = 1 << 20;
/** A labelled file is read in pieces of this size. */
const READ_BYTES = 1 << 20;
/** Streams: the longest record accepted. */
const MAX_RECORD_BYTES = 64 << 20;

// -------------------------------------------------------------------------------------------------
// Paths and streams

/** A DataError for a path that cannot be read, from a Node.js system error. */
export function readError(source: string, error: unknown): DataError {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return new DataError(`${source}: no such file`, {
        hint: `check the path (relative paths start from ${process.cwd()})`,
        cause: error,
      });
    case 'EISDIR':
      return new DataError(`${source}: is a directory`, { hint: 'give the path of a CSV file', cause: error });
    case 'EACCES':
    case 'EPERM':
      return new DataError(`${source}: permission denied`, {
        hint: 'check that you may read the file',
        cause: error,
      });
    case 'ENOTDIR':
      return new DataError(`${source}: no such file (a part of the path is not a folder)`, { cause: error });
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return new DataError(`${source}: cannot read: ${message}`, { cause: error });
    }
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`unexpected chunk of type ${typeof chunk} in a CSV input stream`);
}

async function readStreamHashed(stream: Readable, source: string): Promise<{ bytes: Buffer; sha256: string }> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      const buffer = toBuffer(chunk);
      hash.update(buffer);
      chunks.push(buffer);
      length += buffer.length;
    }
  } catch (error) {
    throw readError(source, error);
  }
  return { bytes: Buffer.concat(chunks, length), sha256: hash.digest('hex') };
}

/** Hex SHA-256 of a file's bytes, streaming. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
    }
  } catch (error) {
    throw readError(path, error);
  }
  return hash.digest('hex');
}

// -------------------------------------------------------------------------------------------------
// Column handling

function showName(name: string): string {
  return /^[^\s,"]+$/.test(name) && !/^\s|\s$/.test(name) ? name : JSON.stringify(name);
}

/** A readable list of column names for hints. */
export function listNames(names: readonly string[], max = 30): string {
  const shown = names.slice(0, max).map(showName).join(', ');
  return names.length > max ? `${shown}, … (${names.length} in all)` : shown;
}

function checkDuplicates(source: string, line: number, header: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) {
      throw new DataError(`${source}:${line}: duplicate column name ${JSON.stringify(name)}`, {
        hint: 'every column needs a distinct name; rename one of them',
      });
    }
    seen.add(name);
  }
}

function noColumnError(source: string, name: string, columns: readonly string[]): DataError {
  const near = columns.find((c) => c.trim().toLowerCase() === name.trim().toLowerCase());
  const available = `the columns are: ${listNames(columns)}`;
  return new DataError(`${source}: no column ${JSON.stringify(name)}`, {
    hint: near !== undefined ? `did you mean ${JSON.stringify(near)}? ${available}` : available,
  });
}

interface LabelledChoice {
  target: string;
  features: string[];
  columns: string[];
}

function labelledLayout(
  source: string,
  header: string[],
  line: number,
  options: ReadLabelledOptions,
  choice: LabelledChoice,
): FirstRecord {
  checkDuplicates(source, line, header);
  const index = new Map<string, number>();
  header.forEach((name, i) => index.set(name, i));
  const target = options.target ?? header[header.length - 1]!;
  const targetIndex = index.get(target);
  if (targetIndex === undefined && options.requireTarget !== false) throw noColumnError(source, target, header);
  const features = options.features ?? header.filter((_, i) => i !== targetIndex);
  if (features.length === 0) {
    throw new DataError(`${source}: no feature columns`, {
      hint:
        options.features === undefined
          ? `the only column is the target ${JSON.stringify(target)}; add feature columns`
          : 'name at least one feature column',
    });
  }
  const slots = new Int32Array(header.length).fill(SLOT_IGNORE);
  if (targetIndex !== undefined) slots[targetIndex] = SLOT_LABEL;
  features.forEach((name, k) => {
    const i = index.get(name);
    if (i === undefined) throw noColumnError(source, name, header);
    if (i === targetIndex) {
      throw new DataError(`${source}: column ${JSON.stringify(name)} is the target and cannot also be a feature`, {
        hint: 'leave the target out of the features, or choose another target',
      });
    }
    if (slots[i] !== SLOT_IGNORE) {
      throw new DataError(`${source}: column ${JSON.stringify(name)} is named twice in the features`, {
        hint: 'name each feature column once',
      });
    }
    slots[i] = k;
  });
  choice.target = target;
  choice.features = [...features];
  choice.columns = header;
  const layout: Layout = { ncols: header.length, slots, names: header, nf: features.length };
  return { layout, isData: false };
}

/** Number of LF bytes: an upper bound of the number of data rows (with the last line unterminated). */
function countLineEnds(bytes: Buffer): number {
  let count = 0;
  for (let p = bytes.indexOf(10); p !== -1; p = bytes.indexOf(10, p + 1)) count++;
  return count;
}

function labelledEngine(
  source: string,
  options: ReadLabelledOptions,
  choice: LabelledChoice,
  expectedRows: number,
): CsvEngine {
  return new CsvEngine({
    source,
    parser: options.parser ?? 'auto',
    checkNul: false,
    expectedRows,
    first: (fields, line) => labelledLayout(source, fields, line, options, choice),
  });
}

/** The parsed data once the engine has seen the whole input, or the error that stopped it. */
function finishLabelled(engine: CsvEngine, source: string, choice: LabelledChoice): Omit<LabelledData, 'sha256' | 'bytes'> {
  engine.end();
  if (engine.error !== undefined) throw engine.error;
  const store = engine.store;
  if (!engine.sawRecord || store === null) {
    throw new DataError(`${source}: ${source === STDIN ? 'the input is empty' : 'the file is empty'}`, {
      hint: 'labelled data needs a header row naming the columns and at least one data row',
    });
  }
  if (store.n === 0) {
    const crNote = choice.columns.some((c) => c.includes('\r'))
      ? 'the header holds carriage returns: the file seems to use CR (old Mac) line ends; convert them to LF or CRLF'
      : 'add data rows below the header';
    throw new DataError(`${source}: has a header but no data rows`, { hint: crNote });
  }
  return {
    source,
    columns: choice.columns,
    target: choice.target,
    features: choice.features,
    X: { data: store.matrixData(), rows: store.n, cols: choice.features.length },
    labels: store.labels ?? [],
    lines: store.linesData(),
  };
}

/**
 * Parse labelled CSV bytes (the parsing half of `readLabelledCsv`, for callers and tests that
 * already hold the bytes).
 */
export function parseLabelledBuffer(
  bytes: Buffer,
  source: string,
  options: ReadLabelledOptions = {},
): Omit<LabelledData, 'sha256' | 'bytes'> {
  const nul = bytes.indexOf(0);
  if (nul !== -1) throw binaryError(source, nul);
  const choice: LabelledChoice = { target: '', features: [], columns: [] };
  const engine = labelledEngine(source, options, choice, countLineEnds(bytes));
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
  return finishLabelled(engine, source, choice);
}

/**
 * `parseLabelledBuffer` over a file read piece by piece, so that the whole file is never held in
 * memory next to the matrix parsed from it: each read (about `readBytes`) is hashed, checked for
 * NUL bytes and parsed up to its last line end; the unfinished line is carried into the next read.
 * The result and every error are the ones `parseLabelledBuffer` gives for the whole file: a NUL
 * byte anywhere wins over a data error before it, as it does there (after a data error the rest is
 * still read, only to look for one).
 */
async function readLabelledFile(
  path: string,
  source: string,
  options: ReadLabelledOptions,
): Promise<LabelledData> {
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
    const choice: LabelledChoice = { target: '', features: [], columns: [] };
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
        engine = labelledEngine(source, options, choice, lines > 0 && size > 0 ? Math.ceil((size / data.length) * lines * 1.02) + 64 : 256);
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
    const data = finishLabelled(engine!, source, choice);
    return { ...data, sha256: hash.digest('hex'), bytes: total };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Read a labelled CSV file ('-' = stdin) with a header row. */
export async function readLabelledCsv(path: string, options: ReadLabelledOptions = {}): Promise<LabelledData> {
  if (path === '-') {
    const { bytes, sha256 } = await readStreamHashed(options.stdin ?? process.stdin, STDIN);
    const data = parseLabelledBuffer(bytes, STDIN, options);
    return { ...data, sha256, bytes: bytes.length };
  }
  if (options.parser === 'csv-parse') {
    const { bytes, sha256 } = await readStreamHashed(createReadStream(path), path);
    const data = parseLabelledBuffer(bytes, path, options);
    return { ...data, sha256, bytes: bytes.length };
  }
  return readLabelledFile(path, path, options);
}

// -------------------------------------------------------------------------------------------------
// Streaming rows for `predict`

function featureLayout(
  source: string,
  features: readonly string[],
  fields: string[],
  line: number,
  setColumns: (columns: string[]) => void,
): FirstRecord {
  const isHeader = fields.some((field) => parseNumber(field) === undefined);
  if (!isHeader) {
    const slots = new Int32Array(features.length);
    slots.forEach((_, i) => (slots[i] = i));
    setColumns([...features]);
    return { layout: { ncols: features.length, slots, names: features, nf: features.length }, isData: true };
  }
  checkDuplicates(source, line, fields);
  const index = new Map<string, number>();
  fields.forEach((name, i) => index.set(name, i));
  const missing = features.filter((name) => !index.has(name));
  if (missing.length > 0) {
    const what =
      missing.length === 1
        ? `missing column ${JSON.stringify(missing[0])}`
        : `missing columns ${missing.map((m) => JSON.stringify(m)).join(', ')}`;
    throw new DataError(`${source}:${line}: ${what}`, {
      hint: `the model expects the columns ${listNames(features)} (a header row naming them, in any order, or rows without a header holding them in that order)`,
    });
  }
  const slots = new Int32Array(fields.length).fill(SLOT_IGNORE);
  features.forEach((name, k) => (slots[index.get(name)!] = k));
  setColumns([...fields]);
  return { layout: { ncols: fields.length, slots, names: fields, nf: features.length }, isData: false };
}

class StreamedFeatureRows implements FeatureRows {
  private readonly engine: CsvEngine;
  private readonly input: AsyncIterator<unknown>;
  private columns: string[] | null = null;
  private readonly queue: RowBatch[] = [];
  private inputDone = false;
  private pumping: Promise<void> | null = null;

  constructor(
    stream: Readable,
    private readonly options: FeatureRowsOptions,
  ) {
    this.input = stream[Symbol.asyncIterator]();
    this.engine = new CsvEngine({
      source: options.source,
      keepRaw: options.keepRaw === true,
      maxRecordBytes: options.maxRecordBytes ?? MAX_RECORD_BYTES,
      parser: options.parser ?? 'auto',
      first: (fields, line) =>
        featureLayout(options.source, options.features, fields, line, (columns) => (this.columns = columns)),
    });
  }

  private get failed(): boolean {
    return this.engine.error !== undefined;
  }

  /** Read one chunk from the input and parse it; its complete records become one batch. */
  private pump(): Promise<void> {
    if (this.pumping === null) {
      this.pumping = this.pumpOnce().finally(() => {
        this.pumping = null;
      });
    }
    return this.pumping;
  }

  private async pumpOnce(): Promise<void> {
    if (this.inputDone || this.failed) return;
    try {
      const next = await this.input.next();
      if (next.done === true) {
        this.inputDone = true;
        this.engine.end();
      } else {
        this.engine.push(toBuffer(next.value));
      }
    } catch (error) {
      this.inputDone = true;
      this.engine.fail(readError(this.options.source, error));
    }
    const store = this.engine.store;
    if (store !== null && store.n > 0) this.queue.push(store.take());
    if (this.failed) await this.close();
  }

  private async close(): Promise<void> {
    if (!this.inputDone) {
      this.inputDone = true;
      try {
        await this.input.return?.();
      } catch {
        // the input is being abandoned; its own errors no longer matter
      }
    }
  }

  async inputColumns(): Promise<string[]> {
    while (this.columns === null && !this.inputDone && !this.failed) await this.pump();
    if (this.columns !== null) return this.columns;
    if (this.failed) throw this.engine.error;
    return [...this.options.features];
  }

  async *batches(): AsyncGenerator<RowBatch, void, undefined> {
    try {
      for (;;) {
        const batch = this.queue.shift();
        if (batch !== undefined) {
          yield batch;
          continue;
        }
        if (this.failed) throw this.engine.error;
        if (this.inputDone) return;
        await this.pump();
      }
    } finally {
      await this.close();
    }
  }
}

/**
 * Rows to score, streamed from `input`: every chunk that arrives is parsed at once and its
 * complete records come out as one batch. The first non-blank line is a header when any of its
 * fields is not a number. Errors are thrown by the iterator at the bad row, after the rows before
 * it have been yielded.
 */
export function openFeatureRows(input: Readable, options: FeatureRowsOptions): FeatureRows {
  return new StreamedFeatureRows(input, options);
}
