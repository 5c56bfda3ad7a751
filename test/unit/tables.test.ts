/**
 * The table steps of the core against docs/SKLEARN_PARITY.md §9–10: SimpleImputer statistics
 * (mean over an F-ordered column, median, most_frequent ties), category order, the fitted
 * ColumnTransformer and its expansion (unknown categories, imputed values, refused gaps).
 */
import { describe, expect, it } from 'vitest';
import { expanderOf, fitColumnTransformer, TableExpander, type RawTable } from '../../src/core/column-transformer.js';
import { DataError } from '../../src/core/errors.js';
import { imputeMean, imputeMedian, imputeMostFrequent, mostFrequentText } from '../../src/core/impute.js';
import { codePointLess, DEFAULT_NA_VALUES, expandedNames, sortByCodePoint } from '../../src/core/preprocessing.js';
import { compactRows, rowsToKeep } from '../../src/core/table-pipeline.js';

const N = NaN;

describe('SimpleImputer statistics (§9)', () => {
  it('mean: pairwise over the full column with zeros in the gaps, as on a DataFrame (§9.3 test vector)', () => {
    const col = Float64Array.from([N, N, 0.6, N, N, 0.1, 0.2, N, 0.7, N, 0.5, 0.2]);
    expect(imputeMean(col)).toBe(0.38333333333333336);
    expect(imputeMean(Float64Array.from([N, N]))).toBeUndefined();
    expect(imputeMean(Float64Array.from([1.7e308, 1.7e308]))).toBeUndefined(); // overflow: np.ma masks it
  });

  it('median: (lo + hi) / 2 of the observed values', () => {
    expect(imputeMedian(Float64Array.from([3, N, 1, 2]))).toBe(2);
    expect(imputeMedian(Float64Array.from([4, 1, N, 2, 3]))).toBe(2.5);
    expect(imputeMedian(Float64Array.from([1e308, 1.7e308]))).toBe(Infinity);
  });

  it('most_frequent: ties go to the smallest number, and to the smallest text by code point', () => {
    expect(imputeMostFrequent(Float64Array.from([3, 1, 3, 1, N, 2]))).toBe(1);
    const texts = ['B', 'a', 'b', 'é'];
    // ['B','a','b','B','a','é','é'] → 'B' (§9.5)
    expect(mostFrequentText(Float64Array.from([0, 1, 2, 0, 1, 3, 3, N]), texts, codePointLess)).toBe('B');
  });

  it('categories sort by code point, as numpy sorts str (astral characters after the BMP)', () => {
    expect(sortByCodePoint(['red', 'Ärger', 'blue', 'Blue', 'green'])).toEqual(['Blue', 'blue', 'green', 'red', 'Ärger']);
    expect(codePointLess('\uffff', '\u{10000}')).toBe(true);
    expect('\uffff' < '\u{10000}').toBe(false); // what a plain JS comparison would get wrong
  });

  it("pandas' 18 default missing-value strings", () => {
    expect(DEFAULT_NA_VALUES.length).toBe(18);
    for (const notNa of ['None', 'none', 'NAN', 'na', '?', ' NA']) expect(DEFAULT_NA_VALUES).not.toContain(notNa);
  });
});

