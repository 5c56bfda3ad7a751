import { describe, expect, it } from 'vitest';
import { matrix, takeCodes, takeRows } from '../../src/core/index.js';

describe('matrix helpers', () => {
  it('checks the data length', () => {
    expect(matrix(new Float64Array(6), 2, 3)).toMatchObject({ rows: 2, cols: 3 });
    expect(() => matrix(new Float64Array(5), 2, 3)).toThrow(RangeError);
    expect(() => matrix(new Float64Array(0), -1, 0)).toThrow(RangeError);
  });

  it('takes rows in the given order into a new matrix', () => {
    const X = matrix(Float64Array.from([1, 2, 3, 4, 5, 6]), 3, 2);
    const T = takeRows(X, [2, 0, 2]);
    expect(T.rows).toBe(3);
    expect(Array.from(T.data)).toEqual([5, 6, 1, 2, 5, 6]);
    T.data[0] = 99;
    expect(X.data[4]).toBe(5);
    expect(() => takeRows(X, [3])).toThrow(RangeError);
    expect(Array.from(takeCodes(Int32Array.from([7, 8, 9]), [1, 1, 0]))).toEqual([8, 8, 7]);
    expect(() => takeCodes(Int32Array.from([7]), [-1])).toThrow(RangeError);
  });
});
