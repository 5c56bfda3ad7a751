/**
 * The fast path of the CSV engine: quote-free input parsed straight from the bytes, numeric fields
 * into the row store's Float64Array without a string per field. Gives the records, values and
 * errors the csv-parse path gives (test/unit/csv-differential.test.ts holds them to it).
 */
import { csvPathStats, SLOT_EMPTY, SLOT_IGNORE, SLOT_LABEL, type EngineState } from './layout.js';
import { POW10, scan, scanDecimal, skipField } from './numbers.js';

/**
 * Where the next record starts, given the end `e` of a record's last field (at its LF, at the CR of
 * its CRLF, or at the end of the buffer); -1 when the record may go on in the next chunk.
 */
function afterRecord(buf: Buffer, e: number, final: boolean): number {
  if (e < buf.length) return buf[e] === 10 ? e + 1 : e + 2;
  return final ? buf.length : -1;
}

/** Only spaces and tabs in buf[s, e). */
function blankBytes(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i] !== 32 && buf[i] !== 9) return false;
  return true;
}

/** Parse the complete lines of `buf` (all of it when `final`); returns the bytes consumed. */
export function viaFastPath(engine: EngineState, buf: Buffer, final: boolean): number {
  csvPathStats.fast++;
  const n = buf.length;
  let pos = 0;
  let line = engine.line;
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
      const next = engine.layout === null || engine.keepRaw ? fastStringRow(engine, buf, pos, final, line) : fastRow(engine, buf, pos, final, line);
      if (next < 0) break;
      pos = next;
      line++;
    }
  } finally {
    engine.line = line;
  }
  return pos;
}

/**
 * One data row, parsed from bytes. Returns the offset after its line end, or -1 when the line
 * is not complete yet (more input needed). Throws the row's error once the row is complete.
 */
function fastRow(engine: EngineState, buf: Buffer, start: number, final: boolean, line: number): number {
  const layout = engine.layout!;
  const store = engine.store!;
  const delim = engine.delim;
  const dec = engine.dec;
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
  const cells = engine.cells;
  const textFeatures = cells === null ? null : cells.textFeatures;
  // Table reading: the fields the table reader decides (position, start, end), read after the loop.
  const odd = cells === null ? null : engine.oddFields;
  let nOdd = 0;
  for (;;) {
    const slot = j < ncols ? slots[j]! : SLOT_IGNORE;
    if (slot >= 0 && textFeatures !== null && textFeatures[slot] === 1) {
      // A categorical field: handed to the table reader once the record is known to be complete.
      e = skipField(buf, s, n, delim);
      odd![3 * nOdd] = j;
      odd![3 * nOdd + 1] = s;
      odd![3 * nOdd + 2] = e;
      nOdd++;
    } else if (slot >= 0) {
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
      if (c === dec) {
        c = ++i < n ? buf[i]! : -1;
        while (c >= 48 && c <= 57) {
          m = m * 10 + (c - 48);
          fraction++;
          c = ++i < n ? buf[i]! : -1;
        }
      }
      digits += fraction;
      if (digits !== 0 && digits <= 15 && (c === delim || c === 10 || c === -1 || (c === 13 && buf[i + 1] === 10))) {
        const value = m / POW10[fraction]!;
        X[base + slot] = negative ? -value : value;
        e = i;
      } else {
        const value = scanDecimal(buf, s, n, delim, dec);
        e = scan.end;
        X[base + slot] = value;
        if (value - value !== 0) {
          if (cells !== null) {
            // Not a finite number: a missing value, a word, or an error, as the table reader
            // decides once the record is complete (a piece of a record must not count).
            odd![3 * nOdd] = j;
            odd![3 * nOdd + 1] = s;
            odd![3 * nOdd + 2] = e;
            nOdd++;
          } else if (bad < 0) {
            bad = j;
            badStart = s;
            badEnd = e;
          }
        }
      }
    } else {
      e = skipField(buf, s, n, delim);
      if (slot === SLOT_LABEL && cells !== null) {
        odd![3 * nOdd] = j;
        odd![3 * nOdd + 1] = s;
        odd![3 * nOdd + 2] = e;
        nOdd++;
      } else if (slot === SLOT_LABEL || (slot === SLOT_EMPTY && !blankBytes(buf, s, e))) {
        if (e === s || slot === SLOT_EMPTY) {
          if (bad < 0) {
            bad = j;
            badStart = s;
            badEnd = e;
          }
        } else {
          label = engine.labelCache.decode(buf, s, e);
        }
      }
    }
    j++;
    if (e < n && buf[e] === delim) {
      s = e + 1;
      continue;
    }
    break;
  }
  const next = afterRecord(buf, e, final);
  if (next === -1) return -1;
  if (j !== ncols) throw engine.fieldCountError(line, j);
  for (let q = 0; q < nOdd; q++) {
    const k = odd![3 * q]!;
    const fs = odd![3 * q + 1]!;
    const fe = odd![3 * q + 2]!;
    const slot = slots[k]!;
    let ok: boolean;
    if (slot === SLOT_LABEL) {
      const kept = cells!.label(fe === fs ? '' : engine.labelCache.decode(buf, fs, fe), line);
      ok = kept !== undefined;
      if (ok) label = kept!;
    } else {
      const value = cells!.cell(slot, cells!.caches[slot]!.decode(buf, fs, fe), line);
      ok = value !== undefined;
      if (ok) X[base + slot] = value!;
    }
    if (!ok && (bad < 0 || k < bad)) {
      bad = k;
      badStart = fs;
      badEnd = fe;
    }
  }
  if (bad >= 0) throw engine.fieldError(line, bad, buf.toString('utf8', badStart, badEnd));
  store.commit(line, label, null);
  return next;
}

/** One record split into strings (first record, or when raw fields are kept). */
function fastStringRow(engine: EngineState, buf: Buffer, start: number, final: boolean, line: number): number {
  const n = buf.length;
  const fields: string[] = [];
  const delim = engine.delim;
  let s = start;
  let e: number;
  for (;;) {
    e = skipField(buf, s, n, delim);
    fields.push(buf.toString('utf8', s, e));
    if (e < n && buf[e] === delim) {
      s = e + 1;
      continue;
    }
    break;
  }
  const next = afterRecord(buf, e, final);
  if (next === -1) return -1;
  engine.record(fields, line);
  return next;
}
