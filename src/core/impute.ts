/**
 * scikit-learn's `SimpleImputer` statistics on one column of the training rows, as the
 * ColumnTransformer computes them from a pandas DataFrame (F-ordered: docs/SKLEARN_PARITY.md §9).
 * A missing value is NaN. Each function returns the statistic, or undefined when the column has no
 * observed value (scikit-learn would drop it; iris refuses it, see column-transformer.ts).
 */
import { pairwiseSum } from './scaler.js';

/** `np.ma.mean` of an F-ordered column: pairwise over the full column with 0 in the missing slots, / count (§9.3). */
export function imputeMean(col: Float64Array): number | undefined {
  const filled = new Float64Array(col.length);
  let count = 0;
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!;
    if (v === v) {
      filled[i] = v;
      count++;
    }
  }
  if (count === 0) return undefined;
  const mean = (pairwiseSum(filled, 0, filled.length) * 1.0) / count;
  return Number.isFinite(mean) ? mean : undefined;
}

/** The observed values, sorted ascending. */
function observedSorted(col: Float64Array): Float64Array {
  let k = 0;
  for (let i = 0; i < col.length; i++) if (col[i] === col[i]) k++;
  const v = new Float64Array(k);
  k = 0;
  for (let i = 0; i < col.length; i++) if (col[i] === col[i]) v[k++] = col[i]!;
  return v.sort();
}

/** `np.ma.median`: the middle value, or the mean of the two middle ones as (lo + hi) / 2 (§9.4). */
export function imputeMedian(col: Float64Array): number | undefined {
  const v = observedSorted(col);
  const k = v.length;
  if (k === 0) return undefined;
  const h = k >> 1;
  const lo = k % 2 === 0 ? v[h - 1]! : v[h]!;
  const hi = v[h]!;
  return (lo + hi) / 2.0;
}

/** `scipy.stats.mode` of the observed values: the most frequent, ties to the smallest (§9.5). */
export function imputeMostFrequent(col: Float64Array): number | undefined {
  const v = observedSorted(col);
  if (v.length === 0) return undefined;
  let best = v[0]!;
  let bestCount = 0;
  for (let i = 0; i < v.length;) {
    let j = i + 1;
    while (j < v.length && v[j] === v[i]) j++;
    // Sorted ascending, so the first run of the highest count holds the smallest value.
    if (j - i > bestCount) {
      bestCount = j - i;
      best = v[i]!;
    }
    i = j;
  }
  return best;
}

/**
 * The most frequent code of a categorical column (codes index `texts`; NaN = missing), ties to the
 * smallest text by code point, as Python's `min` over `str` (§9.5). Undefined when all are missing.
 */
export function mostFrequentText(codes: Float64Array, texts: readonly string[], less: (a: string, b: string) => boolean): string | undefined {
  const counts = new Float64Array(texts.length);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === c) counts[c] = counts[c]! + 1;
  }
  let best: string | undefined;
  let bestCount = 0;
  for (let c = 0; c < texts.length; c++) {
    const n = counts[c]!;
    if (n === 0) continue;
    if (n > bestCount || (n === bestCount && less(texts[c]!, best!))) {
      best = texts[c]!;
      bestCount = n;
    }
  }
  return best;
}
