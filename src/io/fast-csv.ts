/**
 * The CSV engine shared by the labelled reader (`readLabelledCsv`) and the streaming row reader
 * (`openFeatureRows`).
 *
 * Input arrives as byte chunks. Complete records are parsed as soon as they are complete, by one
 * of two paths that give identical results and identical error messages:
 *
 * - the fast path, for data that holds no double quote: a hand-written scanner that parses
 *   numeric fields straight from the bytes into a Float64Array, without per-row strings;
 * - the csv-parse path, for data with quotes (RFC 4180 quoting): csv-parse splits the records and
 *   every record goes through the same checks as strings.
 *
 * The decision is taken per chunk (the pending partial record plus the new chunk). Line numbers
 * are physical: the engine counts LF bytes itself on both paths (csv-parse's own count differs for
 * CRLF inside quoted fields).
 *
 * Semantics common to both paths: a record ends at LF or CRLF outside quotes; a lone CR is data; a
 * line holding nothing but spaces and tabs is blank and skipped (as pandas does); a UTF-8 BOM at
 * the very start is dropped; the last record may lack its line end.
 */
import { CsvError, Parser, type Options } from 'csv-parse';
import { parse as csvParseSync } from 'csv-parse/sync';
import { DataError, IrisError } from '../core/errors.js';
import { POW10, classifyBadValue, parseNumber, scan, scanDecimal, skipField } from './numbers.js';

/** Which parser handles the input: `auto` picks the fast path for quote-free chunks. */
export type ParserChoice = 'auto' | 'csv-parse';

/** For tests: how many chunks (segments) each path parsed. */
export const csvPathStats = { fast: 0, csvParse: 0 };

/** A field that is read but not used. */
export const SLOT_IGNORE = -1;
/** The field that holds the label (target). */
export const SLOT_LABEL = -2;

/** How the fields of every data record map to the output, fixed once the first record is seen. */
export interface Layout {
  /** Number of fields every data record must have. */
  ncols: number;
  /** Per input field: the output feature index (>= 0), SLOT_IGNORE or SLOT_LABEL. */
  slots: Int32Array;
  /** Per input field: its name, for error messages. */
  names: readonly string[];
  /** Number of output features (the row width of X). */
  nf: number;
}

export interface FirstRecord {
  layout: Layout;
  /** True when the first record is a data row (no header). */
  isData: boolean;
}

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
  /** Refuse a record that grows past this many bytes (streams); 0 = no limit. */
  maxRecordBytes?: number;
}

const BLANK = /^[ \t]*$/;
const MAX_SHOWN = 60;

/** A field value as error messages show it: JSON-quoted, long values shortened. */
export function showValue(text: string): string {
  const shown = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
  return JSON.stringify(shown);
}

function crHint(text: string): string | undefined {
  return text.includes('\r')
    ? 'the value holds a carriage return: the file seems to use CR (old Mac) line ends; convert them to LF or CRLF'
    : undefined;
}

/**
 * Where the next record starts, given the end `e` of a record's last field (at its LF, at the CR of
 * its CRLF, or at the end of the buffer); -1 when the record may go on in the next chunk.
 */
function afterRecord(buf: Buffer, e: number, final: boolean): number {
  if (e < buf.length) return buf[e] === 10 ? e + 1 : e + 2;
  return final ? buf.length : -1;
}

/**
 * A column name as messages show it: bare, as in `column sepal_width`, unless it could blur the one-line
 * message (control characters, quotes, surrounding spaces), then JSON-quoted.
 */
