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
    throw new RangeError(
      `matrix: ${rows} x ${cols} needs ${rows * cols} values, got ${data.length}`,
    );
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