describe('the ColumnTransformer', () => {
  // x numeric, c categorical (dictionary in order of first appearance), 6 rows.
  it('model order is numeric then categorical; categories are the training values sorted; one-hot columns are unscaled', () => {
    const t: RawTable = {
      data: Float64Array.from([1, 0, 2, 1, N, 2, 4, N, 3, 0, 5, 1]),
      rows: 6,
      cols: 2,
      columns: [
        { name: 'x', kind: 'numeric' },
        { name: 'c', kind: 'categorical', dictionary: ['red', 'blue', 'green'] },
      ],
    };
    const fitted = fitColumnTransformer(t, [0, 1, 2, 3], {
      impute: { strategy: 'most_frequent', fillValue: null },
      naValues: DEFAULT_NA_VALUES,
      dropna: 'none',
      maxCategories: 10,
    });
    expect(expandedNames(fitted.preprocessing.columns)).toEqual(['x', 'c=blue', 'c=green', 'c=red']);
    expect(fitted.preprocessing.columns[1]).toEqual({ name: 'c', kind: 'categorical', categories: ['blue', 'green', 'red'], impute: 'blue' });
    expect(Array.from(fitted.mean.subarray(1))).toEqual([0, 0, 0]);
    expect(Array.from(fitted.scale.subarray(1))).toEqual([1, 1, 1]);
    const X = expanderOf(fitted).expandTable(t, [3, 4, 5]);
    // row 3: x=4, c missing → imputed 'blue'; row 4: x=3, c=red; row 5: x=5, c=blue.
    expect(Array.from(X.data)).toEqual([4, 1, 0, 0, 3, 0, 0, 1, 5, 1, 0, 0]);
  });

  it('a category the training rows lack encodes as all zeros; a missing value without imputation is refused', () => {
    const pre = {
      columns: [{ name: 'c', kind: 'categorical' as const, categories: ['a', 'b'], impute: null }],
      naValues: DEFAULT_NA_VALUES,
      impute: null,
      dropna: 'none' as const,
    };
    const expander = new TableExpander(pre, Int32Array.from([0]), [null]);
    const out = new Float64Array(4);
    expander.expand(Float64Array.from([1, 2]), 1, 2, out);
    expect(Array.from(out)).toEqual([0, 1, 0, 0]);
    expect(() => expander.expand(Float64Array.from([N]), 1, 1, out)).toThrow(DataError);
  });

  it('constant imputation adds the fill value as a category when the training rows have a gap', () => {
    const t: RawTable = { data: Float64Array.from([0, N, 1]), rows: 3, cols: 1, columns: [{ name: 'c', kind: 'categorical', dictionary: ['x', 'y'] }] };
    const fitted = fitColumnTransformer(t, [0, 1, 2], { impute: { strategy: 'constant', fillValue: null }, naValues: [], dropna: 'none', maxCategories: 10 });
    expect(fitted.preprocessing.columns[0]).toMatchObject({ categories: ['missing_value', 'x', 'y'], impute: 'missing_value' });
  });

  it('refuses an all-missing column and one with too many categories, naming them', () => {
    const t: RawTable = {
      data: Float64Array.from([N, 0, N, 1, N, 2]),
      rows: 3,
      cols: 2,
      columns: [
        { name: 'gone', kind: 'numeric' },
        { name: 'id', kind: 'categorical', dictionary: ['a', 'b', 'c'] },
      ],
    };
    const options = { impute: { strategy: 'mean' as const, fillValue: null }, naValues: [], dropna: 'none' as const, maxCategories: 2 };
    expect(() => fitColumnTransformer(t, [0, 1, 2], options)).toThrow(/column "gone" has no value in the training rows/);
    const t2: RawTable = { ...t, data: Float64Array.from([1, 0, 2, 1, 3, 2]) };
    expect(() => fitColumnTransformer(t2, [0, 1, 2], options)).toThrow(/column "id" has 3 distinct values .* more than --max-categories 2/);
  });

  it('dropna: rows missing the target, or anything with "any"; kept rows compacted in place', () => {
    const t: RawTable = { data: Float64Array.from([1, N, 3, 4]), rows: 4, cols: 1, columns: [{ name: 'x', kind: 'numeric' }] };
    const labels = ['a', 'b', '', 'a'];
    expect(Array.from(rowsToKeep(t, labels, 'target')!)).toEqual([0, 1, 3]);
    const keep = rowsToKeep(t, labels, 'any')!;
    expect(Array.from(keep)).toEqual([0, 3]);
    const { table: kept, labels: keptLabels } = compactRows(t, labels, keep);
    expect([Array.from(kept.data), kept.rows, keptLabels]).toEqual([[1, 4], 2, ['a', 'a']]);
    expect(rowsToKeep(t, ['a', 'a', 'a', 'a'], 'target')).toBeNull();
  });
});
