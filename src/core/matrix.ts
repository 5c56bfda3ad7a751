/**
 * Dense row-major matrices. Shape mismatches here are programming errors, not bad data (the I/O
 * layer validates the data before it builds a matrix), hence RangeError rather than an IrisError.
 */
import type { Matrix } from './types.js';

function checkDim(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`matrix: ${name} must be a non-negative integer, got ${value}`);
  }
}

export function matrix(data: Float64Array, rows: number, cols: number): Matrix {
  checkDim(rows, 'rows');
  checkDim(cols, 'cols');
  if (data.length !== rows * cols) {
    throw new RangeError(`matrix: ${rows} x ${cols} needs ${rows * cols} values, got ${data.length}`);
  }
  return { data, rows, cols };
}

function checkRowIndex(r: number, n: number): void {
  if (!Number.isInteger(r) || r < 0 || r >= n) {
    throw new RangeError(`row index ${r} is out of range for ${n} rows`);
  }
}

/**
 * The selected rows, in the given order, as a new C-ordered matrix (what `X[idx]` gives numpy,
 * and the layout the scaler's summation order assumes).
 */
export function takeRows(X: Matrix, rows: ArrayLike<number>): Matrix {
  const d = X.cols;
  const m = rows.length;
  const out = new Float64Array(m * d);
  const src = X.data;
  for (let k = 0; k < m; k++) {
    const r = rows[k]!;
    checkRowIndex(r, X.rows);
    const from = r * d;
    const to = k * d;
    for (let j = 0; j < d; j++) out[to + j] = src[from + j]!;
  }
  return { data: out, rows: m, cols: d };
}

export function takeCodes(codes: Int32Array, rows: ArrayLike<number>): Int32Array {
  const m = rows.length;
  const out = new Int32Array(m);
  for (let k = 0; k < m; k++) {
    const r = rows[k]!;
    checkRowIndex(r, codes.length);
    out[k] = codes[r]!;
  }
  return out;
}

/**
 * Reorders the rows of X in place so that they start with the rows `first` (in that order), then
 * the rows `second` (in that order), and returns those two parts as views of X's data: what
 * takeRows(X, first) and takeRows(X, second) give, without a copy of the data. The rows named in
 * neither end up after them, in no particular order. The indices must be distinct rows of X
 * (RangeError otherwise, before any row moves).
 */
export function partitionRowsInPlace(X: Matrix, first: ArrayLike<number>, second: ArrayLike<number>): { first: Matrix; second: Matrix } {
  const n = X.rows;
  const d = X.cols;
  const m1 = first.length;
  const m2 = second.length;
  if (m1 + m2 > n) throw new RangeError(`${m1} + ${m2} rows asked of a matrix of ${n} rows`);
  // order[p] = the row that ends up at position p.
  const order = new Int32Array(n);
  const seen = new Uint8Array(n);
  const place = (r: number, p: number): void => {
    checkRowIndex(r, n);
    if (seen[r] === 1) throw new RangeError(`row ${r} is asked for twice`);
    seen[r] = 1;
    order[p] = r;
  };
  for (let k = 0; k < m1; k++) place(first[k]!, k);
  for (let k = 0; k < m2; k++) place(second[k]!, m1 + k);
  for (let r = 0, p = m1 + m2; r < n; r++) if (seen[r] === 0) order[p++] = r;

  // Follow each cycle of the permutation, holding one row aside.
  const data = X.data;
  const held = new Float64Array(d);
  const done = seen.fill(0);
  for (let p = 0; p < n; p++) {
    if (done[p] === 1) continue;
    done[p] = 1;
    if (order[p] === p) continue;
    const start = p * d;
    for (let j = 0; j < d; j++) held[j] = data[start + j]!;
    let q = p;
    for (;;) {
      const s = order[q]!;
      const to = q * d;
      if (s === p) {
        for (let j = 0; j < d; j++) data[to + j] = held[j]!;
        break;
      }
      const from = s * d;
      for (let j = 0; j < d; j++) data[to + j] = data[from + j]!;
      done[s] = 1;
      q = s;
    }
  }
  return {
    first: { data: data.subarray(0, m1 * d), rows: m1, cols: d },
    second: { data: data.subarray(m1 * d, (m1 + m2) * d), rows: m2, cols: d },
  };
}
