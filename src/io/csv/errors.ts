/**
 * The DataErrors of reading CSV, worded once: every path (fast scanner, csv-parse, labelled
 * reader, streamed rows) builds its messages here, so equal problems read the same.
 */
import { type CsvError } from 'csv-parse';
import { DataError } from '../../core/errors.js';
import { classifyBadValue } from './numbers.js';
import { columnName, showValue } from './names.js';

/** A DataError for a path that cannot be read, from a Node.js system error (its errno code). */
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

function crHint(text: string): string | undefined {
  return text.includes('\r') ? 'the value holds a carriage return: the file mixes line ends (CRLF and a lone CR); convert them to LF or CRLF' : undefined;
}

export function badValueError(source: string, line: number, column: string, text: string, decimal: '.' | ',' = '.'): DataError {
  const where = `${source}:${line}: column ${columnName(column)}`;
  switch (classifyBadValue(text, decimal)) {
    case 'empty':
      return new DataError(`${where}: empty value`, {
        hint: 'missing values are not supported: fill them in or remove the row',
      });
    case 'not-finite':
      return new DataError(`${where}: ${showValue(text)} is not a finite number`, {
        hint: 'NaN and infinite values are not supported: replace them or remove the row',
      });
    default: {
      const otherMark = decimal === '.' ? /^[ \t]*[+-]?[0-9]*,[0-9]+[ \t]*$/.test(text) : /^[ \t]*[+-]?[0-9]*\.[0-9]+[ \t]*$/.test(text);
      return new DataError(`${where}: ${showValue(text)} is not a number`, {
        hint:
          crHint(text) ??
          (otherMark
            ? `the decimal mark is "${decimal}"; for numbers written like ${showValue(text)} pass --decimal ${decimal === '.' ? ',' : '.'}`
            : `feature values must be decimal numbers such as 5${decimal}1, -0${decimal}5 or 1e-3`),
      });
    }
  }
}

export function emptyLabelError(source: string, line: number, column: string): DataError {
  return new DataError(`${source}:${line}: column ${columnName(column)}: empty label`, {
    hint: `every data row needs a label in column ${columnName(column)}`,
  });
}

export function fieldCountError(source: string, line: number, expected: number, found: number, delimiter = ','): DataError {
  const shown = delimiter === '\t' ? 'tab' : `"${delimiter}"`;
  return new DataError(`${source}:${line}: expected ${expected} fields, found ${found}`, {
    hint:
      found > expected
        ? `every row needs exactly one field per column; quote fields that contain the delimiter ${shown}`
        : `every row needs exactly one field per column (the delimiter is ${shown}; see --delimiter)`,
  });
}

export function binaryError(source: string, offset: number): DataError {
  return new DataError(`${source}: looks like a binary file (NUL byte at offset ${offset})`, {
    hint: 'iris reads UTF-8 CSV text; if this is UTF-16 or a spreadsheet, export it as CSV (UTF-8)',
  });
}

export function recordTooLongError(source: string, line: number, limit: number, openQuote: boolean): DataError {
  const size = limit % (1 << 20) === 0 ? `${limit / (1 << 20)} MiB` : `${limit} bytes`;
  return new DataError(`${source}:${line}: a record longer than ${size}`, {
    hint: openQuote ? 'a quoted field seems to be left open: check the quotes on this line' : 'is this a CSV file with one record a line?',
  });
}

/** A csv-parse error as the DataError the fast path would give; `names` are the columns, once known. */
export function csvParseError(error: CsvError, where: string, names: readonly string[] | null): DataError {
  const index = (error as { column?: unknown }).column;
  const field = typeof index === 'number' ? (names !== null && index < names.length ? `column ${columnName(names[index]!)}` : `field ${index + 1}`) : 'a field';
  const quoteHint = 'quote a whole field ("like this") and write a quote inside a quoted field as two quotes ("5 ""inch""")';
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new DataError(`${where}: unterminated quoted field`, {
        hint: 'a field that starts with a double quote must end with one; write a quote inside a quoted field as two quotes ("")',
        cause: error,
      });
    case 'INVALID_OPENING_QUOTE':
      return new DataError(`${where}: ${field}: a double quote inside an unquoted field`, { hint: quoteHint, cause: error });
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new DataError(`${where}: ${field}: unexpected character after a closing quote`, { hint: quoteHint, cause: error });
    default:
      return new DataError(`${where}: malformed CSV (${error.message.slice(0, 200)})`, { cause: error });
  }
}
