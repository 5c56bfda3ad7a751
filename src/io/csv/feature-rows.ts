/**
 * Rows to score, streamed (`openFeatureRows`, for `predict`): each chunk that arrives is parsed at
 * once, and its complete records come out as one batch in the model's feature order.
 */
import type { Readable } from 'node:stream';
import { DataError } from '../../core/errors.js';
import { checkDuplicates, givenHeader, readHeader, wrongDelimiterHint, type Header } from './columns.js';
import { checkDialect, type DialectOptions } from './dialect.js';
import { CsvEngine } from './engine.js';
import { readError } from './errors.js';
import { MAX_RECORD_BYTES } from './labelled.js';
import { SLOT_EMPTY, SLOT_IGNORE, type CellReader, type FirstRecord, type ParserChoice } from './layout.js';
import { listNames, quoteName } from './names.js';
import { parseNumber } from './numbers.js';
import { toBuffer } from './streams.js';

export interface RowBatch {
  /** n x features.length, in the MODEL's feature order. */
  X: Float64Array;
  n: number;
  /** Physical line of each row. */
  lines: Int32Array;
  /** The input fields of each row (only when keepRaw). */
  raw: string[][] | null;
}

export interface FeatureRowsOptions extends DialectOptions {
  features: readonly string[];
  source: string;
  keepRaw?: boolean;
  /** Internal (tests, benchmarks): force the csv-parse path. Default 'auto'. */
  parser?: ParserChoice;
  /** A record longer than this is an error (an open quote must not fill the memory). Default 64 MiB. */
  maxRecordBytes?: number;
  /** Table models: categories, missing values (table-cells.ts ModelCells). */
  cells?: CellReader;
}

export interface FeatureRows {
  /** Header names when the input has a header, else the model's features; resolves once the first line is read. */
  inputColumns(): Promise<string[]>;
  batches(): AsyncIterable<RowBatch>;
}

/**
 * The layout of the rows to score. Without `names`, the first line is a header when any of its
 * fields is not a number; else the rows hold the features in the model's order.
 */
function featureLayout(options: FeatureRowsOptions, fields: string[], line: number, delimiter: string, setColumns: (columns: string[]) => void): FirstRecord {
  const { features, source } = options;
  const blankLast = fields.length > 1 && /^[ \t]*$/.test(fields[fields.length - 1]!);
  let header: Header;
  let isData: boolean;
  if (options.names !== undefined) {
    header = givenHeader(options.names, fields);
    isData = true;
  } else if (fields.some((field) => parseNumber(field, options.decimal) === undefined && !(blankLast && field === fields[fields.length - 1]))) {
    header = readHeader(fields);
    isData = false;
  } else {
    header = { names: [...features], unnamed: [], trailing: fields.length === features.length + 1 && blankLast };
    isData = true;
  }
  const names = header.names;
  checkDuplicates(source, line, names);
  const index = new Map<string, number>();
  names.forEach((name, i) => index.set(name, i));
  const missing = features.filter((name) => !index.has(name));
  if (missing.length > 0) {
    const what = missing.length === 1 ? `missing column ${quoteName(missing[0]!)}` : `missing columns ${missing.map(quoteName).join(', ')}`;
    throw new DataError(`${source}:${line}: ${what}`, {
      hint:
        wrongDelimiterHint(names, delimiter) ??
        `the model expects the columns ${listNames(features)} (a header row naming them, in any order, or rows without a header holding them in that order)`,
    });
  }
  const ncols = names.length + (header.trailing ? 1 : 0);
  const slots = new Int32Array(ncols).fill(SLOT_IGNORE);
  if (header.trailing) slots[ncols - 1] = SLOT_EMPTY;
  features.forEach((name, k) => (slots[index.get(name)!] = k));
  setColumns([...names]);
  return { layout: { ncols, slots, names: header.trailing ? [...names, ''] : names, nf: features.length }, isData };
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
      delimiter: options.delimiter,
      decimal: options.decimal,
      skipRows: options.skipRows,
      ...(options.cells === undefined ? {} : { cells: options.cells }),
      first: (fields, line) => featureLayout(options, fields, line, this.engine.delimiter ?? ',', (columns) => (this.columns = columns)),
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
  checkDialect(options);
  return new StreamedFeatureRows(input, options);
}
