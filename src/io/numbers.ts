/**
 * Decimal number literals as pandas' CSV reader accepts them: `5`, `-0.5`, `.5`, `5.`, `1e3`, `+1`,
 * optionally surrounded by spaces or tabs. Hexadecimal, `Infinity`, `nan`, `1_000` and the empty
 * string are not numbers. Values are correctly rounded (as `Number()` rounds them).
 *
 * Two implementations that must agree bit for bit (test/unit/csv-differential.test.ts checks it):
 * `parseNumber` for strings (the csv-parse path, headers, option values) and `scanDecimal`, which
 * reads a CSV field straight from the bytes of a Buffer (the fast path).
 */

const DECIMAL = /^[ \t]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t]*$/;

/**
 * The value of a strict decimal float literal, or `undefined` when `text` is not one. Surrounding
 * spaces and tabs are allowed. Overflow gives ±Infinity (`1e400`); the caller rejects non-finite
 * values.
 */
export function parseNumber(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  return Number(text);
}

/** `NaN`, `inf`, `-Infinity`, … : words that spell a non-finite number (case-insensitive). */
const NON_FINITE_WORD = /^[+-]?(?:nan|inf|infinity)$/i;

/** How a field that is not an acceptable feature value is described in error messages. */
export type BadValueKind = 'empty' | 'not-finite' | 'not-a-number';

export function classifyBadValue(text: string): BadValueKind {
  const trimmed = text.replace(/^[ \t]+|[ \t]+$/g, '');
  if (trimmed === '') return 'empty';
  if (NON_FINITE_WORD.test(trimmed)) return 'not-finite';
  const value = parseNumber(text);
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
 * number. The field ends at a comma, a LF, a CR that is followed by a LF, or at `n`. Sets
 * `scan.end` to the index of that terminator and returns the value, or NaN when the field is not
 * a number (±Infinity on overflow, like `parseNumber`).
 *
 * Short literals (at most 15 significant digits, decimal exponent within ±22) are computed with
 * one exact multiplication or division (Clinger's fast path, which rounds correctly); anything
 * else is handed to `Number()`.
 */
export function scanDecimal(buf: Buffer, i: number, n: number): number {
  let c = i < n ? buf[i]! : -1;
  while (c === 32 || c === 9) c = ++i < n ? buf[i]! : -1;
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
  if (c === 46) {
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
  while (c === 32 || c === 9) c = ++i < n ? buf[i]! : -1;
  if (valid && (c === -1 || c === 44 || c === 10 || (c === 13 && buf[i + 1] === 10))) {
    scan.end = i;
    if (slow) return Number(buf.toString('latin1', literalStart, literalEnd));
    if (mantissa === 0) return negative ? -0 : 0;
    let value: number;
    if (exponent >= 0 && exponent <= 22) value = mantissa * POW10[exponent]!;
    else if (exponent < 0 && exponent >= -22) value = mantissa / POW10[-exponent]!;
    else return Number(buf.toString('latin1', literalStart, literalEnd));
    return negative ? -value : value;
  }
  scan.end = skipField(buf, i, n);
  return NaN;
}

/** The index of the terminator (comma, LF, CR of a CRLF, or `n`) of the unquoted field at `i`. */
export function skipField(buf: Buffer, i: number, n: number): number {
  while (i < n) {
    const c = buf[i]!;
    if (c === 44 || c === 10 || (c === 13 && buf[i + 1] === 10)) break;
    i++;
  }
  return i;
}
