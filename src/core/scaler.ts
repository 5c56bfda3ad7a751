/**
 * scikit-learn's `StandardScaler` on dense float64 data (docs/SKLEARN_PARITY.md §3). The statistics
 * come from `_incremental_mean_and_var`'s corrected two-pass formula, with numpy's summation
 * order: the order decides the last bits of mean_ and scale_, and so every weight after them.
 */
import { DataError } from './errors.js';
import type { Matrix } from './types.js';

export interface ScalerState {
  mean: Float64Array;
  scale: Float64Array;
  variance: Float64Array;
  nSamplesSeen: number;
}

const EPS = 2.220446049250313e-16;

/** numpy's pairwise summation of a[offset], a[offset+stride], … (n terms). */
export function pairwiseSum(a: ArrayLike<number>, offset: number, n: number, stride = 1): number {
  if (n < 8) {
    let r = 0.0;
    for (let i = 0; i < n; i++) r += a[offset + i * stride]!;
    return r;
  }
  if (n <= 128) {
    let r0 = a[offset]!;
    let r1 = a[offset + stride]!;
    let r2 = a[offset + 2 * stride]!;
    let r3 = a[offset + 3 * stride]!;
    let r4 = a[offset + 4 * stride]!;
    let r5 = a[offset + 5 * stride]!;
    let r6 = a[offset + 6 * stride]!;
    let r7 = a[offset + 7 * stride]!;
    const blockEnd = n - (n % 8);
    let i = 8;
    for (; i < blockEnd; i += 8) {
      const p = offset + i * stride;
      r0 += a[p]!;
      r1 += a[p + stride]!;
      r2 += a[p + 2 * stride]!;
      r3 += a[p + 3 * stride]!;
      r4 += a[p + 4 * stride]!;
      r5 += a[p + 5 * stride]!;
      r6 += a[p + 6 * stride]!;
      r7 += a[p + 7 * stride]!;
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[offset + i * stride]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, offset, n2, stride) + pairwiseSum(a, offset + n2 * stride, n - n2, stride);
}

/**
 * `np.sum(M, axis=0)` for a C-ordered matrix: row after row when d >= 2; a single column is
 * contiguous, so numpy sums it pairwise (after its 0.0 identity).
 */
function columnSums(data: ArrayLike<number>, n: number, d: number, out: Float64Array): void {
  if (d === 1) {
    out[0] = 0.0 + pairwiseSum(data, 0, n, 1);
    return;
  }
  out.fill(0.0);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) out[j] = out[j]! + data[row + j]!;
  }
}

export function fitStandardScaler(X: Matrix): ScalerState {
  const n = X.rows;
  const d = X.cols;
  if (X.data.length !== n * d) {
    throw new RangeError(`matrix ${n} x ${d} has ${X.data.length} values`);
  }
  if (n === 0) throw new DataError('cannot fit the scaler on 0 rows');
  const x = X.data;

  const S = new Float64Array(d);
  columnSums(x, n, d, S);
  const mean = new Float64Array(d);
  const T = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    mean[j] = (0.0 + S[j]!) / n;
    T[j] = S[j]! / n;
  }

  // D = X - T and D*D are materialised (as numpy does) only when d == 1, where the pairwise
  // order needs them as vectors; otherwise both sums run row by row in one pass.
  const C = new Float64Array(d);
  const Q = new Float64Array(d);
  if (d === 1) {
    const t = T[0]!;
    const D = new Float64Array(n);
    const D2 = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = x[i]! - t;
      D[i] = v;
      D2[i] = v * v;
    }
    C[0] = 0.0 + pairwiseSum(D, 0, n, 1);
    Q[0] = 0.0 + pairwiseSum(D2, 0, n, 1);
  } else {
    for (let i = 0; i < n; i++) {
      const row = i * d;
      for (let j = 0; j < d; j++) {
        const v = x[row + j]! - T[j]!;
        C[j] = C[j]! + v;
        Q[j] = Q[j]! + v * v;
      }
    }
  }

  const variance = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const c = C[j]!;
    const v = (Q[j]! - (c * c) / n) / n;
    variance[j] = v;
    const nm = n * mean[j]! * EPS;
    // `_is_constant_feature`: the raw variance against its rounding-error bound; a constant
    // column keeps scale 1 so that transform leaves it at 0 instead of dividing by ~0.
    const constant = v <= n * EPS * v + nm * nm;
    scale[j] = constant ? 1.0 : Math.sqrt(v);
  }
  return { mean, scale, variance, nSamplesSeen: n };
}

/**
 * (x - mean) / scale: a subtraction then a division, as sklearn's in-place `-=` and `/=`. `out` may
 * be `X.data` itself, to scale in place.
 */
export function transformStandard(scaler: { mean: ArrayLike<number>; scale: ArrayLike<number> }, X: Matrix, out?: Float64Array): Matrix {
  const n = X.rows;
  const d = X.cols;
  if (scaler.mean.length !== d || scaler.scale.length !== d) {
    throw new RangeError(`scaler has ${scaler.mean.length} means and ${scaler.scale.length} scales for ${d} columns`);
  }
  if (X.data.length !== n * d) {
    throw new RangeError(`matrix ${n} x ${d} has ${X.data.length} values`);
  }
  const res = out ?? new Float64Array(n * d);
  if (res.length !== n * d) {
    throw new RangeError(`output buffer has ${res.length} values, needs ${n * d}`);
  }
  const x = X.data;
  const mean = scaler.mean;
  const scale = scaler.scale;
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) res[row + j] = (x[row + j]! - mean[j]!) / scale[j]!;
  }
  return { data: res, rows: n, cols: d };
}

export class StandardScaler {
  mean_?: Float64Array;
  scale_?: Float64Array;
  var_?: Float64Array;
  nSamplesSeen_?: number;

  fit(X: Matrix): this {
    const s = fitStandardScaler(X);
    this.mean_ = s.mean;
    this.scale_ = s.scale;
    this.var_ = s.variance;
    this.nSamplesSeen_ = s.nSamplesSeen;
    return this;
  }

  transform(X: Matrix): Matrix {
    if (this.mean_ === undefined || this.scale_ === undefined) {
      throw new Error('StandardScaler.transform called before fit');
    }
    return transformStandard({ mean: this.mean_, scale: this.scale_ }, X);
  }

  fitTransform(X: Matrix): Matrix {
    return this.fit(X).transform(X);
  }
}
