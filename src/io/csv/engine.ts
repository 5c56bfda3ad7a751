/**
 * The CSV engine shared by the labelled reader (`readLabelledCsv`) and the streaming row reader
 * (`openFeatureRows`).
 *
 * Input arrives as byte chunks. Complete records are parsed as soon as they are complete, by one
 * of two paths that give identical results and identical error messages:
 *
 * - the fast path (fast-path.ts), for data that holds no double quote: a hand-written scanner that
 *   parses numeric fields straight from the bytes into a Float64Array, without per-row strings;
 * - the csv-parse path (csv-parse-path.ts), for data with quotes (RFC 4180 quoting): csv-parse
 *   splits the records and every record goes through the same checks as strings.
 *
 * The decision is taken per chunk (the pending partial record plus the new chunk). Line numbers
 * are physical: the engine counts LF bytes itself on both paths (csv-parse's own count differs for
 * CRLF inside quoted fields).
 *
 * Semantics common to both paths: a record ends at LF or CRLF outside quotes; an input whose first
 * line ends in a lone CR (old Mac files) has every CR read as a line end, otherwise a lone CR is
 * data; a line holding nothing but spaces and tabs is blank and skipped (as pandas does); a UTF-8
 * BOM at the very start is dropped; the last record may lack its line end. Before the first
 * record, `skipRows` lines are dropped and an `auto` delimiter is sniffed from the first line.
 */
import { DataError } from '../../core/errors.js';
import { viaCsvParse, QuoteScanner } from './csv-parse-path.js';
import { dialectBytes, sniffDelimiter, type DecimalMark, type DelimiterChoice } from './dialect.js';
import { badValueError, binaryError, emptyLabelError, fieldCountError, recordTooLongError } from './errors.js';
import { viaFastPath } from './fast-path.js';
import { CR, LF, QUOTE, parseNumber } from './numbers.js';
import { SLOT_EMPTY, SLOT_IGNORE, SLOT_LABEL, type CellReader, type EngineState, type FirstRecord, type Layout, type ParserChoice } from './layout.js';
import { LabelCache, RowStore } from './row-store.js';

export { csvPathStats, SLOT_EMPTY, SLOT_IGNORE, SLOT_LABEL, type FirstRecord, type Layout, type ParserChoice } from './layout.js';

export interface EngineOptions {
  source: string;
  /** Called with the first non-blank record; decides the layout (it may throw a DataError). */
  first: (fields: string[], line: number) => FirstRecord;
  keepRaw?: boolean;
  parser?: ParserChoice;
  /** Check every chunk for NUL bytes (the labelled reader checks the whole file up front). */
  checkNul?: boolean;
  /** Initial row capacity (the labelled reader knows the number of lines). */
  expectedRows?: number;
  /** Refuse a record that grows past this many bytes; 0 = no limit. */
  maxRecordBytes?: number;
  delimiter?: DelimiterChoice;
  decimal?: DecimalMark;
  skipRows?: number;
  /** Read a table: categories, missing values (layout.ts CellReader). */
  cells?: CellReader;
}

const BLANK = /^[ \t]*$/;

/** How lines end, decided by the first line end of the input. */
const ENDS_UNKNOWN = 0;
const ENDS_LF = 1;
const ENDS_CR = 2;

/** A copy of `chunk` with every CR made a LF (CR-only input). */
function crToLf(chunk: Buffer): Buffer {
  const out = Buffer.from(chunk);
  for (let p = out.indexOf(CR); p !== -1; p = out.indexOf(CR, p + 1)) out[p] = LF;
  return out;
}

export class CsvEngine implements EngineState {
  readonly source: string;
  layout: Layout | null = null;
  store: RowStore | null = null;
  /** Physical line of the first record, once seen. */
  firstLine = 0;
  /** The error that stopped parsing; rows committed before it stay in `store`. */
  error: unknown = undefined;
  /** The delimiter in use, once known (`auto` is resolved at the first line). */
  delimiter: string | null;
  readonly decimal: DecimalMark;
  /** Whether any non-blank record was seen. */
  get sawRecord(): boolean {
    return this.layout !== null;
  }

