import { describe, expect, it } from 'vitest';
import { DataError, StandardScaler, fitStandardScaler, matrix, pairwiseSum, transformStandard } from '../../src/core/index.js';
import { loadIris } from '../helpers/iris.js';

const iris = loadIris();
const X = matrix(iris.X, iris.rows, 4);

describe('pairwiseSum (numpy order)', () => {
  it('pairs eight accumulators for 8 <= n <= 128', () => {
    const v = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.7];
    expect(pairwiseSum(v, 0, v.length) / 10).toBe(0.16);
    expect(v.reduce((a, b) => a + b, 0) / 10).toBe(0.15999999999999998);
  });

  it('splits recursively above 128 terms', () => {
    const a = Array.from({ length: 300 }, (_, i) => ((i * 0.37) % 1.3) + 0.01);
    expect(pairwiseSum(a, 0, a.length)).toBe(200.59999999999923);
    expect(a.reduce((s, v) => s + v, 0)).toBe(200.59999999999926);
  });

  it('sums a strided column', () => {
    expect(pairwiseSum([1, 9, 2, 9, 3, 9], 0, 3, 2)).toBe(6);
  });
});

describe('fitStandardScaler', () => {
  it('sums several columns row by row (C order)', () => {
    const s = fitStandardScaler(
      matrix(
        iris.X.filter((_, k) => k % 4 < 2),
        150,
        2,
      ),
    );
    expect(Array.from(s.mean)).toEqual([5.843333333333335, 3.057333333333334]);
    expect(Array.from(s.scale)).toEqual([0.8253012917851409, 0.43441096773549437]);
    expect(s.nSamplesSeen).toBe(150);
  });

  it('sums a single column pairwise, like numpy on a contiguous vector', () => {
    const col = matrix(
      iris.X.filter((_, k) => k % 4 === 0),
      150,
      1,
    );
    const s = fitStandardScaler(col);
    expect(s.mean[0]).toBe(5.843333333333334);
    expect(s.variance[0]).toBe(0.6811222222222223);
    expect(s.scale[0]).toBe(0.8253012917851409);
  });

  it('uses the corrected two-pass variance, which differs when the mean is badly rounded', () => {
    const M = matrix(Float64Array.from([394613364429526, 0, 394613364429537, 1, 394613364429559, 2]), 3, 2);
    const s = fitStandardScaler(M);
    expect(Array.from(s.variance)).toEqual([188.2222222222222, 0.6666666666666666]);
    expect(Array.from(s.scale)).toEqual([13.719410418171117, 0.816496580927726]);
    expect(Array.from(s.mean)).toEqual([394613364429540.7, 1]);
  });

  it('gives a constant column scale 1, so it transforms to 0', () => {
    const M = matrix(Float64Array.from([0.3, 1, 0.3, 2, 0.3, 4]), 3, 2);
    const s = fitStandardScaler(M);
    expect(s.mean[0]).toBe(0.3);
    expect(s.scale[0]).toBe(1);
    expect(s.scale[1]).toBe(Math.sqrt(s.variance[1]!));
    const Z = transformStandard(s, M);
    expect([Z.data[0], Z.data[2], Z.data[4]]).toEqual([0, 0, 0]);
  });

  it('treats a variance within rounding error as constant (sklearn _is_constant_feature)', () => {
    const M = matrix(Float64Array.from([1, 0, 1.0000000000000002, 1, 1, 2]), 3, 2);
    const s = fitStandardScaler(M);
    expect(s.variance[0]).toBe(1.0956401461402943e-32);
    expect(Array.from(s.scale)).toEqual([1, 0.816496580927726]);
    expect([0, 2, 4].map((k) => transformStandard(s, M).data[k])).toEqual([0, 2.220446049250313e-16, 0]);
  });

  it('leaves the rounding error of the mean in a constant column, as sklearn does', () => {
    const data = new Float64Array(300);
    for (let i = 0; i < 150; i++) {
      data[2 * i] = 5.1;
      data[2 * i + 1] = i;
    }
    const M = matrix(data, 150, 2);
    const s = fitStandardScaler(M);
    expect(s.mean[0]).toBe(5.100000000000014);
    expect(s.variance[0]).toBe(0);
    expect(s.scale[0]).toBe(1);
    expect(transformStandard(s, M).data[0]).toBe(-1.4210854715202004e-14);
  });

  it('refuses zero rows', () => {
    expect(() => fitStandardScaler(matrix(new Float64Array(0), 0, 3))).toThrow(DataError);
  });
});

describe('transformStandard', () => {
  it('subtracts then divides', () => {
    const Z = transformStandard({ mean: [1, 2], scale: [3, 0.1] }, matrix(Float64Array.from([0.3, 2.7]), 1, 2));
    expect(Array.from(Z.data)).toEqual([(0.3 - 1) / 3, (2.7 - 2) / 0.1]);
  });

  it('writes into a given buffer and checks its size', () => {
    const out = new Float64Array(2);
    const Z = transformStandard({ mean: [0, 0], scale: [2, 4] }, matrix(Float64Array.from([1, 1]), 1, 2), out);
    expect(Z.data).toBe(out);
    expect(Array.from(out)).toEqual([0.5, 0.25]);
    expect(() => transformStandard({ mean: [0, 0], scale: [1, 1] }, matrix(Float64Array.from([1, 1]), 1, 2), new Float64Array(3))).toThrow(RangeError);
    expect(() => transformStandard({ mean: [0], scale: [1] }, matrix(Float64Array.from([1, 1]), 1, 2))).toThrow(RangeError);
  });
});

describe('StandardScaler', () => {
  it('wraps the functions', () => {
    const sc = new StandardScaler();
    expect(() => sc.transform(X)).toThrow();
    const Z = sc.fitTransform(X);
    const s = fitStandardScaler(X);
    expect(sc.mean_).toEqual(s.mean);
    expect(sc.scale_).toEqual(s.scale);
    expect(sc.var_).toEqual(s.variance);
    expect(sc.nSamplesSeen_).toBe(150);
    expect(Z.data).toEqual(transformStandard(s, X).data);
  });
});
