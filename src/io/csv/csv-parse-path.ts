/**
 * The csv-parse path of the CSV engine: input with double quotes (RFC 4180 quoting) is split into
 * records by csv-parse, and each record goes through the engine's string checks. A quote-aware
 * scanner finds where the complete records end, so that a long quoted field arriving in many
 * chunks is neither copied nor scanned again and again.
 */
import { CsvError, Parser, type Options } from 'csv-parse';
import { parse as csvParseSync } from 'csv-parse/sync';
import { IrisError } from '../../core/errors.js';
import { csvPathStats, type EngineState } from './layout.js';
import { csvParseError } from './errors.js';
import { COMMA, CR, LF, QUOTE } from './numbers.js';

// States of the quote-aware record boundary scanner.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3;

/**
 * Finds the end of the last complete record in the pending bytes, following csv-parse's grammar (a
 * quote opens a quoted field only at the start of a field; inside one, `""` is a quote and `"`
 * followed by anything else closes it). Resumes where the previous call stopped.
 */
export class QuoteScanner {
  delim = COMMA;
  private state = FIELD_START;
  /** Bytes of the pending data already scanned. */
  private scanned = 0;

  /** The offset just after the last complete record in `pending` (its chunks in order), or 0. */
  boundary(pending: readonly Buffer[]): number {
    let boundary = 0;
    let offset = 0;
    for (const chunk of pending) {
      const end = offset + chunk.length;
      if (end > this.scanned) {
        const local = this.scan(chunk, this.scanned - offset);
        if (local > 0) boundary = offset + local;
        this.scanned = end;
      }
      offset = end;
    }
    return boundary;
  }

  /** `bytes` at the front of the pending data were parsed and dropped. */
  consumed(bytes: number): void {
    this.scanned -= bytes;
  }

  reset(): void {
    this.state = FIELD_START;
    this.scanned = 0;
  }

  private scan(data: Buffer, from: number): number {
    const delim = this.delim;
    let state = this.state;
    let boundary = 0;
    const n = data.length;
    for (let i = from; i < n; i++) {
      const c = data[i]!;
      switch (state) {
        case FIELD_START:
          if (c === QUOTE) state = QUOTED;
          else if (c === LF) boundary = i + 1;
          else if (c !== delim) state = UNQUOTED;
          break;
        case UNQUOTED:
          if (c === delim) state = FIELD_START;
          else if (c === LF) {
            boundary = i + 1;
            state = FIELD_START;
          }
          break;
        case QUOTED: {
          const q = data.indexOf(QUOTE, i);
          if (q === -1) i = n;
          else {
            i = q;
            state = QUOTE_IN_QUOTED;
          }
          break;
        }
        default:
          if (c === QUOTE) state = QUOTED;
          else if (c === delim) state = FIELD_START;
          else if (c === LF) {
            boundary = i + 1;
            state = FIELD_START;
          } else state = UNQUOTED;
      }
    }
    this.state = state;
    return boundary;
  }
}

function csvParseOptions(delimiter: string): Options {
  return {
    bom: false,
    delimiter,
    quote: '"',
    escape: '"',
    record_delimiter: ['\r\n', '\n'],
    relax_column_count: true,
    skip_empty_lines: true,
  };
}

/**
 * csv-parse's record-level API (`Parser#api`, the object its own stream and sync wrappers drive).
 * It is not documented: package.json pins csv-parse to an exact version, and the documented
 * `on_record` option is the fallback if a version lacks it (test/unit/csv-differential.test.ts runs
 * both). Used because it reports each record's end offset (`info.bytes`) without the cost of an
 * `on_record` context object per record (which makes csv-parse several times slower).
 */
interface CsvParseApi {
  info: { bytes: number };
  parse(buf: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
}

/** For tests: false makes every parse take the documented `on_record` path. */
export const csvParseInternals = { useApi: true };

function csvParseApi(options: Options): CsvParseApi | null {
  if (!csvParseInternals.useApi) return null;
  const api = (new Parser(options) as unknown as { api?: Partial<CsvParseApi> }).api;
  return api !== undefined && typeof api.parse === 'function' && typeof api.info?.bytes === 'number' ? (api as CsvParseApi) : null;
}

/** Run csv-parse over a buffer of complete records, calling `onRecord` with each record's end offset. */
function runCsvParse(segment: Buffer, delimiter: string, onRecord: (record: string[], end: number) => void): void {
  const options = csvParseOptions(delimiter);
  const api = csvParseApi(options);
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
    ...options,
    on_record: (record: string[], info) => {
      onRecord(record, info.bytes);
      return null;
    },
  });
}

const BLANK = /^[ \t]*$/;
const TAB = 9;

/** Parse the complete records in data[0, boundary) with csv-parse; returns `boundary`. */
export function viaCsvParse(engine: EngineState, data: Buffer, boundary: number): number {
  csvPathStats.csvParse++;
  if (boundary === 0) return 0;
  const segment = boundary === data.length ? data : data.subarray(0, boundary);
  let cursor = 0;
  let line = engine.line;
  const skipEmptyLines = (): void => {
    for (;;) {
      const c = segment[cursor];
      if (c === LF) {
        cursor++;
        line++;
      } else if (c === CR && segment[cursor + 1] === LF) {
        cursor += 2;
        line++;
      } else {
        return;
      }
    }
  };
  const countLf = (from: number, to: number): number => {
    let count = 0;
    let p = segment.indexOf(LF, from);
    while (p !== -1 && p < to) {
      count++;
      p = segment.indexOf(LF, p + 1);
    }
    return count;
  };
  try {
    runCsvParse(segment, engine.delimiter ?? ',', (record, end) => {
      skipEmptyLines();
      const start = cursor;
      const startLine = line;
      line += countLf(cursor, end);
      cursor = end;
      // A blank line (spaces and tabs only) is skipped, as the fast path skips it: one blank field,
      // or several when the tab is the delimiter.
      if ((record.length === 1 || engine.delim === TAB) && record.every((f) => BLANK.test(f)) && segment.subarray(start, end).indexOf(QUOTE) === -1) {
        return;
      }
      engine.record(record, startLine);
    });
  } catch (error) {
    if (error instanceof IrisError || !(error instanceof CsvError)) throw error;
    skipEmptyLines();
    const at = typeof error.bytes === 'number' && error.bytes > cursor ? error.bytes : cursor;
    const errorLine = line + countLf(cursor, Math.min(at, segment.length));
    throw csvParseError(error, `${engine.source}:${errorLine}`, engine.layout?.names ?? null);
  }
  line += countLf(cursor, segment.length);
  engine.line = line;
  return boundary;
}