  // Read by the two parsing paths.
  /** @internal Physical line number of the first byte of the pending data. */
  line = 1;
  /** @internal Delimiter and decimal mark as bytes. */
  delim = 0;
  /** @internal */
  dec = 0;
  /** @internal */
  readonly keepRaw: boolean;
  /** @internal */
  readonly labelCache = new LabelCache();
  /** @internal */
  readonly quotes = new QuoteScanner();
  /** @internal Table reading; set by the `first` callback at the latest (the columns are known then). */
  cells: CellReader | null;
  /** @internal The fast path's notes of the fields the table reader decides: 3 per field (sized with the layout). */
  oddFields = new Int32Array(0);

  private readonly first: EngineOptions['first'];
  private readonly forceCsvParse: boolean;
  private readonly checkNul: boolean;
  private bytesSeen = 0;
  private started = false;
  private toSkip: number;
  private lineEnds = ENDS_UNKNOWN;
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private pendingHasLf = false;
  private pendingHasQuote = false;
  private expectedRows: number;
  private readonly maxRecordBytes: number;

  constructor(options: EngineOptions) {
    this.source = options.source;
    this.first = options.first;
    this.keepRaw = options.keepRaw === true;
    this.forceCsvParse = options.parser === 'csv-parse';
    this.checkNul = options.checkNul !== false;
    this.expectedRows = options.expectedRows ?? 256;
    this.maxRecordBytes = options.maxRecordBytes ?? 0;
    this.decimal = options.decimal ?? '.';
    this.toSkip = options.skipRows ?? 0;
    this.cells = options.cells ?? null;
    const delimiter = options.delimiter ?? ',';
    this.delimiter = delimiter === 'auto' ? null : delimiter;
    if (this.delimiter !== null) this.setDelimiter(this.delimiter);
  }

  private setDelimiter(delimiter: string): void {
    this.delimiter = delimiter;
    const bytes = dialectBytes(delimiter, this.decimal);
    this.delim = bytes.delim;
    this.dec = bytes.dec;
    this.quotes.delim = bytes.delim;
  }

  /** Feed a chunk; every record it completes is parsed now. Errors land in `this.error`. */
  push(chunk: Buffer): void {
    if (this.error !== undefined || chunk.length === 0) return;
    if (this.checkNul) {
      const nul = chunk.indexOf(0);
      if (nul !== -1) {
        this.error = binaryError(this.source, this.bytesSeen + nul);
        return;
      }
    }
    this.bytesSeen += chunk.length;
    if (this.lineEnds !== ENDS_LF) chunk = this.lineEndsOf(chunk);
    // A partial record is pending (a chunk seldom ends at a line end): complete it with the head of
    // the chunk, then parse the rest of the chunk where it lies, rather than copying the whole chunk
    // behind the partial record. Any split of the input gives the same records.
    if (this.pendingLength > 0 && !this.pendingHasLf && this.started && this.layout !== null && chunk.length > 4096) {
      const lf = chunk.indexOf(LF);
      if (lf !== -1 && lf + 1 < chunk.length) {
        this.append(chunk.subarray(0, lf + 1));
        if (this.error === undefined) this.append(chunk.subarray(lf + 1));
        return;
      }
    }
    this.append(chunk);
  }