export function columnName(name: string): string {
  return name !== '' && name.trim() === name && !/[\u0000-\u001f\u007f"]/.test(name) ? name : JSON.stringify(name);
}

export function badValueError(source: string, line: number, column: string, text: string): DataError {
  const where = `${source}:${line}: column ${columnName(column)}`;
  switch (classifyBadValue(text)) {
    case 'empty':
      return new DataError(`${where}: empty value`, {
        hint: 'missing values are not supported: fill them in or remove the row',
      });
    case 'not-finite':
      return new DataError(`${where}: ${showValue(text)} is not a finite number`, {
        hint: 'NaN and infinite values are not supported: replace them or remove the row',
      });
    default:
      return new DataError(`${where}: ${showValue(text)} is not a number`, {
        hint: crHint(text) ?? 'feature values must be decimal numbers such as 5.1, -0.5 or 1e-3',
      });
  }
}

export function emptyLabelError(source: string, line: number, column: string): DataError {
  return new DataError(`${source}:${line}: column ${columnName(column)}: empty label`, {
    hint: `every data row needs a label in column ${columnName(column)}`,
  });
}

export function fieldCountError(source: string, line: number, expected: number, found: number): DataError {
  return new DataError(`${source}:${line}: expected ${expected} fields, found ${found}`, {
    hint:
      found > expected
        ? 'every row needs exactly one field per column; quote fields that contain commas ("a,b")'
        : 'every row needs exactly one field per column',
  });
}

export function binaryError(source: string, offset: number): DataError {
  return new DataError(`${source}: looks like a binary file (NUL byte at offset ${offset})`, {
    hint: 'iris reads UTF-8 CSV text; if this is UTF-16 or a spreadsheet, export it as CSV (UTF-8)',
  });
}

/** Rows parsed so far: a geometrically grown matrix plus per-row line numbers, labels, raw fields. */
export class RowStore {
  X: Float64Array;
  lines: Int32Array;
  n = 0;
  private capacity: number;
  private expected = 0;
  labels: string[] | null;
  raw: string[][] | null;

  constructor(
    readonly nf: number,
    withLabels: boolean,
    private readonly keepRaw: boolean,
    initialRows = 256,
  ) {
    this.capacity = initialRows;
    this.X = new Float64Array(initialRows * nf);
    this.lines = new Int32Array(initialRows);
    this.labels = withLabels ? [] : null;
    this.raw = keepRaw ? [] : null;
  }

  /** Make room for one more row; returns the index in X where it starts. */
  reserve(): number {
    if (this.n === this.capacity) this.grow(this.expected > this.capacity ? this.expected : this.capacity * 2);
    return this.n * this.nf;
  }

  /** A hint: about `rows` rows in all. When the store fills up, it grows to that size rather than doubling. */
  expect(rows: number): void {
    this.expected = rows;
  }

  private grow(capacity: number): void {
    const X = new Float64Array(capacity * this.nf);
    X.set(this.X.subarray(0, this.n * this.nf));
    const lines = new Int32Array(capacity);
    lines.set(this.lines.subarray(0, this.n));
    this.X = X;
    this.lines = lines;
    this.capacity = capacity;
  }

  commit(line: number, label: string, raw: string[] | null): void {
    this.lines[this.n] = line;
    if (this.labels !== null) this.labels.push(label);
    if (this.raw !== null && raw !== null) this.raw.push(raw);
    this.n++;
  }

  /** The rows so far, trimmed to size (a copy unless little space is wasted). */
  matrixData(): Float64Array {
    const used = this.n * this.nf;
    return this.X.length - used <= this.X.length / 16 ? this.X.subarray(0, used) : this.X.slice(0, used);
  }

  linesData(): Int32Array {
    const n = this.n;
    return this.lines.length - n <= this.lines.length / 16 ? this.lines.subarray(0, n) : this.lines.slice(0, n);
  }

  /** Hand over the rows parsed so far (copies) and start again from zero, keeping the capacity. */
  take(): { X: Float64Array; n: number; lines: Int32Array; raw: string[][] | null } {
    const batch = {
      X: this.X.slice(0, this.n * this.nf),
      n: this.n,
      lines: this.lines.slice(0, this.n),
      raw: this.raw,
    };
    this.n = 0;
    if (this.labels !== null) this.labels = [];
    this.raw = this.keepRaw ? [] : null;
    return batch;
  }
}

/**
 * Labels repeat (a few classes over many rows): decoding them once per distinct byte sequence
 * saves a string allocation per row. Remembers up to 16 short labels.
 */
class LabelCache {
  private readonly bytes = Buffer.alloc(16 * 32);
  private readonly lengths = new Int32Array(16);
  private readonly strings: string[] = [];
  private size = 0;
  private nextSlot = 0;

  decode(buf: Buffer, s: number, e: number): string {
    const length = e - s;
    if (length <= 32) {
      const cached = this.bytes;
      for (let k = 0; k < this.size; k++) {
        if (this.lengths[k] !== length) continue;
        const offset = k * 32;
        let i = 0;
        while (i < length && cached[offset + i] === buf[s + i]) i++;
        if (i === length) return this.strings[k]!;
      }
      const text = buf.toString('utf8', s, e);
      const slot = this.nextSlot;
      buf.copy(cached, slot * 32, s, e);
      this.lengths[slot] = length;
      this.strings[slot] = text;
      this.nextSlot = (slot + 1) % 16;
      if (this.size < 16) this.size++;
      return text;
    }
    return buf.toString('utf8', s, e);
  }
}

// States of the quote-aware record boundary scanner.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3;

const CSV_PARSE_OPTIONS: Options = {
  bom: false,
  delimiter: ',',
  quote: '"',
  escape: '"',
  record_delimiter: ['\r\n', '\n'],
  relax_column_count: true,
  skip_empty_lines: true,
};

/**
 * csv-parse's record-level API (`Parser#api`, the object its own stream and sync wrappers drive).
 * Used directly because it reports each record's end offset (`info.bytes`) without the cost of an
 * `on_record` context object per record (which makes csv-parse several times slower). Falls back
 * to the documented `on_record` option if a future version hides it.
 */
interface CsvParseApi {
  info: { bytes: number };
  parse(
    buf: Buffer | undefined,
    end: boolean,
    push: (record: string[]) => void,
    close: () => void,
  ): Error | undefined;
}

function csvParseApi(): CsvParseApi | null {
  const api = (new Parser(CSV_PARSE_OPTIONS) as unknown as { api?: Partial<CsvParseApi> }).api;
  return api !== undefined && typeof api.parse === 'function' && typeof api.info?.bytes === 'number'
    ? (api as CsvParseApi)
    : null;
}

/** Run csv-parse over a buffer of complete records, calling `onRecord` with each record's end offset. */
function runCsvParse(segment: Buffer, onRecord: (record: string[], end: number) => void): void {
  const api = csvParseApi();
  if (api !== null) {
    const error = api.parse(
      segment,
      true,
      (record) => onRecord(record, api.info.bytes),
      () => undefined,
    );
    if (error !== undefined) throw error;
    return;
  }
  csvParseSync(segment, {
    ...CSV_PARSE_OPTIONS,
    on_record: (record: string[], info) => {
      onRecord(record, info.bytes);
      return null;
    },
  });
}

export class CsvEngine {
  readonly source: string;
  layout: Layout | null = null;
  store: RowStore | null = null;
  /** Physical line of the first record, once seen. */
  firstLine = 0;
  /** The error that stopped parsing; rows committed before it stay in `store`. */
  error: unknown = undefined;
  /** Whether any non-blank record was seen. */
  get sawRecord(): boolean {
    return this.layout !== null;
  }

  private readonly first: EngineOptions['first'];
  private readonly keepRaw: boolean;
  private readonly forceCsvParse: boolean;
  private readonly checkNul: boolean;

  /** Physical line number of the first byte of the pending data. */
  private line = 1;
  private bytesSeen = 0;
  private started = false;
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private pendingHasLf = false;
  private pendingHasQuote = false;
  private quoteState = FIELD_START;
  private quoteScanned = 0;
  private readonly labelCache = new LabelCache();
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
    // A partial record is pending (a chunk seldom ends at a line end): complete it with the head of
    // the chunk, then parse the rest of the chunk where it lies, rather than copying the whole chunk
    // behind the partial record. Any split of the input gives the same records.
    if (this.pendingLength > 0 && !this.pendingHasLf && this.started && chunk.length > 4096) {
      const lf = chunk.indexOf(10);
      if (lf !== -1 && lf + 1 < chunk.length) {
        this.append(chunk.subarray(0, lf + 1));
        if (this.error === undefined) this.append(chunk.subarray(lf + 1));
        return;
      }
    }
    this.append(chunk);
  }

  private append(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    if (!this.pendingHasLf && chunk.indexOf(10) !== -1) this.pendingHasLf = true;
    if (!this.pendingHasQuote && chunk.indexOf(34) !== -1) this.pendingHasQuote = true;
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
    this.drain(true);
  }

  /** A record that never ends (an open quote, or not a CSV file) must not fill the memory. */
  private checkRecordSize(): void {
    if (this.maxRecordBytes > 0 && this.pendingLength > this.maxRecordBytes) {
      const limit = this.maxRecordBytes;
      const size = limit % (1 << 20) === 0 ? `${limit / (1 << 20)} MiB` : `${limit} bytes`;
      throw new DataError(`${this.source}:${this.line}: a record longer than ${size}`, {
        hint: this.pendingHasQuote
          ? 'a quoted field seems to be left open: check the quotes on this line'
          : 'is this a CSV file with one record a line?',
      });
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

  private drain(final: boolean): void {
    if (this.error !== undefined) return;
    try {
      if (!this.started) {
        let data = this.joinPending();
        const bomSoFar =
          data[0] === 0xef && (data.length < 2 || data[1] === 0xbb) && (data.length < 3 || data[2] === 0xbf);
        if (bomSoFar && data.length < 3 && !final) return; // wait: it may be a UTF-8 BOM
        if (bomSoFar && data.length >= 3) {
          data = data.subarray(3);
          this.pending = [data];
          this.pendingLength = data.length;
        }
        this.started = true;
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
        boundary = this.pendingBoundary();
        if (boundary === 0) {
          this.pendingHasLf = false;
          this.checkRecordSize();
          return;
        }
      }
      const data = this.joinPending();
      const consumed = useCsvParse
        ? this.viaCsvParse(data, final ? data.length : boundary)
        : this.viaFastPath(data, final);
      const rest = consumed === 0 ? data : data.subarray(consumed);
      this.pending = rest.length === 0 ? [] : [rest];
      this.pendingLength = rest.length;
      this.pendingHasLf = false;
      if (useCsvParse) {
        this.quoteScanned -= consumed;
        if (consumed > 0 && this.pendingHasQuote && rest.indexOf(34) === -1) {
          this.pendingHasQuote = false;
          this.quoteState = FIELD_START;
          this.quoteScanned = 0;
        }
      }
    } catch (error) {
      this.error = error;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Fast path

  /** Parse the complete lines of `buf` (all of it when `final`); returns the bytes consumed. */
  private viaFastPath(buf: Buffer, final: boolean): number {
    csvPathStats.fast++;
    const n = buf.length;
    let pos = 0;
    let line = this.line;
    try {
      while (pos < n) {
        // Blank line: only spaces and tabs before the line end.
        let p = pos;
        let c = buf[p]!;
        while (c === 32 || c === 9) {
          if (++p === n) break;
          c = buf[p]!;
        }
        if (p === n) {
          if (final) pos = n;
          break;
        }
        if (c === 10) {
          pos = p + 1;
          line++;
          continue;
        }
        if (c === 13) {
          if (p + 1 < n) {
            if (buf[p + 1] === 10) {
              pos = p + 2;
              line++;
              continue;
            }
          } else if (!final) {
            break;
          }
        }
        const next =
          this.layout === null || this.keepRaw
            ? this.fastStringRow(buf, pos, final, line)
            : this.fastRow(buf, pos, final, line);
        if (next < 0) break;
        pos = next;
        line++;
      }
    } finally {
      this.line = line;
    }
    return pos;
  }

  /**
   * One data row, parsed from bytes. Returns the offset after its line end, or -1 when the line
   * is not complete yet (more input needed). Throws the row's error once the row is complete.
   */
  private fastRow(buf: Buffer, start: number, final: boolean, line: number): number {
    const layout = this.layout!;
    const store = this.store!;
    const slots = layout.slots;
    const ncols = layout.ncols;
    const n = buf.length;
    const base = store.reserve();
    const X = store.X;
    let s = start;
    let j = 0;
    let bad = -1;
    let badStart = 0;
    let badEnd = 0;
    let label = '';
    let e: number;
    for (;;) {
      const slot = j < ncols ? slots[j]! : SLOT_IGNORE;
      if (slot >= 0) {
        // The common field, a plain decimal of at most 15 digits (`-12.345`, `7`), is read here
        // without a call; anything else (spaces, `+`, an exponent, more digits, not a number) goes
        // to scanDecimal. Both compute digits / 10^fractionDigits, exactly as scanDecimal does.
        let i = s;
        let c = i < n ? buf[i]! : -1;
        const negative = c === 45;
        if (negative) c = ++i < n ? buf[i]! : -1;
        let m = 0;
        let digits = 0;
        while (c >= 48 && c <= 57) {
          m = m * 10 + (c - 48);
          digits++;
          c = ++i < n ? buf[i]! : -1;
        }
        let fraction = 0;
        if (c === 46) {
          c = ++i < n ? buf[i]! : -1;
          while (c >= 48 && c <= 57) {
            m = m * 10 + (c - 48);
            fraction++;
            c = ++i < n ? buf[i]! : -1;
          }
        }
        digits += fraction;
        if (digits !== 0 && digits <= 15 && (c === 44 || c === 10 || c === -1 || (c === 13 && buf[i + 1] === 10))) {
          const value = m / POW10[fraction]!;
          X[base + slot] = negative ? -value : value;
          e = i;
        } else {
          const value = scanDecimal(buf, s, n);
          e = scan.end;
          X[base + slot] = value;
          if (value - value !== 0 && bad < 0) {
            bad = j;
            badStart = s;
            badEnd = e;
          }
        }
      } else {
        e = skipField(buf, s, n);
        if (slot === SLOT_LABEL) {
          if (e === s) {
            if (bad < 0) {
              bad = j;
              badStart = s;
              badEnd = e;
            }
          } else {
            label = this.decodeLabel(buf, s, e);
          }
        }
      }
      j++;
      if (e < n && buf[e] === 44) {
        s = e + 1;
        continue;
      }
      break;
    }
    const next = afterRecord(buf, e, final);
    if (next === -1) return -1;
    if (j !== ncols) throw fieldCountError(this.source, line, ncols, j);
    if (bad >= 0) throw this.fieldError(line, bad, buf.toString('utf8', badStart, badEnd));
    store.commit(line, label, null);
    return next;
  }

  private decodeLabel(buf: Buffer, s: number, e: number): string {
    return this.labelCache.decode(buf, s, e);
  }

  /** One record split into strings (first record, or when raw fields are kept). */
  private fastStringRow(buf: Buffer, start: number, final: boolean, line: number): number {
    const n = buf.length;
    const fields: string[] = [];
    let s = start;
    let e: number;
    for (;;) {
      e = skipField(buf, s, n);
      fields.push(buf.toString('utf8', s, e));
      if (e < n && buf[e] === 44) {
        s = e + 1;
        continue;
      }
      break;
    }
    const next = afterRecord(buf, e, final);
    if (next === -1) return -1;
    this.record(fields, line);
    return next;
  }

  // ---------------------------------------------------------------------------------------------
  // csv-parse path

  /**
   * The offset just after the last complete record in `data`, found by a quote-aware scan that
   * follows csv-parse's grammar (a quote opens a quoted field only at the start of a field; inside
   * one, `""` is a quote and `"` followed by anything else closes it). Resumes where the previous
   * call stopped (`quoteScanned`, `quoteState`), so a long quoted field that spans many chunks is
   * scanned once. Returns an offset into the pending bytes, or 0.
   */
  private pendingBoundary(): number {
    let boundary = 0;
    let offset = 0;
    for (const chunk of this.pending) {
      const end = offset + chunk.length;
      if (end > this.quoteScanned) {
        const local = this.scanChunk(chunk, this.quoteScanned - offset);
        if (local > 0) boundary = offset + local;
        this.quoteScanned = end;
      }
      offset = end;
    }
    return boundary;
  }

  /** Scan `data` from `from` on; returns the offset after the last record end in it, or 0. */
  private scanChunk(data: Buffer, from: number): number {
    let state = this.quoteState;
    let boundary = 0;
    const n = data.length;
    for (let i = from; i < n; i++) {
      const c = data[i]!;
      switch (state) {
        case FIELD_START:
          if (c === 34) state = QUOTED;
          else if (c === 10) boundary = i + 1;
          else if (c !== 44) state = UNQUOTED;
          break;
        case UNQUOTED:
          if (c === 44) state = FIELD_START;
          else if (c === 10) {
            boundary = i + 1;
            state = FIELD_START;
          }
          break;
        case QUOTED: {
          const q = data.indexOf(34, i);
          if (q === -1) i = n;
          else {
            i = q;
            state = QUOTE_IN_QUOTED;
          }
          break;
        }
        default:
          if (c === 34) state = QUOTED;
          else if (c === 44) state = FIELD_START;
          else if (c === 10) {
            boundary = i + 1;
            state = FIELD_START;
          } else state = UNQUOTED;
      }
    }
    this.quoteState = state;
    return boundary;
  }

  /** Parse the complete records in data[0, boundary) with csv-parse; returns `boundary`. */
  private viaCsvParse(data: Buffer, boundary: number): number {
    csvPathStats.csvParse++;
    if (boundary === 0) return 0;
    const segment = boundary === data.length ? data : data.subarray(0, boundary);
    let cursor = 0;
    let line = this.line;
    const skipEmptyLines = (): void => {
      for (;;) {
        const c = segment[cursor];
        if (c === 10) {
          cursor++;
          line++;
        } else if (c === 13 && segment[cursor + 1] === 10) {
          cursor += 2;
          line++;
        } else {
          return;
        }
      }
    };
    const countLf = (from: number, to: number): number => {
      let count = 0;
      let p = segment.indexOf(10, from);
      while (p !== -1 && p < to) {
        count++;
        p = segment.indexOf(10, p + 1);
      }
      return count;
    };
    try {
      runCsvParse(segment, (record, end) => {
        skipEmptyLines();
        const start = cursor;
        const startLine = line;
        line += countLf(cursor, end);
        cursor = end;
        const only = record.length === 1 ? record[0]! : undefined;
        if (only !== undefined && BLANK.test(only) && segment.subarray(start, end).indexOf(34) === -1) {
          return; // a blank line (spaces and tabs only)
        }
        this.record(record, startLine);
      });
    } catch (error) {
      if (error instanceof IrisError || !(error instanceof CsvError)) throw error;
      skipEmptyLines();
      const at = typeof error.bytes === 'number' && error.bytes > cursor ? error.bytes : cursor;
      throw this.convertCsvError(error, line + countLf(cursor, Math.min(at, segment.length)));
    }
    line += countLf(cursor, segment.length);
    this.line = line;
    return boundary;
  }

  private convertCsvError(error: CsvError, line: number): DataError {
    const where = `${this.source}:${line}`;
    const index = (error as { column?: unknown }).column;
    const field =
      typeof index === 'number'
        ? this.layout !== null && index < this.layout.names.length
          ? `column ${columnName(this.layout.names[index]!)}`
          : `field ${index + 1}`
        : 'a field';
    const quoteHint =
      'quote a whole field ("like this") and write a quote inside a quoted field as two quotes ("5 ""inch""")';
    switch (error.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return new DataError(`${where}: unterminated quoted field`, {
          hint: 'a field that starts with a double quote must end with one; write a quote inside a quoted field as two quotes ("")',
          cause: error,
        });
      case 'INVALID_OPENING_QUOTE':
        return new DataError(`${where}: ${field}: a double quote inside an unquoted field`, {
          hint: quoteHint,
          cause: error,
        });
      case 'CSV_INVALID_CLOSING_QUOTE':
        return new DataError(`${where}: ${field}: unexpected character after a closing quote`, {
          hint: quoteHint,
          cause: error,
        });
      default:
        return new DataError(`${where}: malformed CSV (${error.message})`, { cause: error });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Records as strings (both paths)

  private record(fields: string[], line: number): void {
    if (this.layout === null) {
      const first = this.first(fields, line);
      this.layout = first.layout;
      this.firstLine = line;
      this.store = new RowStore(
        first.layout.nf,
        first.layout.slots.includes(SLOT_LABEL),
        this.keepRaw,
        Math.max(16, this.expectedRows),
      );
      if (!first.isData) return;
    }
    this.stringRow(fields, line);
  }

  private stringRow(fields: string[], line: number): void {
    const layout = this.layout!;
    const store = this.store!;
    if (fields.length !== layout.ncols) throw fieldCountError(this.source, line, layout.ncols, fields.length);
    const base = store.reserve();
    const X = store.X;
    let label = '';
    for (let j = 0; j < fields.length; j++) {
      const slot = layout.slots[j]!;
      if (slot === SLOT_IGNORE) continue;
      const text = fields[j]!;
      if (slot === SLOT_LABEL) {
        if (text === '') throw emptyLabelError(this.source, line, layout.names[j]!);
        label = text;
      } else {
        const value = parseNumber(text);
        if (value === undefined || value - value !== 0) throw this.fieldError(line, j, text);
        X[base + slot] = value;
      }
    }
    store.commit(line, label, this.keepRaw ? fields : null);
  }

  private fieldError(line: number, index: number, text: string): DataError {
    const layout = this.layout!;
    const name = layout.names[index]!;
    if (layout.slots[index] === SLOT_LABEL) return emptyLabelError(this.source, line, name);
    return badValueError(this.source, line, name, text);
  }
}
