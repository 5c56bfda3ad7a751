/**
 * The shapes of X and y the library accepts, checked and turned into the core's flat matrix.
 * X: rows as arrays (`number[][]`), an ml-matrix `Matrix` (anything with rows, columns and get(i, j),
 * as mljs estimators accept it), or a flat row-major `{ data, rows, cols }`. y: strings or numbers.
 * Bad input throws the DataError the CLI would report for the same problem.
 */
import { DataError } from '../core/errors.js';
import { classLabels } from '../core/labels.js';
import { matrix } from '../core/matrix.js';
import type { Matrix } from '../core/types.js';

/** ml-matrix's AbstractMatrix, as far as it is read here. */
export interface MatrixLike {
  readonly rows: number;
  readonly columns: number;
  get(row: number, column: number): number;
}

/** A flat row-major matrix: element (i, j) is data[i * cols + j]. */
export interface FlatMatrix {
  readonly data: Float64Array | readonly number[];
  readonly rows: number;
  readonly cols: number;
}

export type MatrixInput = readonly (readonly number[])[] | MatrixLike | FlatMatrix;
export type Label = string | number;

export function isMatrixLike(X: unknown): X is MatrixLike {
  const m = X as Partial<MatrixLike> | null;
  return typeof m === 'object' && m !== null && typeof m.get === 'function' && Number.isInteger(m.rows) && Number.isInteger(m.columns);
}

function isFlat(X: unknown): X is FlatMatrix {
  const m = X as Partial<FlatMatrix> | null;
  return (
    typeof m === 'object' && m !== null && Number.isInteger(m.rows) && Number.isInteger(m.cols) && (m.data instanceof Float64Array || Array.isArray(m.data))
  );
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
}

function columnName(features: readonly string[] | undefined, j: number): string {
  const name = features?.[j];
  return name === undefined ? '' : ` (${name})`;
}

function notFinite(where: string, value: unknown): DataError {
  return new DataError(`${where}: ${show(value)} is not ${typeof value === 'number' ? 'a finite number' : 'a number'}`);
}

/**
 * X as the core's matrix, every value a finite number. `width` (the model's feature count) is
 * checked when given; `features` name the columns in messages. Never modifies X; the result is a copy.
 */
export function toMatrix(X: MatrixInput, options: { width?: number; features?: readonly string[] } = {}): Matrix {
  const { width, features } = options;
  const widthError = (found: number, where: string) =>
    new DataError(
      `${where} has ${found} value${found === 1 ? '' : 's'}; the model has ${width} feature${width === 1 ? '' : 's'}${features === undefined ? '' : ` (${features.join(', ')})`}`,
    );
  let out: Float64Array;
  let rows: number;
  let cols: number;
  if (isMatrixLike(X)) {
    rows = X.rows;
    cols = X.columns;
    if (width !== undefined && cols !== width) throw widthError(cols, 'X');
    out = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const v = X.get(i, j);
        if (typeof v !== 'number' || !Number.isFinite(v)) throw notFinite(`X[${i}][${j}]${columnName(features, j)}`, v);
        out[i * cols + j] = v;
      }
    }
  } else if (isFlat(X)) {
    ({ rows, cols } = X);
    if (X.data.length !== rows * cols) throw new DataError(`X.data has ${X.data.length} values, expected rows x cols = ${rows} x ${cols}`);
    if (width !== undefined && cols !== width) throw widthError(cols, 'X');
    out = Float64Array.from(X.data);
    for (let k = 0; k < out.length; k++) {
      if (!Number.isFinite(out[k]) || typeof X.data[k] !== 'number') {
        const j = k % cols;
        throw notFinite(`X row ${(k - j) / cols}, column ${j}${columnName(features, j)}`, X.data[k]);
      }
    }
  } else if (Array.isArray(X)) {
    rows = X.length;
    const first: unknown = X[0];
    cols = Array.isArray(first) ? first.length : (width ?? 0);
    out = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const row: unknown = X[i];
      if (!Array.isArray(row)) throw new DataError(`X[${i}] is ${show(row)}, not an array of numbers`);
      if (width !== undefined && row.length !== width) throw widthError(row.length, `X[${i}]`);
      if (row.length !== cols) throw new DataError(`X[${i}] has ${row.length} values, X[0] has ${cols}: the rows must all be as long`);
      for (let j = 0; j < cols; j++) {
        const v: unknown = row[j];
        if (typeof v !== 'number' || !Number.isFinite(v)) throw notFinite(`X[${i}][${j}]${columnName(features, j)}`, v);
        out[i * cols + j] = v;
      }
    }
  } else {
    throw new DataError(`X is ${show(X)}: expected rows as arrays of numbers, an ml-matrix Matrix, or { data, rows, cols }`);
  }
  return matrix(out, rows, cols);
}

/**
 * Labels as the text the model keeps, with the CLI's label rule (core/labels.ts classLabels): when
 * every label is a number, equal values are one class named in plain digits (1, 1.0 and '1.0' are
 * the class '1'), and a label that is not a whole number is a continuous target, refused.
 * `rows` is X's row count.
 */
export function toLabels(y: readonly Label[], rows: number): readonly string[] {
  if (!Array.isArray(y)) throw new DataError(`y is ${show(y)}: expected an array of labels (strings or numbers)`);
  if (y.length !== rows) throw new DataError(`y has ${y.length} labels for ${rows} rows of X`);
  const labels = new Array<string>(rows);
  for (let i = 0; i < rows; i++) {
    const v: unknown = y[i];
    if (typeof v === 'number' && Number.isFinite(v)) labels[i] = String(v);
    else if (typeof v === 'string' && v !== '') labels[i] = v;
    else throw new DataError(`y[${i}]: ${v === '' ? 'empty label' : `${show(v)} is not a label (a string or a finite number)`}`);
  }
  return classLabels(labels, 'y');
}