  /**
   * Decides from the first line end whether lone CRs end lines (then returns the chunk with CRs
   * made LFs, and makes the CR that ended the pending bytes a LF too).
   */
  private lineEndsOf(chunk: Buffer): Buffer {
    if (this.lineEnds === ENDS_CR) return crToLf(chunk);
    const last = this.pending[this.pending.length - 1];
    if (last !== undefined && last[last.length - 1] === CR) {
      // The pending bytes end in the first CR of the input: this chunk tells whether a LF follows.
      this.lineEnds = chunk[0] === LF ? ENDS_LF : ENDS_CR;
    } else {
      const cr = chunk.indexOf(CR);
      const lf = chunk.indexOf(LF);
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        if (lf !== -1) this.lineEnds = ENDS_LF;
        return chunk;
      }
      if (cr + 1 === chunk.length) return chunk; // wait for the next byte
      this.lineEnds = chunk[cr + 1] === LF ? ENDS_LF : ENDS_CR;
    }
    if (this.lineEnds === ENDS_LF) return chunk;
    this.pending = this.pending.map(crToLf);
    if (this.pendingLength > 0) this.pendingHasLf = true;
    return crToLf(chunk);
  }

  private append(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    if (!this.pendingHasLf && chunk.indexOf(LF) !== -1) this.pendingHasLf = true;
    if (!this.pendingHasQuote && chunk.indexOf(QUOTE) !== -1) this.pendingHasQuote = true;
    this.drain(false);
  }

  /** True when the engine holds no bytes of the input (every chunk pushed so far is parsed). */
  get idle(): boolean {
    return this.pendingLength === 0;
  }

  /** A hint: the input holds about `rows` data rows in all (the labelled reader estimates it from the file size). */
  expectRows(rows: number): void {
    if (this.store !== null) this.store.expect(rows);
    else this.expectedRows = Math.max(this.expectedRows, rows);
  }

  /** End of input: parse the last record, if any. */
  end(): void {
    const last = this.pending[this.pending.length - 1];
    if (this.lineEnds === ENDS_UNKNOWN && last !== undefined && last[last.length - 1] === CR) {
      // The only line end of the input is a CR at its very end: a CR-only input of one line.
      this.lineEnds = ENDS_CR;
      this.pending = this.pending.map(crToLf);
      this.pendingHasLf = true;
    }
    this.drain(true);
  }

  /** A record that never ends (an open quote, or not a CSV file) must not fill the memory. */
  private checkRecordSize(): void {
    if (this.maxRecordBytes > 0 && this.pendingLength > this.maxRecordBytes) {
      throw recordTooLongError(this.source, this.line, this.maxRecordBytes, this.pendingHasQuote);
    }
  }

  /** The same limit for a long line that arrived whole (a buffered input). */
  private checkLineLengths(data: Buffer): void {
    const max = this.maxRecordBytes;
    let start = 0;
    let line = this.line;
    for (let lf = data.indexOf(LF); ; lf = data.indexOf(LF, start)) {
      const end = lf === -1 ? data.length : lf;
      if (end - start > max) throw recordTooLongError(this.source, line, max, data.subarray(start, start + max).indexOf(QUOTE) !== -1);
      if (lf === -1) return;
      start = lf + 1;
      line++;
    }
  }

  /** Stop with an error that came from outside (a read error). */
  fail(error: unknown): void {
    if (this.error === undefined) this.error = error;
  }

  private joinPending(): Buffer {
    if (this.pending.length === 1) return this.pending[0]!;
    const data = Buffer.concat(this.pending, this.pendingLength);
    this.pending = [data];
    return data;
  }

  private setPending(data: Buffer): void {
    this.pending = data.length === 0 ? [] : [data];
    this.pendingLength = data.length;
    this.pendingHasLf = data.indexOf(LF) !== -1;
  }

  /** Drops the BOM and the skipped lines, and sniffs the delimiter; false while more input is needed. */
  private begin(final: boolean): boolean {
    let data = this.joinPending();
    if (!this.started) {
      const bomSoFar = data[0] === 0xef && (data.length < 2 || data[1] === 0xbb) && (data.length < 3 || data[2] === 0xbf);
      if (bomSoFar && data.length < 3 && !final) return false; // wait: it may be a UTF-8 BOM
      if (bomSoFar && data.length >= 3) data = data.subarray(3);
      this.started = true;
    }
    while (this.toSkip > 0) {
      const lf = data.indexOf(LF);
      if (lf === -1) {
        if (final) data = data.subarray(data.length);
        break;
      }
      data = data.subarray(lf + 1);
      this.line++;
      this.toSkip--;
    }
    if (this.toSkip > 0 && !final) {
      this.setPending(data);
      return false;
    }
    this.toSkip = 0;
    if (this.delimiter === null) {
      // The first line that is not blank.
      let start = 0;
      for (;;) {
        const lf = data.indexOf(LF, start);
        const end = lf === -1 ? data.length : lf;
        if (lf === -1 && !final) {
          this.setPending(data);
          return false;
        }
        if (!BLANK.test(data.toString('latin1', start, end).replace(/\r$/, '')) || lf === -1) {
          this.setPending(data);
          this.setDelimiter(sniffDelimiter(data, start, end, this.decimal));
          break;
        }
        start = lf + 1;
      }
    }
    this.setPending(data);
    this.pendingHasQuote = data.indexOf(QUOTE) !== -1;
    return true;
  }

  private drain(final: boolean): void {
    if (this.error !== undefined) return;
    try {
      if (this.layout === null && (!this.started || this.toSkip > 0 || this.delimiter === null)) {
        if (!this.begin(final)) {
          this.checkRecordSize();
          return;
        }
      }
      if (this.pendingLength === 0) return;
      if (!final && !this.pendingHasLf) {
        this.checkRecordSize();
        return;
      }
      const useCsvParse = this.forceCsvParse || this.pendingHasQuote;
      let boundary = 0;
      if (useCsvParse && !final) {
        // Find the end of the last complete record before joining any chunks, so that a long
        // quoted field arriving in many chunks is neither copied nor scanned again and again.
        boundary = this.quotes.boundary(this.pending);
        if (boundary === 0) {
          this.pendingHasLf = false;
          this.checkRecordSize();
          return;
        }
      }
      const data = this.joinPending();
      if (this.maxRecordBytes > 0 && data.length > this.maxRecordBytes) this.checkLineLengths(data);
      const consumed = useCsvParse ? viaCsvParse(this, data, final ? data.length : boundary) : viaFastPath(this, data, final);
      const rest = consumed === 0 ? data : data.subarray(consumed);
      this.pending = rest.length === 0 ? [] : [rest];
      this.pendingLength = rest.length;
      this.pendingHasLf = false;
      if (useCsvParse) {
        this.quotes.consumed(consumed);
        if (consumed > 0 && this.pendingHasQuote && rest.indexOf(QUOTE) === -1) {
          this.pendingHasQuote = false;
          this.quotes.reset();
        }
      }
    } catch (error) {
      this.error = error;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Records as strings (both paths)

  /** @internal A record split into strings: the first one decides the layout. */
  record(fields: string[], line: number): void {
    if (this.layout === null) {
      const first = this.first(fields, line);
      this.layout = first.layout;
      this.oddFields = new Int32Array(3 * first.layout.ncols);
      this.firstLine = line;
      this.store = new RowStore(first.layout.nf, first.layout.slots.includes(SLOT_LABEL), this.keepRaw, Math.max(16, this.expectedRows));
      if (!first.isData) return;
    }
    this.stringRow(fields, line);
  }

  private stringRow(fields: string[], line: number): void {
    const layout = this.layout!;
    const store = this.store!;
    if (fields.length !== layout.ncols) throw this.fieldCountError(line, fields.length);
    const base = store.reserve();
    const X = store.X;
    let label = '';
    const cells = this.cells;
    for (let j = 0; j < fields.length; j++) {
      const slot = layout.slots[j]!;
      if (slot === SLOT_IGNORE) continue;
      const text = fields[j]!;
      if (slot === SLOT_LABEL) {
        const kept = cells === null ? (text === '' ? undefined : text) : cells.label(text, line);
        if (kept === undefined) throw emptyLabelError(this.source, line, layout.names[j]!);
        label = kept;
      } else if (slot === SLOT_EMPTY) {
        if (!BLANK.test(text)) throw this.fieldError(line, j, text);
      } else {
        const value = cells !== null && cells.textFeatures[slot] === 1 ? undefined : parseNumber(text, this.decimal);
        if (value === undefined || value - value !== 0) {
          const cell = cells === null ? undefined : cells.cell(slot, text, line);
          if (cell === undefined) throw this.fieldError(line, j, text);
          X[base + slot] = cell;
        } else {
          X[base + slot] = value;
        }
      }
    }
    store.commit(line, label, this.keepRaw ? fields : null);
  }

  /** @internal */
  fieldCountError(line: number, found: number): DataError {
    return fieldCountError(this.source, line, this.layout!.ncols, found, this.delimiter ?? ',');
  }

  /** @internal The error of field `index` of a data row. */
  fieldError(line: number, index: number, text: string): DataError {
    const layout = this.layout!;
    const name = layout.names[index]!;
    const slot = layout.slots[index];
    if (slot === SLOT_LABEL) return emptyLabelError(this.source, line, name);
    if (slot === SLOT_EMPTY) {
      return new DataError(`${this.source}:${line}: the last column has no name in the header but holds a value`, {
        hint: 'name the column in the header row, or drop the value (a trailing delimiter on every line makes an empty, ignored column)',
      });
    }
    if (this.cells !== null && slot !== undefined && slot >= 0) return this.cells.fieldError(slot, name, text, line);
    return badValueError(this.source, line, name, text, this.decimal);
  }
}
