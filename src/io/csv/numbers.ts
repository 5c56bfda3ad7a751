/**
 * CSV field values as numbers, in the grammar of core/decimal.ts, with the decimal mark of the
 * dialect (`.` or `,`). Values are correctly rounded (as `Number()` rounds them).
 *
 * Two implementations that must agree bit for bit (test/unit/csv-differential.test.ts checks it):
 * `parseNumber` for strings (the csv-parse path, headers) and `scanDecimal`, which reads a CSV
 * field straight from the bytes of a Buffer (the fast path).
 */
import { parseDecimal } from '../../core/decimal.js';

/** Byte values the scanners compare with. */
export const LF = 10;
export const CR = 13;
export const COMMA = 44;
export const DOT = 46;
export const QUOTE = 34;

/**
 * The value of a decimal literal written with `decimal` as its mark, or `undefined` when `text` is
 * not one. Surrounding spaces and tabs are allowed. Overflow gives ±Infinity (`1e400`); the caller
 * rejects non-finite values. With a decimal comma, a dot is not a decimal mark (`5.1` is not a number).
 */
export function parseNumber(text: string, decimal: '.' | ',' = '.'): number | undefined {
  if (decimal === '.') return parseDecimal(text);
  if (text.includes('.')) return undefined;
  return parseDecimal(text.replace(',', '.'));
}

/** `NaN`, `inf`, `-Infinity`, … : words that spell a non-finite number (case-insensitive). */
const NON_FINITE_WORD = /^[+-]?(?:nan|inf|infinity)$/i;

/** How a field that is not an acceptable feature value is described in error messages. */
export type BadValueKind = 'empty' | 'not-finite' | 'not-a-number';

export function classifyBadValue(text: string, decimal: '.' | ',' = '.'): BadValueKind {
  const trimmed = text.replace(/^[ \t]+|[ \t]+$/g, '');
  if (trimmed === '') return 'empty';
  if (NON_FINITE_WORD.test(trimmed)) return 'not-finite';
  const value = parseNumber(text, decimal);
  if (value !== undefined && !Number.isFinite(value)) return 'not-finite';
  return 'not-a-number';
}

/** Powers of ten that are exact doubles: 1e0 … 1e22. */
export const POW10 = new Float64Array(23);
for (let i = 0, p = 1; i < 23; i++, p *= 10) POW10[i] = p;

/** Where the last `scanDecimal` / `skipField` stopped: the index of the field's terminator. */
export const scan = { end: 0 };

/**
 * Parse the CSV field that starts at `i` in `buf` (scanning no further than `n`) as a decimal
 * number with the decimal mark `dec` (a byte). The field ends at the delimiter byte `delim`, a
 * LF, a CR that is followed by a LF, or at `n`. Sets
 * `scan.end` to the index of that terminator and returns the value, or NaN when the field is not
 * a number (±Infinity on overflow, like `parseNumber`).
 *
 * Short literals (at most 15 significant digits, decimal exponent within ±22) are computed with
 * one exact multiplication or division (Clinger's fast path, which rounds correctly); anything
 * else is handed to `Number()`.
 */
export function scanDecimal(buf: Buffer, i: number, n: number, delim = COMMA, dec = DOT): number {
  let c = i < n ? buf[i]! : -1;
  while ((c === 32 || c === 9) && c !== delim) c = ++i < n ? buf[i]! : -1; // spaces and tabs, unless the tab is the delimiter
  const literalStart = i;
  let negative = false;
  if (c === 45 || c === 43) {
    negative = c === 45;
    c = ++i < n ? buf[i]! : -1;
  }
  let mantissa = 0;
  let significant = 0;
  let digits = 0;
  let exponent = 0;
  let slow = false;
  while (c >= 48 && c <= 57) {
    digits++;
    if (mantissa !== 0 || c !== 48) {
      if (significant < 15) {
        mantissa = mantissa * 10 + (c - 48);
        significant++;
      } else {
        slow = true;
      }
    }
    c = ++i < n ? buf[i]! : -1;
  }
  if (c === dec) {
    c = ++i < n ? buf[i]! : -1;
    while (c >= 48 && c <= 57) {
      digits++;
      if (mantissa === 0 && c === 48) {
        exponent--;
      } else if (significant < 15) {
        mantissa = mantissa * 10 + (c - 48);
        significant++;
        exponent--;
      } else {
        slow = true;
      }
      c = ++i < n ? buf[i]! : -1;
    }
  }
  let valid = digits > 0;
  if (valid && (c === 101 || c === 69)) {
    c = ++i < n ? buf[i]! : -1;
    let negativeExponent = false;
    if (c === 45 || c === 43) {
      negativeExponent = c === 45;
      c = ++i < n ? buf[i]! : -1;
    }
    if (c >= 48 && c <= 57) {
      let e = 0;
      while (c >= 48 && c <= 57) {
        if (e < 100_000_000) e = e * 10 + (c - 48);
        c = ++i < n ? buf[i]! : -1;
      }
      exponent += negativeExponent ? -e : e;
    } else {
      valid = false;
    }
  }
  const literalEnd = i;
  while ((c === 32 || c === 9) && c !== delim) c = ++i < n ? buf[i]! : -1; // spaces and tabs, unless the tab is the delimiter
  if (valid && (c === -1 || c === delim || c === LF || (c === CR && buf[i + 1] === LF))) {
    scan.end = i;
    if (slow) return Number(literalText(buf, literalStart, literalEnd, dec));
    if (mantissa === 0) return negative ? -0 : 0;
    let value: number;
    if (exponent >= 0 && exponent <= 22) value = mantissa * POW10[exponent]!;
    else if (exponent < 0 && exponent >= -22) value = mantissa / POW10[-exponent]!;
    else return Number(literalText(buf, literalStart, literalEnd, dec));
    return negative ? -value : value;
  }
  scan.end = skipField(buf, i, n, delim);
  return NaN;
}

/** A literal's text for `Number()`, its decimal mark made a dot. */
function literalText(buf: Buffer, start: number, end: number, dec: number): string {
  const text = buf.toString('latin1', start, end);
  return dec === DOT ? text : text.replace(',', '.');
}

/** The index of the terminator (the delimiter, LF, CR of a CRLF, or `n`) of the unquoted field at `i`. */
export function skipField(buf: Buffer, i: number, n: number, delim = COMMA): number {
  while (i < n) {
    const c = buf[i]!;
    if (c === delim || c === LF || (c === CR && buf[i + 1] === LF)) break;
    i++;
  }
  return i;
}
