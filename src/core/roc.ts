/**
 * One-vs-rest ROC curves and their areas, as scikit-learn's
 * `roc_curve(y == c, decision_function[:, c])` and `roc_auc_score(y == c, decision_function[:, c])`
 * compute them (docs/SKLEARN_PARITY.md): thresholds at the distinct scores, highest first; ties in
 * score move the curve diagonally; collinear points dropped (drop_intermediate); trapezoidal area.
 */
import { coefRows } from './linear.js';
import { pairwiseSum } from './scaler.js';

export interface RocCurve {
  /** False- and true-positive rates, from (0, 0) to (1, 1). */
  readonly fpr: Float64Array;
  readonly tpr: Float64Array;
  /** Area under the curve (trapezoidal rule, as sklearn.metrics.auc). */
  readonly auc: number;
  readonly positives: number;
  readonly negatives: number;
}

/**
 * The ROC curve of `score` for the rows where `positive` is 1; undefined when every row is positive or
 * every row negative (scikit-learn raises "Only one class present in y_true").
 */
export function rocCurve(positive: Uint8Array, score: Float64Array): RocCurve | undefined {
  const n = positive.length;
  if (score.length !== n) throw new RangeError(`${n} labels but ${score.length} scores`);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += positive[i]! === 1 ? 1 : 0;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return undefined;
  // One point per distinct score, highest first: cumulative true and false positives after its last
  // row. Which order ties take does not matter (only the counts after a whole tie group are kept), so
  // positives' and negatives' scores are sorted apart (a native typed-array sort) and merged.
  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    // Decision values of finite weights and rows are finite; a NaN would stop the merge below.
    if (Number.isNaN(score[i]!)) throw new RangeError(`score ${i} is NaN`);
    if (positive[i]! === 1) pos[a++] = score[i]!;
    else neg[b++] = score[i]!;
  }
  pos.sort();
  neg.sort();
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let a = positives - 1, b = negatives - 1; a >= 0 || b >= 0;) {
    const v = a < 0 ? neg[b]! : b < 0 ? pos[a]! : Math.max(pos[a]!, neg[b]!);
    // === groups -0 with 0, as the scores compare.
    while (a >= 0 && pos[a]! === v) {
      tp++;
      a--;
    }
    while (b >= 0 && neg[b]! === v) {
      fp++;
      b--;
    }
    tps.push(tp);
    fps.push(fp);
  }
  // drop_intermediate (before the origin is added, as scikit-learn does): a point whose second
  // differences are both 0 lies on the segment of its neighbours; the first and last always stay.
  const keepT: number[] = [0];
  const keepF: number[] = [0];
  const p = tps.length;
  for (let k = 0; k < p; k++) {
    const inner = p > 2 && k > 0 && k < p - 1;
    if (inner && fps[k - 1]! - 2 * fps[k]! + fps[k + 1]! === 0 && tps[k - 1]! - 2 * tps[k]! + tps[k + 1]! === 0) continue;
    keepT.push(tps[k]!);
    keepF.push(fps[k]!);
  }
  const m = keepT.length;
  const fpr = new Float64Array(m);
  const tpr = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    fpr[k] = keepF[k]! / negatives;
    tpr[k] = keepT[k]! / positives;
  }
  // np.trapz: the products d * (y[1:] + y[:-1]) / 2.0, then numpy's pairwise sum.
  const areas = new Float64Array(m - 1);
  for (let k = 1; k < m; k++) areas[k - 1] = ((fpr[k]! - fpr[k - 1]!) * (tpr[k]! + tpr[k - 1]!)) / 2.0;
  const auc = 0.0 + pairwiseSum(areas, 0, m - 1);
  return { fpr, tpr, auc, positives, negatives };
}

/**
 * The one-vs-rest curve of each class from true class codes (-1: a label the model never saw, a
 * negative for every class) and the decision function, coefRows(C) values per row. With two
 * classes the single column s scores class 1 and −s class 0 (the same area).
 */
export function oneVsRestRoc(trueCodes: Int32Array, scores: Float64Array, nClasses: number): (RocCurve | undefined)[] {
  const n = trueCodes.length;
  const width = coefRows(nClasses);
  if (scores.length !== n * width) throw new RangeError(`${n} rows need ${n * width} scores, got ${scores.length}`);
  const out: (RocCurve | undefined)[] = [];
  const positive = new Uint8Array(n);
  const column = new Float64Array(n);
  for (let c = 0; c < nClasses; c++) {
    for (let i = 0; i < n; i++) {
      positive[i] = trueCodes[i] === c ? 1 : 0;
      column[i] = width === 1 ? (c === 1 ? scores[i]! : -scores[i]!) : scores[i * width + c]!;
    }
    out.push(rocCurve(positive, column));
  }
  return out;
}
